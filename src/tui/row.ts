// A row of a screen: one terminal line, built only when it is on screen (lists hold 10,000
// of them), with what Enter does on it and whether `e`/`E` stop there.

import type { Line } from './style';

export type RowTarget =
  { kind: 'session'; id: string } | { kind: 'group'; key: string } | { kind: 'fold'; key: string } | { kind: 'logline'; index: number } | { kind: 'none' };

export interface Row {
  /** Stable identity, so the cursor stays on the same thing when the data changes. */
  key: string;
  /** The line, for a screen `width` columns wide (rows that lay out columns drop some when narrow). */
  render: (width?: number) => Line;
  /** Headings and blank lines are skipped by the cursor. */
  selectable: boolean;
  target: RowTarget;
  /** A stop for `e`/`E` (an error line, a failing node). */
  error?: boolean;
}

export const NONE: RowTarget = { kind: 'none' };

export function textRow(key: string, line: Line): Row {
  return { key, render: () => line, selectable: false, target: NONE };
}

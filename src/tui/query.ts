// What the cluster screen shows: a `/` text filter (node name, noderange such as cn[001-064],
// MAC, IP, or any text of the session: stage, cause, pattern) and a `:` view (an outcome,
// or one root-cause group).

import type { SessionDoc } from '../contract';
import { sessionMatcher } from '../view/filter';

export interface Query {
  text: string;
  outcome: string | null;
  /** 1-based number of a root-cause group (as numbered on the cluster screen). */
  group: number | null;
}

export const EMPTY_QUERY: Query = { text: '', outcome: null, group: null };

const haystacks = new WeakMap<SessionDoc, string>();

function haystackOf(s: SessionDoc): string {
  let h = haystacks.get(s);
  if (h === undefined) {
    h = [s.node ?? '', s.mac ?? '', ...s.ips, s.id, s.stage, s.outcome, s.rootCause?.title ?? '', s.rootCause?.pattern ?? ''].join('\u0000').toLowerCase();
    haystacks.set(s, h);
  }
  return h;
}

/** A predicate for the `/` text: exact identity matches (noderange, MAC, IP) or a substring. */
export function textMatcher(text: string): (s: SessionDoc) => boolean {
  const t = text.trim();
  if (!t) return () => true;
  let exact: (s: SessionDoc) => boolean = () => false;
  try {
    exact = sessionMatcher(t);
  } catch {
    /* not a noderange: substring only */
  }
  const needle = t.toLowerCase();
  return (s) => exact(s) || haystackOf(s).includes(needle);
}

export function describeQuery(q: Query): string {
  const parts: string[] = [];
  if (q.outcome) parts.push(`view :${q.outcome}`);
  if (q.group !== null) parts.push(`view :group ${q.group}`);
  if (q.text) parts.push(`filter /${q.text}`);
  return parts.join('  ');
}

// A node's name as logs give it: short, lower-case, and never a placeholder an installer or a
// paste uses (`localhost`, `(none)`, `anaconda`). Sources need it to name a console file's node;
// identity needs it for every hostname hint.

import { detach } from '../util/detach';

/** Names a node never has: installer defaults and placeholders. */
const NOT_A_NAME = /^(?:localhost(?:\.localdomain)?|localhost\d*|\(none\)|-|anaconda|dracut|linux|install|unknown)$/i;

/** Names seen are few (one per node) and asked for on every line and every diagnosis. */
const nameMemo = new Map<string, string | null>();
const NAME_MEMO_MAX = 100_000;

export function usableName(name: string | null | undefined): string | null {
  if (!name) return null;
  let r = nameMemo.get(name);
  if (r !== undefined) return r;
  const short = name.split('.')[0]!.toLowerCase();
  r = !short || NOT_A_NAME.test(short) || /^\d+$/.test(short) ? null : short;
  if (nameMemo.size >= NAME_MEMO_MAX) nameMemo.clear();
  // Flat copies: a name sliced from a read chunk must not keep the chunk alive in the memo.
  r = r === null ? null : detach(r);
  nameMemo.set(detach(name), r);
  return r;
}

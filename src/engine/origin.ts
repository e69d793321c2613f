// Where a kept line came from — its file (and so its place in the reading order), channel,
// sender, host, program, node — and its severity, which a program's lines share, are shared by
// the lines around it: 27,000 contents for 407,000 entries on 5,000 nodes. One frozen object per
// content, which an entry points to, instead of eight fields on every entry (64 bytes each).

import type { Channel, LogRecord } from '../types';
import { intern } from '../util/intern';
import { detach } from '../util/detach';
import { readingOrder } from '../sources/mn-files';

export interface Origin {
  readonly source: string;
  readonly channel: Channel;
  readonly from: string | null;
  readonly host: string | null;
  readonly program: string | null;
  readonly node: string | null;
  readonly severity: number | null;
  /** The file's place in the offline reading order (readingOrder()). */
  readonly rank: number;
}

/** One table keyed by the seven together: Maps nested per field cost more than the origins (10 MB on 5,000 nodes). */
let table = new Map<string, Origin>();
/** Bound on contents remembered: past it the table starts again (only the sharing is lost). */
const MAX_ORIGINS = 200_000;
/**
 * The last one asked for of each host: a file's lines come in runs of one host and program, and
 * where hosts interleave (messages), each host's lines still mostly share one. No key is built
 * for those.
 */
let lastOfHost = new Map<string | null, Origin>();

/** A key part: its length first, so that no text (hostile input may hold any character) can make two origins one key. */
function part(s: string | null): string {
  return s === null ? '-' : `${s.length}:${s}`;
}

function same(o: Origin, rec: LogRecord): boolean {
  return (
    o.source === rec.source &&
    o.host === rec.host &&
    o.from === rec.from &&
    o.program === rec.program &&
    o.channel === rec.channel &&
    o.node === rec.node &&
    o.severity === rec.severity
  );
}

/** The shared origin of a record (its strings interned: flat copies, not slices of a read chunk). */
export function originOf(rec: LogRecord): Origin {
  const l = lastOfHost.get(rec.host);
  if (l !== undefined && same(l, rec)) return l;
  const key =
    part(rec.source) + rec.channel + part(rec.program) + part(rec.host) + part(rec.from) + part(rec.node) + (rec.severity === null ? '-' : `${rec.severity}`);
  let o = table.get(key);
  if (o === undefined) {
    if (table.size >= MAX_ORIGINS) {
      table = new Map();
      lastOfHost = new Map();
    }
    o = Object.freeze({
      source: intern(rec.source)!,
      channel: rec.channel,
      from: intern(rec.from),
      host: intern(rec.host),
      program: intern(rec.program),
      node: intern(rec.node),
      severity: rec.severity,
      rank: readingOrder(rec.source),
    });
    table.set(detach(key), o);
  }
  if (lastOfHost.size >= MAX_ORIGINS) lastOfHost = new Map();
  lastOfHost.set(o.host, o);
  return o;
}

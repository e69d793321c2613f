// Entries as the engine keeps them, made from real lines (a kind's parser, the shipped patterns),
// for tests of the stages after the engine that want to hand them a machine's lines directly.
import { LineReader, type FileKind } from '../../src/records/line-reader';
import { Matcher } from '../../src/patterns/match';
import { loadKb } from '../../src/patterns/kb';
import { Entry } from '../../src/engine/entry';
import type { KnowledgeBase } from '../../src/types';

export const kb: KnowledgeBase = loadKb([], { local: false });
const matcher = new Matcher(kb.patterns);
let seq = 0;

/** Every line that matched a pattern or looks like an error, as one file of `kind` read from its start. */
export function entriesFrom(lines: string[], kind: FileKind = 'cluster', source = 'xcat/cluster.log'): Entry[] {
  const reader = new LineReader(kind, source, Date.UTC(2026, 10, 24, 12, 0, 0));
  const out: Entry[] = [];
  lines.forEach((line, ord) => {
    const rec = reader.read(line);
    if (!rec) return;
    const m = matcher.match(rec);
    out.push(new Entry(seq++, ord, rec, m?.pattern ?? null, m?.fields ?? {}, { node: 'cn43' }, 1, rec.at));
  });
  return out;
}

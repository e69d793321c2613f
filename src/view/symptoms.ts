// Symptoms as a person reads them, in the TUI's node screen and in the CLI's text report alike.

import type { SessionDoc } from '../contract';

/**
 * A session's symptoms as a person reads them: one line per pattern and title (the engine's
 * "(×N)" in a title becomes the count), none that repeats the root cause (same pattern, same title).
 */
export function foldSymptoms(s: Pick<SessionDoc, 'symptoms' | 'rootCause'>): (SessionDoc['symptoms'][number] & { n: number })[] {
  const out: (SessionDoc['symptoms'][number] & { n: number })[] = [];
  const byKey = new Map<string, SessionDoc['symptoms'][number] & { n: number }>();
  const bare = (t: string): string => t.replace(/ \(×\d+\)$/, '');
  for (const y of s.symptoms) {
    const m = / \(×(\d+)\)$/.exec(y.title);
    const title = m ? y.title.slice(0, m.index) : y.title;
    if (s.rootCause && y.pattern === s.rootCause.pattern && title === bare(s.rootCause.title)) continue;
    const n = m ? Number(m[1]) : 1;
    const key = `${y.pattern}\u0000${title}`;
    const same = byKey.get(key);
    if (same) {
      same.n += n;
      same.explained = same.explained || y.explained;
    } else {
      const f = { ...y, title, n };
      byKey.set(key, f);
      out.push(f);
    }
  }
  return out;
}

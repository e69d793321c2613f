// Where the knowledge base comes from: the shipped patterns/, then the site's own
// /etc/xtriage/patterns.d/ (or XTRIAGE_PATTERNS_D), then any --patterns DIR.

import * as path from 'node:path';
import { loadKnowledgeBase, type LoadedKb } from './load';

// dist/patterns/kb.js (or src/patterns/kb.ts under jest): the repository's patterns/ is two up.
export const SHIPPED_PATTERNS = path.join(__dirname, '..', '..', 'patterns');
export const LOCAL_PATTERNS = process.env.XTRIAGE_PATTERNS_D ?? '/etc/xtriage/patterns.d';

export function loadKb(extra: string[] = [], opts: { shipped?: boolean; local?: boolean } = {}): LoadedKb {
  const paths = [...(opts.shipped === false ? [] : [SHIPPED_PATTERNS]), ...(opts.local === false ? [] : [LOCAL_PATTERNS]), ...extra];
  return loadKnowledgeBase({ paths, optional: [LOCAL_PATTERNS] });
}

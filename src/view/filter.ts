// --node NAME|MAC|IP|noderange: keep only the matching machines' sessions (and the groups
// that mention them).

import type { AnalysisDoc, SessionDoc } from '../contract';
import { expandNoderange } from '../util/noderange';
import { normalizeMac, normalizeIp } from '../sources/syslog-parse';

export function sessionMatcher(spec: string): (s: SessionDoc) => boolean {
  const names = new Set(expandNoderange(spec).map((n) => n.toLowerCase()));
  const macs = new Set<string>();
  const ips = new Set<string>();
  for (const part of spec.split(',')) {
    const mac = normalizeMac(part);
    if (mac) macs.add(mac);
    if (/^[\d.]+$|:/.test(part)) ips.add(normalizeIp(part));
  }
  return (s) =>
    (s.node !== null && names.has(s.node.toLowerCase())) || (s.mac !== null && macs.has(s.mac)) || s.ips.some((ip) => ips.has(ip)) || names.has(s.id);
}

export function filterDoc(doc: AnalysisDoc, spec: string): AnalysisDoc {
  const keep = sessionMatcher(spec);
  const sessions = doc.sessions.filter(keep);
  const ids = new Set(sessions.map((s) => s.id));
  const names = new Set(expandNoderange(spec));
  const groups = doc.groups
    .filter((g) => g.sessions.some((id) => ids.has(id)) || g.nodes.some((n) => names.has(n)))
    .map((g) => ({ ...g, sessions: g.sessions.filter((id) => ids.has(id)) }));
  const unknownErrors = doc.unknownErrors.filter((u) => u.sessions.some((id) => ids.has(id)));
  return { sessions, groups, unknownErrors };
}

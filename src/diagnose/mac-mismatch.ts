// Two half-stories that are one machine: a node xCAT powered on that never got an address, and
// a MAC no one knows asking dhcpd for one moments later. Usually the node's MAC in xCAT is wrong
// (a typo, another port): one row saying so, not a stalled node and a stranger.
//
// Only an unambiguous pair is joined: the node's only candidate is that MAC and the MAC's only
// candidate is that node, within the time a server takes from power-on to PXE (POST included).

import type { AnalysisDoc, SessionDoc } from '../contract';

/** Power-on to the first DHCPDISCOVER: firmware POST on big servers takes minutes. */
const POST_WINDOW_MS = 10 * 60_000;
/** A DHCP request a moment before the power line (clocks of one MN, seconds apart) still counts. */
const SLACK_MS = 5_000;

const NEVER_GOT_AN_ADDRESS = new Set(['power', 'poweron']);

/** When the node was powered on (status powering-on), else when power was asked for. */
function powerAt(s: SessionDoc): number | null {
  const m = s.milestones.find((x) => x.stage === 'poweron') ?? s.milestones.find((x) => x.stage === 'power');
  return m ? Date.parse(m.at) : null;
}

/** A named node that was powered on and got no further (no DHCP). */
function isSilentNode(s: SessionDoc): boolean {
  return (
    s.node !== null && s.mac === null && NEVER_GOT_AN_ADDRESS.has(s.stage) && (s.outcome === 'stalled' || s.outcome === 'running' || s.outcome === 'failed')
  );
}

/** A MAC xCAT does not know (no name) that asked dhcpd and got nothing. */
function isStranger(s: SessionDoc): boolean {
  return s.mac !== null && s.node === null && s.ips.length === 0 && (s.stage === 'poweron' || s.stage === 'dhcp');
}

export interface Joined {
  doc: AnalysisDoc;
  /** Stranger session ID → the node session it was joined to (its timeline goes with it). */
  into: Map<string, string>;
}

export function joinMacMismatches(doc: AnalysisDoc): Joined {
  const into = new Map<string, string>();
  const nodes = doc.sessions.filter(isSilentNode);
  const strangers = doc.sessions.filter(isStranger);
  if (!nodes.length || !strangers.length) return { doc, into };
  const near = (n: SessionDoc, m: SessionDoc): boolean => {
    const p = powerAt(n);
    const t = Date.parse(m.startedAt);
    return p !== null && t >= p - SLACK_MS && t - p <= POST_WINDOW_MS;
  };
  const replaced = new Map<string, SessionDoc>();
  for (const n of nodes) {
    const mine = strangers.filter((m) => near(n, m));
    if (mine.length !== 1) continue;
    const m = mine[0]!;
    if (nodes.filter((x) => near(x, m)).length !== 1) continue;
    const dt = Math.round((Date.parse(m.startedAt) - powerAt(n)!) / 1000);
    const name = n.node!;
    replaced.set(n.id, {
      ...n,
      outcome: 'failed',
      rootCause: {
        pattern: 'identity.mac-mismatch',
        recognised: true,
        title: `${name}'s MAC in xCAT is probably wrong: ${m.mac} asked for an address ${dt < 0 ? 'just before' : `${dt}s after`} ${name} was powered on, and dhcpd does not know it`,
        remedy: `Check the NIC that boots: \`lsdef ${name} -i mac\` against ${m.mac}; if it is this node's, \`chdef ${name} mac=${m.mac}\`, \`makedhcp ${name}\`, then \`rinstall ${name} osimage=<image>\`.`,
        severity: 'error',
        evidence: [...(m.rootCause?.evidence.slice(0, 1) ?? []), ...(n.rootCause?.evidence.slice(0, 1) ?? [])],
      },
      symptoms: [
        ...(m.rootCause ? [{ pattern: m.rootCause.pattern, title: m.rootCause.title, evidence: m.rootCause.evidence.slice(0, 1), explained: true }] : []),
        ...(n.rootCause ? [{ pattern: n.rootCause.pattern, title: n.rootCause.title, evidence: n.rootCause.evidence.slice(0, 1), explained: true }] : []),
        ...n.symptoms,
      ],
      unknownErrors: [...n.unknownErrors, ...m.unknownErrors],
    });
    into.set(m.id, n.id);
  }
  if (!into.size) return { doc, into };
  const sessions = doc.sessions.filter((s) => !into.has(s.id)).map((s) => replaced.get(s.id) ?? s);
  const groups = doc.groups
    .map((g) => ({ ...g, sessions: [...new Set(g.sessions.map((id) => into.get(id) ?? id))] }))
    .filter((g) => g.sessions.length >= 2 || g.scope === 'cluster' || g.nodes.length > 0);
  const unknownErrors = doc.unknownErrors.map((u) => ({ ...u, sessions: [...new Set(u.sessions.map((id) => into.get(id) ?? id))] }));
  return { doc: { sessions, groups, unknownErrors }, into };
}

// The terminal report a person reads top-down: causes shared across the cluster first
// (largest first), then each failing node with its root cause, evidence, remedy and folded
// symptoms, succeeded nodes in one line. Every piece of log text goes through the sanitizer.

import type { AnalysisDoc, GroupDoc, SessionDoc } from '../contract';
import type { Evidence } from '../types';
import { sanitizeForTerminal as safe } from '../util/sanitize';
import { foldSymptoms } from '../view/symptoms';
export { foldSymptoms };

export interface ReportOptions {
  color: boolean;
  /** Terminal width for wrapping long lines (evidence lines are cut, not wrapped). */
  width: number;
}

const OUTCOME_ORDER = ['failed', 'looping', 'stalled', 'unknown', 'running', 'succeeded'] as const;

function paint(on: boolean): (code: string, s: string) => string {
  return (code, s) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
}

export function outcomeLabel(o: string): string {
  return o.toUpperCase();
}

function shortTime(iso: string): string {
  return iso
    .replace('T', ' ')
    .replace(/\.\d{3}/, '')
    .replace(/([+-]\d{2}:\d{2}|Z)$/, '');
}

function nameOf(s: SessionDoc): string {
  return s.node ?? s.mac ?? s.ips[0] ?? (s.identity === 'file' ? `(unnamed machine ${s.id.slice(0, 6)})` : s.id);
}

function machineOf(s: SessionDoc): string {
  return s.mac ?? s.node ?? s.ips[0] ?? s.id;
}

/**
 * Bad attempts of a machine that succeeded later: it provisioned in the end (what came after, a
 * new power cycle the logs end in, shows no outcome yet), so they are history, told in one line
 * each, not among the nodes that did not provision.
 */
export function recoveredSessions(doc: AnalysisDoc): SessionDoc[] {
  const lastSuccess = new Map<string, string>();
  for (const s of doc.sessions) {
    if (s.outcome !== 'succeeded') continue;
    const k = machineOf(s);
    const t = lastSuccess.get(k);
    if (t === undefined || t < s.startedAt) lastSuccess.set(k, s.startedAt);
  }
  return doc.sessions.filter((s) => {
    const t = lastSuccess.get(machineOf(s));
    return isBad(s) && t !== undefined && t > s.startedAt;
  });
}

/** The exit status of an analysis: 1 when a node needs the admin (or an MN-side fault stands), else 0. */
export function exitStatusOf(doc: AnalysisDoc): 0 | 1 {
  const recovered = new Set(recoveredSessions(doc));
  return doc.sessions.some((s) => isBad(s) && !recovered.has(s)) || doc.groups.some((g) => g.sessions.length === 0) ? 1 : 0;
}

/**
 * What the admin must act on: an attempt that failed, stalled or loops, or a fragment that ends
 * on an error. An unrecognised line the install carried past (a fragment's only lead) is shown,
 * not alarmed on: clean runs print such lines too.
 */
export function isBad(s: SessionDoc): boolean {
  if (s.outcome === 'unknown') return s.rootCause !== null && !(s.rootCause.pattern === 'unknown' && s.rootCause.severity === 'warning');
  return s.outcome === 'failed' || s.outcome === 'stalled' || s.outcome === 'looping';
}

function ordinal(n: number): string {
  const t = n % 100;
  return `${n}${t >= 11 && t <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
}

function listNames(names: string[], max = 12): string {
  const shown = names.slice(0, max).join(' ');
  return names.length > max ? `${shown} … (+${names.length - max} more)` : shown;
}

export function renderReport(doc: AnalysisDoc, opts: ReportOptions): string {
  const c = paint(opts.color);
  const out: string[] = [];
  const width = Math.max(60, opts.width);
  const cut = (s: string, indent: number): string => {
    const room = width - indent;
    return s.length > room ? `${s.slice(0, room - 1)}…` : s;
  };
  const colourOf: Record<string, string> = { failed: '1;31', looping: '1;35', stalled: '1;33', unknown: '1;33', running: '36', succeeded: '32' };
  const counts = new Map<string, number>();
  for (const s of doc.sessions) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  const summary = OUTCOME_ORDER.filter((o) => counts.get(o))
    .map((o) => c(colourOf[o]!, `${counts.get(o)} ${o}`))
    .join(', ');
  out.push(`${c('1', 'xtriage')}: ${doc.sessions.length} session${doc.sessions.length === 1 ? '' : 's'}${summary ? ` — ${summary}` : ''}`);

  const byId = new Map(doc.sessions.map((s) => [s.id, s]));
  const evidenceLines = (ev: Evidence[], indent: string): string[] => {
    const lines: string[] = [];
    for (const e of ev.slice(0, 3)) {
      lines.push(`${indent}${c('2', `${shortTime(e.at)}  ${safe(e.source)}`)}`);
      lines.push(`${indent}  ${cut(safe(e.line), indent.length + 2)}`);
    }
    return lines;
  };
  const remedyLines = (remedy: string, indent: string): string[] =>
    remedy
      ? safe(remedy, 1000)
          .split(/(?<=\.) +/)
          .map((l, i) => `${indent}${i === 0 ? c('1', 'remedy   ') : '         '}${l}`)
      : [];

  const inShownGroup = new Set<string>();
  // Shared means two nodes or more; an MN-side fault that hit one node (or none yet) is told apart.
  const groups = doc.groups;
  const shared = groups.filter((g) => g.sessions.length >= 2);
  const mnSide = groups.filter((g) => g.sessions.length < 2);
  const inMnSide = new Set(mnSide.flatMap((g) => g.sessions));
  if (shared.length) {
    out.push('', c('1;4', 'CAUSES SHARED ACROSS THE CLUSTER'));
    for (const g of shared) out.push(...renderGroup(g, byId, inShownGroup, c, evidenceLines, remedyLines));
  }
  if (mnSide.length) {
    out.push('', c('1;4', 'MN-SIDE FAULTS'));
    for (const g of mnSide) out.push(...renderGroup(g, byId, inShownGroup, c, evidenceLines, remedyLines));
  }

  const recovered = recoveredSessions(doc);
  const failing = doc.sessions
    .filter((s) => isBad(s) && !recovered.includes(s))
    .sort((a, b) => OUTCOME_ORDER.indexOf(a.outcome) - OUTCOME_ORDER.indexOf(b.outcome) || nameOf(a).localeCompare(nameOf(b), undefined, { numeric: true }));
  if (failing.length) {
    out.push('', c('1;4', 'NODES THAT DID NOT PROVISION'));
    for (const s of failing) {
      // A machine known by its MAC (or IP) only is named by it once.
      const name = nameOf(s);
      const ids = [s.mac === name ? null : (s.mac ?? '-'), s.ips[0] === name && s.ips.length === 1 ? null : s.ips.join(',') || '-'].filter(
        (x): x is string => x !== null,
      );
      const head = `${c(colourOf[s.outcome]!, outcomeLabel(s.outcome).padEnd(8))} ${c('1', safe(name))}  ${ids.map((x) => `${safe(x)}  `).join('')}stage ${s.stage}${s.attempts > 1 ? `, ${s.attempts} attempts` : ''}  (started ${shortTime(s.startedAt)})`;
      out.push('', head);
      if (s.loop) out.push(`    ${c('1', 'loop     ')}${s.loop.attempts} attempts, each ending at: ${s.loop.breaks.join(' → ')}`);
      if (s.rootCause) {
        out.push(`    ${c('1', 'cause    ')}${safe(s.rootCause.title)}  ${c('2', `[${safe(s.rootCause.pattern)}]`)}`);
        if (inShownGroup.has(s.id)) {
          out.push(`             ${c('2', inMnSide.has(s.id) ? '(MN-side fault: see above)' : '(shared cause: see above)')}`);
          continue;
        }
        if (s.rootCause.evidence.length) out.push(`    ${c('1', 'evidence')}`, ...evidenceLines(s.rootCause.evidence, '      '));
        out.push(...remedyLines(s.rootCause.remedy, '    '));
      }
      if (s.stall && s.rootCause?.pattern.startsWith('stall') !== true) {
        out.push(`    ${c('1', 'stalled  ')}after ${s.stall.last ?? 'start'} for ${s.stall.waitedS}s (normally < ${s.stall.normalS}s)`);
      }
      const symptoms = foldSymptoms(s);
      if (symptoms.length) {
        out.push(`    ${c('1', 'symptoms')}`);
        for (const y of symptoms.slice(0, 8)) {
          const ev = y.evidence[0];
          out.push(
            `      - ${safe(y.title)}${y.n > 1 ? ` ×${y.n}` : ''}${y.explained ? c('2', ' (explained)') : ''}${ev ? c('2', `  ${shortTime(ev.at)} ${safe(ev.source)}`) : ''}`,
          );
        }
        if (symptoms.length > 8) out.push(`      … ${symptoms.length - 8} more`);
      }
      for (const u of s.unknownErrors.slice(0, 3)) {
        out.push(`    ${c('2', 'unrecognised')} ${cut(safe(u.evidence[0]?.line ?? u.template), 17)}`);
      }
    }
  }

  if (recovered.length) {
    out.push('', c('1;4', 'RECOVERED (a later attempt succeeded)'));
    for (const s of recovered) {
      const all = doc.sessions.filter((x) => machineOf(x) === machineOf(s)).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      const nth = all.indexOf(s) + 1;
      const cause = s.rootCause ? `${safe(s.rootCause.title)}  ${c('2', `[${safe(s.rootCause.pattern)}]`)}` : s.outcome;
      const ok = all.findIndex((x, i) => i > nth - 1 && x.outcome === 'succeeded') + 1;
      out.push(
        `  ${c('1', safe(nameOf(s)))} succeeded on its ${ordinal(ok)} attempt; the ${ordinal(nth)} ${s.outcome === 'failed' ? 'failed' : s.outcome === 'stalled' ? 'stalled' : `was ${s.outcome}`} (${shortTime(s.startedAt)}): ${cause}`,
      );
      const ev = s.rootCause?.evidence[0];
      if (ev) out.push(`      ${c('2', `${shortTime(ev.at)}  ${safe(ev.source)}`)}  ${cut(safe(ev.line), 40)}`);
    }
  }
  const unknown = doc.sessions.filter((s) => s.outcome === 'unknown' && !isBad(s));
  if (unknown.length) {
    out.push('', `${c(colourOf.unknown!, 'NO OUTCOME IN THE INPUT')} ${unknown.length}: ${listNames(unknown.map((s) => `${nameOf(s)}(${s.stage})`))}`);
    for (const s of unknown.filter((x) => x.note).slice(0, 5)) out.push(`  ${cut(safe(s.note!), 2)}`);
    // The one lead such a fragment has: an error it printed and carried past.
    for (const s of unknown.filter((x) => x.rootCause).slice(0, 5)) {
      const ev = s.rootCause!.evidence[0];
      out.push(`  ${c('1', safe(nameOf(s)))} ${c('2', 'lead')} ${cut(safe(s.rootCause!.title), 8)}`);
      if (ev) out.push(`      ${c('2', `${shortTime(ev.at)}  ${safe(ev.source)}`)}  ${cut(safe(ev.line), 40)}`);
    }
  }
  const running = doc.sessions.filter((s) => s.outcome === 'running');
  if (running.length) {
    out.push('', `${c(colourOf.running!, 'RUNNING')}   ${running.length}: ${listNames(running.map((s) => `${nameOf(s)}(${s.stage})`))}`);
  }
  const ok = doc.sessions.filter((s) => s.outcome === 'succeeded');
  if (ok.length)
    out.push(
      '',
      `${c(colourOf.succeeded!, 'SUCCEEDED')} ${ok.length}: ${listNames(ok.map(nameOf).sort((a, b) => a.localeCompare(b, undefined, { numeric: true })))}`,
    );

  if (doc.unknownErrors.length) {
    out.push('', c('1;4', 'UNRECOGNISED ERROR LINES (no pattern knows them)'));
    for (const u of doc.unknownErrors.slice(0, 10)) {
      out.push(`  ${String(u.count).padStart(5)}×  in ${u.failingSessions} failing / ${u.succeededSessions} succeeded sessions`);
      out.push(`         ${cut(safe(u.example.line), 9)}  ${c('2', safe(u.example.source))}`);
    }
    if (doc.unknownErrors.length > 10) out.push(`  … ${doc.unknownErrors.length - 10} more templates`);
  }
  if (!doc.sessions.length && !groups.length) out.push('', 'No provisioning activity found in the input.');
  return `${out.join('\n')}\n`;
}

function renderGroup(
  g: GroupDoc,
  byId: Map<string, SessionDoc>,
  shown: Set<string>,
  c: (code: string, s: string) => string,
  evidenceLines: (ev: Evidence[], indent: string) => string[],
  remedyLines: (r: string, indent: string) => string[],
): string[] {
  const out: string[] = [''];
  const names = g.sessions
    .map((id) => byId.get(id))
    .filter((s): s is SessionDoc => !!s)
    .map(nameOf);
  for (const n of g.nodes) if (!names.includes(n)) names.push(n);
  const count = g.sessions.length;
  const who = count
    ? `${count} node${count === 1 ? '' : 's'}`
    : g.nodes.length
      ? `${g.nodes.length} node${g.nodes.length === 1 ? '' : 's'}, none booted yet`
      : 'MN-side, no node affected yet';
  out.push(`${c('1;31', '✗')} ${c('1', who)}: ${safe(g.title)}  ${c('2', `[${safe(g.pattern)}]`)}`);
  if (names.length) out.push(`    ${c('1', 'nodes    ')}${safe(names.slice(0, 16).join(' '))}${names.length > 16 ? ` … (+${names.length - 16} more)` : ''}`);
  if (g.evidence.length) out.push(`    ${c('1', 'evidence')}`, ...evidenceLines(g.evidence, '      '));
  out.push(...remedyLines(g.remedy, '    '));
  for (const id of g.sessions) shown.add(id);
  return out;
}

// The cluster screen (and `xtriage status`, its text form): a header with the counts by
// outcome and the reception health; the root causes shared by several nodes, largest first,
// each expandable to its nodes; then the nodes with no shared cause, failing ones first.

import type { AnalysisDoc, GroupDoc, SessionDoc } from '../contract';
import type { Health } from './store';
import { span, outcomeTone, type Line } from './style';
import { textRow, type Row } from './row';
import {
  clock,
  compareNames,
  countOutcomes,
  displayLine,
  duration,
  isFailing,
  ms,
  nameOf,
  OUTCOME_RANK,
  OUTCOMES,
  outcomeCell,
  outcomeWord,
  pad,
  plural,
} from './format';
import { describeQuery, textMatcher, type Query } from './query';

export interface ClusterData {
  sessions: Map<string, SessionDoc>;
  groups: GroupDoc[];
  health: Health | null;
  rate: number | null;
  /** Error lines no pattern knows, grouped by template: shown below the known causes. */
  unknownErrors?: AnalysisDoc['unknownErrors'];
}

/** The unrecognised-error section: never hidden, ranked below everything known. */
function unknownLines(data: ClusterData): Line[] {
  const list = data.unknownErrors ?? [];
  if (!list.length) return [];
  const out: Line[] = [[span('UNRECOGNISED ERROR LINES', 'heading'), span(`  ${list.length} template${list.length === 1 ? '' : 's'}, no pattern knows them`)]];
  for (const u of list.slice(0, 10)) {
    out.push([
      span(`  ${String(u.count).padStart(5)}×  `, 'bold'),
      span(`${u.failingSessions} failing / ${u.succeededSessions} succeeded  `, 'dim'),
      span(displayLine(u.example.line)),
    ]);
  }
  return out;
}

export function groupKey(g: GroupDoc): string {
  return `${g.pattern}|${g.title}`;
}

export interface NumberedGroup {
  n: number;
  key: string;
  g: GroupDoc;
}

/** Groups largest first, numbered from 1 (what `:group N` refers to). */
export function numberGroups(groups: GroupDoc[]): NumberedGroup[] {
  return groups
    .map((g, i) => ({ g, i }))
    .sort((a, b) => b.g.sessions.length - a.g.sessions.length || b.g.nodes.length - a.g.nodes.length || a.i - b.i)
    .map(({ g }, i) => ({ n: i + 1, key: groupKey(g), g }));
}

export function countsLine(sessions: Iterable<SessionDoc>, total: number): Line {
  const c = countOutcomes(sessions);
  const line: Line = [span('xtriage', 'bold'), span(`  ${plural(total, 'session')}: `)];
  OUTCOMES.forEach((o, i) => {
    if (i) line.push(span('  '));
    line.push(span(`${c[o]} ${outcomeWord(o)}`, c[o] ? outcomeTone(o) : undefined));
  });
  return line;
}

export function healthLine(h: Health | null, rate: number | null): Line {
  if (!h) return [span('reception: '), span('waiting for the daemon’s counters…')];
  const drops = h.kernelDrops?.drops ?? 0;
  const line: Line = [
    span('reception: '),
    span(rate === null ? '– msg/s' : `${rate < 10 ? rate.toFixed(1) : Math.round(rate)} msg/s`, 'bold'),
    span(`  (${h.received ?? 0} received)`),
    span('  kernel drops '),
    span(String(drops), drops > 0 ? 'error' : undefined),
    span(h.kernelDrops && h.kernelDrops.source === 'unavailable' ? ' (unknown)' : ''),
    span('  lag '),
    span(`${((h.lagMs ?? 0) / 1000).toFixed(1)} s`, (h.lagMs ?? 0) > 5000 ? 'warn' : undefined),
    span('  backlog '),
    span(String(h.backlog ?? 0), (h.backlog ?? 0) > 10000 ? 'warn' : undefined),
  ];
  if (h.backlogDropped) line.push(span(`  backlog dropped ${h.backlogDropped}`, 'error'));
  if (h.replaying) line.push(span('  replaying spool…', 'warn'));
  // What the daemon cannot read goes first, where a narrow terminal still shows it.
  const n = h.unreadable?.count ?? 0;
  if (n > 0) line.unshift(span(`cannot read ${n} log path${n === 1 ? '' : 's'} (journalctl -u xtriaged)`, 'error'), span('  '));
  return line;
}

function sessionDetail(s: SessionDoc, inGroup: boolean, now: number): Line {
  const started = ms(s.startedAt);
  if (s.outcome === 'running') return [span(`started ${clock(s.startedAt)}, ${duration((now - started) / 1000)} so far`)];
  if (s.outcome === 'succeeded') {
    const end = ms(s.endedAt ?? s.milestones[s.milestones.length - 1]?.at);
    return [span(`done in ${duration((end - started) / 1000)}`)];
  }
  const extra = s.attempts > 1 ? `  (${s.attempts} attempts)` : '';
  if (inGroup) {
    const at = s.rootCause?.evidence[0]?.at ?? s.endedAt ?? s.startedAt;
    return [span(`at ${clock(at)}${extra}`)];
  }
  if (s.rootCause) return [span(s.rootCause.title, isFailing(s.outcome) ? 'bold' : undefined), span(extra)];
  if (s.stall) return [span(`no progress after ${s.stall.last ?? 'the start'} for ${duration(s.stall.waitedS)}${extra}`)];
  return [span(`no cause found yet${extra}`)];
}

/** Room the cause (or the in-group detail) keeps on a node row before the other columns go. */
const CAUSE_MIN = 30;

/**
 * A node row: outcome, name, MAC, IP, stage, then the cause. On a narrow screen (`width`) the
 * IP column goes first, then the MAC, then the stage shrinks and goes: the cause stays. A machine
 * known only by its MAC shows it once, as its name.
 */
export function sessionLine(s: SessionDoc, opts: { nameW: number; inGroup: boolean; now?: number; width?: number }): Line {
  const indent = opts.inGroup ? '      ' : '  ';
  const name = nameOf(s);
  const mac = s.mac && s.mac !== name ? s.mac : s.mac ? '' : '-';
  const ip = s.ips[0] && s.ips[0] !== name ? s.ips[0] : s.ips[0] ? '' : '-';
  const cols = { mac: true, ip: true, stageW: 15 };
  if (opts.width !== undefined) {
    const fixed = indent.length + 9 + 1 + opts.nameW;
    const used = (): number => (cols.mac ? 19 : 0) + (cols.ip ? 17 : 0) + (cols.stageW ? cols.stageW + 3 : 1);
    const room = (): number => opts.width! - fixed - used();
    if (room() < CAUSE_MIN) cols.ip = false;
    if (room() < CAUSE_MIN) cols.mac = false;
    if (room() < CAUSE_MIN) cols.stageW = 11;
    if (room() < CAUSE_MIN) cols.stageW = 0;
  }
  const stage = cols.stageW ? `  ${pad(s.stage.length > cols.stageW ? `${s.stage.slice(0, cols.stageW - 1)}…` : s.stage, cols.stageW)} ` : ' ';
  return [
    span(indent),
    span(outcomeCell(s.outcome), outcomeTone(s.outcome)),
    span(' '),
    span(pad(name, opts.nameW), 'bold'),
    span(`${cols.mac ? `  ${pad(mac, 17)}` : ''}${cols.ip ? `  ${pad(ip, 15)}` : ''}${stage}`),
    ...sessionDetail(s, opts.inGroup, opts.now ?? Date.now()),
  ];
}

export function groupLine(ng: NumberedGroup, shown: number, expanded: boolean): Line {
  const { g } = ng;
  const total = g.sessions.length;
  let who: string;
  if (total === 0) who = g.nodes.length ? `${plural(g.nodes.length, 'node')}, none booted yet` : 'MN-side, no node affected yet';
  else if (shown !== total) who = `${shown} of ${plural(total, 'node')}`;
  else who = plural(total, 'node');
  return [
    span(`${expanded ? '▾' : '▸'} `),
    span(String(ng.n).padStart(2), 'bold'),
    span('  '),
    span(who, total ? 'failed' : 'warn'),
    span(' — '),
    span(g.title, 'bold'),
    span(`  [${g.pattern}]`, 'dim'),
  ];
}

/** Builds the cluster screen's rows; the sorted order is cached per data version. */
export class ClusterRows {
  private sortedVersion = -1;
  private sorted: SessionDoc[] = [];
  private numbered: NumberedGroup[] = [];
  private matcherText = '';
  private matcher: (s: SessionDoc) => boolean = () => true;

  private prepare(data: ClusterData, version: number): void {
    if (version === this.sortedVersion) return;
    this.sortedVersion = version;
    const names = new Map<SessionDoc, string>();
    const list = [...data.sessions.values()];
    for (const s of list) names.set(s, nameOf(s));
    this.sorted = list.sort(
      (a, b) =>
        (OUTCOME_RANK[a.outcome] ?? 9) - (OUTCOME_RANK[b.outcome] ?? 9) || compareNames(names.get(a)!, names.get(b)!) || a.startedAt.localeCompare(b.startedAt),
    );
    this.numbered = numberGroups(data.groups);
  }

  groups(data: ClusterData, version: number): NumberedGroup[] {
    this.prepare(data, version);
    return this.numbered;
  }

  /** Sessions that pass the query, in display order, and how many there are. */
  filtered(data: ClusterData, version: number, q: Query): SessionDoc[] {
    this.prepare(data, version);
    if (q.text !== this.matcherText) {
      this.matcherText = q.text;
      this.matcher = textMatcher(q.text);
    }
    const m = this.matcher;
    if (!q.text && !q.outcome) return this.sorted;
    return this.sorted.filter((s) => (!q.outcome || s.outcome === q.outcome) && m(s));
  }

  /** Rows render lazily, with the clock at render time (a redraw updates the "so far" times). */
  build(data: ClusterData, version: number, q: Query, expanded: Set<string>, now?: number): { rows: Row[]; shown: number } {
    const sessions = this.filtered(data, version, q);
    const numbered = this.groups(data, version);
    const keep = new Set<string>();
    for (const s of sessions) keep.add(s.id);
    const filtering = !!(q.text || q.outcome);
    let nameW = 6;
    for (const s of sessions) {
      const n = nameOf(s).length;
      if (n > nameW) nameW = n;
      if (nameW >= 20) break;
    }
    nameW = Math.min(nameW, 20);
    const rows: Row[] = [];
    const inGroup = new Set<string>();
    const groups = q.group !== null ? numbered.filter((ng) => ng.n === q.group) : numbered;
    const groupRows: Row[] = [];
    let mnHeading = false;
    for (const ng of groups) {
      const members = ng.g.sessions.filter((id) => keep.has(id));
      for (const id of ng.g.sessions) inGroup.add(id);
      if (filtering && !members.length && q.group === null) continue;
      const open = expanded.has(ng.key) || q.group !== null;
      // Shared means two nodes or more: a fault on the MN side that hit one node (or none yet)
      // is listed under a heading of its own (the groups come largest first).
      if (ng.g.sessions.length < 2 && !mnHeading) {
        mnHeading = true;
        if (groupRows.length) groupRows.push(textRow('blank:mn', []));
        groupRows.push(textRow('h:mnside', [span('MN-SIDE FAULTS', 'heading'), span('  one node or none yet · Enter expands')]));
      }
      groupRows.push({
        key: `g:${ng.key}`,
        render: () => groupLine(ng, members.length, open),
        selectable: true,
        target: { kind: 'group', key: ng.key },
        error: ng.g.sessions.length > 0,
      });
      if (!open) continue;
      const g = ng.g;
      if (g.remedy) groupRows.push(textRow(`gr:${ng.key}`, [span('      remedy   ', 'bold'), span(g.remedy)]));
      for (const [i, e] of g.evidence.slice(0, 3).entries()) {
        groupRows.push(
          textRow(`ge:${ng.key}:${i}`, [
            span(i ? '               ' : '      evidence ', 'bold'),
            span(`${clock(e.at)} ${e.source}  `, 'dim'),
            span(displayLine(e.line)),
          ]),
        );
      }
      const list = members.map((id) => data.sessions.get(id)).filter((s): s is SessionDoc => !!s);
      list.sort((a, b) => compareNames(nameOf(a), nameOf(b)));
      for (const s of list) {
        groupRows.push({
          key: `gs:${ng.key}:${s.id}`,
          render: (width) => sessionLine(s, { nameW, inGroup: true, now, width }),
          selectable: true,
          target: { kind: 'session', id: s.id },
          error: isFailing(s.outcome),
        });
      }
      const named = new Set(list.map((s) => s.node).filter(Boolean));
      const waiting = g.nodes.filter((n) => !named.has(n));
      if (waiting.length && !filtering) {
        const shown = waiting.slice(0, 30).join(' ') + (waiting.length > 30 ? ` … (+${waiting.length - 30} more)` : '');
        groupRows.push(textRow(`gw:${ng.key}`, [span('      no session yet: ', 'bold'), span(shown)]));
      }
    }
    if (groupRows.length) {
      if (groupRows[0]!.key !== 'h:mnside')
        rows.push(textRow('h:groups', [span('ROOT CAUSES SHARED BY SEVERAL NODES', 'heading'), span('  largest first · Enter expands')]));
      rows.push(...groupRows);
      rows.push(textRow('blank:1', []));
    }
    if (q.group === null) {
      const alone = sessions.filter((s) => !inGroup.has(s.id));
      rows.push(textRow('h:nodes', [span(groupRows.length ? 'NODES WITH NO SHARED CAUSE' : 'NODES', 'heading'), span(`  ${alone.length}`)]));
      for (const s of alone) {
        rows.push({
          key: `s:${s.id}`,
          render: (width) => sessionLine(s, { nameW, inGroup: false, now, width }),
          selectable: true,
          target: { kind: 'session', id: s.id },
          error: isFailing(s.outcome),
        });
      }
      if (!alone.length) rows.push(textRow('none', [span(data.sessions.size ? '  (none match)' : '  (no provisioning activity seen yet)')]));
      if (!filtering) {
        const unknown = unknownLines(data);
        if (unknown.length) rows.push(textRow('blank:2', []));
        unknown.forEach((line, i) => rows.push(textRow(`u:${i}`, line)));
      }
    }
    // Under :group N, what is shown is that group's nodes, not every session.
    const shown = q.group !== null ? groups.reduce((n, ng) => n + ng.g.sessions.filter((id) => keep.has(id)).length, 0) : sessions.length;
    return { rows, shown };
  }
}

/** Header lines of the cluster screen. */
export function clusterHeader(data: ClusterData, q: Query, shown: number): Line[] {
  const lines: Line[] = [countsLine(data.sessions.values(), data.sessions.size), healthLine(data.health, data.rate)];
  const desc = describeQuery(q);
  if (desc) lines.push([span(desc, 'bold'), span(`   ${shown} of ${plural(data.sessions.size, 'session')} shown · :all clears`)]);
  return lines;
}

/** `xtriage status`: the cluster screen as text, every group with its nodes listed. */
export function clusterText(data: ClusterData, now = Date.now()): Line[] {
  const out: Line[] = [countsLine(data.sessions.values(), data.sessions.size), healthLine(data.health, data.rate)];
  const numbered = numberGroups(data.groups);
  const inGroup = new Set<string>();
  if (numbered.some((ng) => ng.g.sessions.length >= 2)) out.push([], [span('ROOT CAUSES SHARED BY SEVERAL NODES', 'heading'), span('  largest first')]);
  let mnHeading = false;
  for (const ng of numbered) {
    const g = ng.g;
    if (g.sessions.length < 2 && !mnHeading) {
      mnHeading = true;
      out.push([], [span('MN-SIDE FAULTS', 'heading'), span('  one node or none yet')]);
    }
    out.push(groupLine(ng, g.sessions.length, true));
    const names = g.sessions
      .map((id) => data.sessions.get(id))
      .filter((s): s is SessionDoc => !!s)
      .map(nameOf)
      .sort(compareNames);
    for (const n of g.nodes) if (!names.includes(n)) names.push(n);
    for (const id of g.sessions) inGroup.add(id);
    if (names.length)
      out.push([span('      nodes    ', 'bold'), span(names.slice(0, 24).join(' ') + (names.length > 24 ? ` … (+${names.length - 24} more)` : ''))]);
    for (const [i, e] of g.evidence.slice(0, 2).entries())
      out.push([span(i ? '               ' : '      evidence ', 'bold'), span(`${clock(e.at)} ${e.source}  `, 'dim'), span(displayLine(e.line))]);
    if (g.remedy) out.push([span('      remedy   ', 'bold'), span(g.remedy)]);
  }
  const rows = new ClusterRows();
  const alone = rows.filtered(data, 0, { text: '', outcome: null, group: null }).filter((s) => !inGroup.has(s.id));
  let nameW = 6;
  for (const s of alone) nameW = Math.max(nameW, Math.min(20, nameOf(s).length));
  out.push([], [span(numbered.length ? 'NODES WITH NO SHARED CAUSE' : 'NODES', 'heading'), span(`  ${alone.length}`)]);
  for (const s of alone) out.push(sessionLine(s, { nameW, inGroup: false, now }));
  if (!data.sessions.size) out.push([span('  (no provisioning activity seen yet)')]);
  const unknown = unknownLines(data);
  if (unknown.length) out.push([], ...unknown);
  return out;
}

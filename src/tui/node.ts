// The node screen (and `xtriage show`, its text form): outcome, stage, MAC/IP/name; the root
// cause with its evidence lines (source and time) and remedy; the symptoms it explains,
// folded; stall and loop facts; other attempts of the same machine; and the timeline of
// milestones with the time each stage took, slow ones marked against the cluster median.

import type { Evidence } from '../types';
import type { SessionDoc } from '../contract';
import type { SessionDetail } from './store';
import { span, outcomeTone, wrapText, type Line } from './style';
import { NONE, textRow, type Row, type RowTarget } from './row';
import { clock, dateTime, displayLine, duration, isFailing, ms, nameOf, outcomeCell, outcomeWord, pad, plural } from './format';
import { stepsOf } from './timeline';
import { foldSymptoms } from '../view/symptoms';

export interface NodeInput {
  session: SessionDoc;
  /** The session with its timeline; null while it loads. */
  detail: SessionDetail | null;
  medians: Map<string, number>;
  /** Unfolded sections ('symptoms', 'unknown'); the text form opens everything. */
  open: Set<string> | 'all';
  /** Wrap width for long text (Infinity: no wrapping). */
  width: number;
  now: number;
}

const LABEL = 12;

export function nodeRows(input: NodeInput): Row[] {
  const { session: s, detail, width } = input;
  const rows: Row[] = [];
  const isOpen = (k: string): boolean => input.open === 'all' || input.open.has(k);
  const text = (key: string, line: Line): void => void rows.push(textRow(key, line));
  const blank = (key: string): void => text(key, []);
  const wrapped = (key: string, label: string, body: string, tone?: 'bold'): void => {
    const lines = wrapText(body, Math.max(20, width - LABEL - 2));
    lines.forEach((l, i) => text(`${key}:${i}`, [span(i ? ' '.repeat(LABEL) : pad(`  ${label}`, LABEL), 'bold'), span(l, tone)]));
  };
  const logTarget = (e: Evidence): RowTarget => {
    const idx = detail?.timeline.findIndex((t) => t.line === e.line && t.at === e.at) ?? -1;
    return idx >= 0 ? { kind: 'logline', index: idx } : { kind: 'logline', index: -1 };
  };
  const evidenceRows = (key: string, ev: Evidence[], indent: string, label = 'evidence'): void => {
    ev.forEach((e, i) => {
      rows.push({
        key: `${key}:${i}`,
        render: () => [span(i ? ' '.repeat(LABEL) : pad(`${indent}${label}`, LABEL), 'bold'), span(`${dateTime(e.at)}  ${e.source}`, 'dim')],
        selectable: true,
        target: logTarget(e),
      });
      rows.push({
        key: `${key}:${i}:line`,
        render: () => [span(' '.repeat(LABEL)), span(displayLine(e.line), 'match')],
        selectable: true,
        target: logTarget(e),
        error: true,
      });
    });
  };

  // Identity
  text('title', [
    span(outcomeWord(s.outcome), outcomeTone(s.outcome)),
    span('  '),
    span(nameOf(s), 'bold'),
    span(`   stage ${s.stage}`),
    span(s.attempts > 1 ? `   ${s.attempts} attempts` : ''),
  ]);
  text('ids', [span(`  name ${s.node ?? '(unknown)'}   mac ${s.mac ?? '(unknown)'}   ip ${s.ips.join(', ') || '(unknown)'}   session ${s.id}`)]);
  const end = s.endedAt ? ms(s.endedAt) : input.now;
  text('times', [
    span(
      `  started ${dateTime(s.startedAt)}   ${s.endedAt ? `ended ${dateTime(s.endedAt)}` : 'not ended'}   ${s.endedAt ? 'took' : 'open for'} ${duration((end - ms(s.startedAt)) / 1000)}`,
    ),
  ]);
  blank('b1');

  // Root cause first.
  if (s.rootCause) {
    const c = s.rootCause;
    text('rc:h', [span('ROOT CAUSE', 'heading'), span(`  [${c.pattern}]`, 'dim')]);
    wrapped('rc:title', 'cause', c.title, 'bold');
    if (c.evidence.length) evidenceRows('rc:ev', c.evidence, '  ');
    else text('rc:noev', [span(pad('  evidence', LABEL), 'bold'), span('(no line: the cause is what did not happen)')]);
    if (c.remedy) wrapped('rc:remedy', 'remedy', c.remedy);
    if (c.meaning) wrapped('rc:meaning', 'meaning', c.meaning);
  } else if (isFailing(s.outcome)) {
    text('rc:none', [span('ROOT CAUSE', 'heading'), span('  none found: see the log (Enter) for the last lines')]);
  } else if (s.outcome === 'running') {
    text('rc:running', [span('IN PROGRESS', 'heading'), span(`  last milestone ${s.stage}`)]);
  } else {
    text('rc:ok', [span('PROVISIONED', 'heading'), span('  no error on the way')]);
  }
  if (s.stall) {
    const st = s.stall;
    text('stall', [
      span(pad('  stalled', LABEL), 'stalled'),
      span(`after ${st.last ?? 'the start'}, waiting for ${st.next ?? 'the next step'} for ${duration(st.waitedS)} (normally under ${duration(st.normalS)})`),
    ]);
    if (st.open) evidenceRows('stall:ev', [st.open], '  ', 'last line');
  }
  if (s.loop) {
    text('loop', [span(pad('  looping', LABEL), 'looping'), span(`${s.loop.attempts} attempts; each broke after: ${s.loop.breaks.join(' → ')}`)]);
  }

  // Symptoms, folded: repeats of one symptom are one row with ×N, and the root cause's own
  // pattern is never listed again as a symptom of itself.
  const symptoms = foldSymptoms(s);
  if (symptoms.length) {
    blank('b2');
    const open = isOpen('symptoms');
    rows.push({
      key: 'fold:symptoms',
      render: () => [span(`${open ? '▾' : '▸'} SYMPTOMS`, 'heading'), span(` ${symptoms.length}`), span(open ? '' : '  (Enter shows them)')],
      selectable: true,
      target: { kind: 'fold', key: 'symptoms' },
    });
    if (open) {
      symptoms.forEach((y, i) => {
        text(`sy:${i}`, [
          span('  - '),
          span(y.title),
          span(y.n > 1 ? ` ×${y.n}` : '', 'bold'),
          span(y.explained ? '  (explained by the root cause)' : '  (not explained)', y.explained ? 'dim' : 'warn'),
          span(`  [${y.pattern}]`, 'dim'),
        ]);
        if (y.evidence.length) evidenceRows(`sy:${i}:ev`, y.evidence.slice(0, 2), '    ', 'line');
      });
    }
  }
  if (s.unknownErrors.length) {
    blank('b3');
    const open = isOpen('unknown');
    rows.push({
      key: 'fold:unknown',
      render: () => [
        span(`${open ? '▾' : '▸'} UNRECOGNISED ERROR LINES`, 'heading'),
        span(` ${s.unknownErrors.length}`),
        span(open ? '' : '  (Enter shows them)'),
      ],
      selectable: true,
      target: { kind: 'fold', key: 'unknown' },
    });
    if (open) s.unknownErrors.forEach((u, i) => evidenceRows(`un:${i}`, u.evidence.slice(0, 1), '  ', 'line'));
  }

  // Other attempts of the same machine.
  const others = detail?.otherAttempts ?? [];
  if (others.length) {
    blank('b4');
    text('oa:h', [span('OTHER ATTEMPTS', 'heading'), span(` ${others.length}  (Enter opens one)`)]);
    for (const o of others) {
      rows.push({
        key: `oa:${o.id}`,
        render: () => [
          span('  '),
          span(outcomeCell(o.outcome), outcomeTone(o.outcome)),
          span(` started ${dateTime(o.startedAt)}  stage ${pad(o.stage, 14)} `),
          span(o.rootCause ?? ''),
        ],
        selectable: true,
        target: { kind: 'session', id: o.id },
        error: isFailing(o.outcome),
      });
    }
  }

  // Timeline.
  blank('b5');
  text('tl:h', [span('TIMELINE', 'heading'), span('  time each stage took; SLOW = over twice the cluster median')]);
  const steps = stepsOf(s, input.medians);
  if (!steps.length) text('tl:none', [span('  (no milestone reached yet)')]);
  for (const [i, st] of steps.entries()) {
    const line: Line = [span(`  ${clock(st.at)}  `), span(pad(st.stage, 16), 'bold'), span(pad(st.tookS === null ? 'start' : duration(st.tookS), 8))];
    if (st.medianS !== null && st.tookS !== null) line.push(span(`  median ${duration(st.medianS)}`, 'dim'));
    if (st.slow) line.push(span('  SLOW', 'slow'), span(` (${(st.tookS! / Math.max(1, st.medianS!)).toFixed(1)}× the median)`));
    rows.push({ key: `tl:${i}`, render: () => line, selectable: true, target: NONE, error: st.slow });
  }
  if (!s.endedAt && steps.length && (s.outcome === 'running' || s.outcome === 'stalled')) {
    const last = steps[steps.length - 1]!;
    const waited = (input.now - ms(last.at)) / 1000;
    text('tl:wait', [
      span(`  ${' '.repeat(8)}  `),
      span(pad(s.stall?.next ? `… ${s.stall.next}` : '…', 16), 'dim'),
      span(`waiting ${duration(waited)}`, s.outcome === 'stalled' ? 'stalled' : undefined),
    ]);
  }
  if (!detail) {
    blank('b6');
    text('loading', [span('  loading the lines of this session…', 'dim')]);
  } else {
    blank('b6');
    text('loghint', [span(`  ${plural(detail.timeline.length, 'line')} kept for this session: Enter on a line above, or l, opens the log`, 'dim')]);
  }
  return rows;
}

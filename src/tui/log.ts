// The log screen: every kept line of one session, from every source (remote syslog, dhcpd,
// tftpd, httpd, xCAT's logs, consoles), merged by time. Lines a pattern matched are
// highlighted with what they mean; errors carry the word ERROR (not only a colour) and are
// the stops of `e`/`E`. Enter unfolds a long line.

import type { TimelineItem } from '../engine/engine';
import { span, wrapText, type Line, type Tone } from './style';
import { textRow, type Row } from './row';
import { clock, displayLine, pad } from './format';

export function isErrorItem(t: TimelineItem): boolean {
  return t.severity === 'error' || t.severity === 'critical' || t.pattern === null;
}

function severityCell(t: TimelineItem): { word: string; tone?: Tone } {
  if (t.pattern === null) return { word: 'ERROR?', tone: 'error' };
  if (t.severity === 'critical') return { word: 'CRIT', tone: 'error' };
  if (t.severity === 'error') return { word: 'ERROR', tone: 'error' };
  if (t.severity === 'warning') return { word: 'WARN', tone: 'warn' };
  if (t.stage) return { word: 'step' };
  return { word: 'info' };
}

export function logLine(t: TimelineItem, srcW: number): Line {
  const sev = severityCell(t);
  const src = t.source.length > srcW ? `${t.source.slice(0, srcW - 1)}…` : t.source;
  const line: Line = [
    span(`${clock(t.at)}  `),
    span(pad(src, srcW), 'dim'),
    span('  '),
    span(pad(sev.word, 6), sev.tone),
    span('  '),
    span(displayLine(t.line), t.pattern !== null || sev.tone ? 'match' : undefined),
  ];
  if (t.count > 1) line.push(span(`  (×${t.count}${t.lastAt ? ` until ${clock(t.lastAt)}` : ''})`, 'bold'));
  if (t.stage) line.push(span(`  ▸ ${t.stage}`, 'bold'));
  if (t.pattern) line.push(span(`  [${t.pattern}]`, 'dim'));
  return line;
}

export interface LogInput {
  timeline: TimelineItem[];
  /** `/` on this screen: only lines containing this text (case-insensitive). */
  filter: string;
  /** Indexes of unfolded lines. */
  open: Set<number>;
  width: number;
}

export function logRows(input: LogInput): Row[] {
  const { timeline, width } = input;
  let srcW = 6;
  // On a narrow terminal the source column gives room to the message.
  const maxSrc = width < 120 ? 10 : 22;
  for (const t of timeline) srcW = Math.max(srcW, Math.min(maxSrc, t.source.length));
  const needle = input.filter.trim().toLowerCase();
  const rows: Row[] = [];
  timeline.forEach((t, i) => {
    if (needle && !t.line.toLowerCase().includes(needle) && !(t.pattern ?? '').includes(needle) && !t.source.toLowerCase().includes(needle)) return;
    rows.push({ key: `l:${i}`, render: () => logLine(t, srcW), selectable: true, target: { kind: 'logline', index: i }, error: isErrorItem(t) });
    if (input.open.has(i)) {
      const indent = 10;
      // Unfolded: the raw line as received, header and all.
      const pieces = wrapText(t.line, Math.max(20, width - indent - 1));
      pieces.forEach((p, k) => rows.push(textRow(`l:${i}:w${k}`, [span(' '.repeat(indent)), span(p, 'bold')])));
      if (t.pattern)
        rows.push(
          textRow(`l:${i}:p`, [
            span(' '.repeat(indent)),
            span(`pattern ${t.pattern}, severity ${t.severity ?? '-'}${t.stage ? `, milestone ${t.stage}` : ''}`, 'dim'),
          ]),
        );
    }
  });
  if (!rows.length) rows.push(textRow('none', [span(timeline.length ? `  (no line contains "${input.filter}")` : '  (no lines kept for this session)')]));
  return rows;
}

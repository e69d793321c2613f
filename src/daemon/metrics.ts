// The daemon's figures in Prometheus' text exposition format (GET /v1/metrics): counters of
// what was received and parsed, gauges of the backlog, the sessions and their root causes.

import type { AnalysisDoc } from '../contract';

export interface MetricsInput {
  udpReceived: number;
  tcpReceived: number;
  kernelDrops: number;
  counters: { records: number; matched: number; unknown: number };
  backlog: number;
  /** Sessions by outcome. */
  sessions: Record<string, number>;
  doc: AnalysisDoc;
  unreadable: number;
  snapshotMs: number;
}

export function prometheusText(m: MetricsInput): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, rows: [string, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of rows) lines.push(`${name}${labels} ${v}`);
  };
  metric('xtriage_received_total', 'counter', 'Syslog messages received.', [
    ['{transport="udp"}', m.udpReceived],
    ['{transport="tcp"}', m.tcpReceived],
  ]);
  metric('xtriage_kernel_drops_total', 'counter', 'Datagrams the kernel dropped before xtriaged read them.', [['', m.kernelDrops]]);
  metric('xtriage_records_total', 'counter', 'Lines parsed by the engine.', [['', m.counters.records]]);
  metric('xtriage_matched_total', 'counter', 'Lines a pattern matched.', [['', m.counters.matched]]);
  metric('xtriage_unknown_errors_total', 'counter', 'Error-looking lines no pattern matched.', [['', m.counters.unknown]]);
  metric('xtriage_backlog', 'gauge', 'Lines waiting for the engine.', [['', m.backlog]]);
  const outcomes = ['running', 'succeeded', 'failed', 'stalled', 'looping'];
  metric(
    'xtriage_sessions',
    'gauge',
    'Provisioning sessions by outcome.',
    outcomes.map((o) => [`{outcome="${o}"}`, m.sessions[o] ?? 0]),
  );
  const causes = new Map<string, number>();
  for (const s of m.doc.sessions) if (s.rootCause) causes.set(s.rootCause.pattern, (causes.get(s.rootCause.pattern) ?? 0) + 1);
  metric(
    'xtriage_root_causes',
    'gauge',
    'Sessions by root-cause pattern.',
    [...causes].map(([p, n]) => [`{pattern="${p.replace(/["\\\n]/g, '_')}"}`, n]),
  );
  metric('xtriage_unreadable_paths', 'gauge', 'Files and directories of the logs tree that cannot be read.', [['', m.unreadable]]);
  metric('xtriage_snapshot_seconds', 'gauge', 'Time the last diagnosis took.', [['', m.snapshotMs / 1000]]);
  return `${lines.join('\n')}\n`;
}

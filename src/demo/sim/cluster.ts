// A generated xCAT cluster: a plan of nodes that provision (cleanly or failing in one of the ways
// the catalogue describes), the semantic events that produces on the management node in time
// order, ground truth per node and per cluster-wide cause, and renderers to a /var/log tree, to
// syslog datagrams, and to MN-side file lines. Deterministic from the seed.
//
//   const c = generateCluster({ nodes: 300, seed: 7, start: new Date('2026-11-24T10:00:00Z') });
//   const result = renderTree(c, '/tmp/tree/log');          // messages, xcat/*.log, httpd/*, consoles/*
//   for (const d of renderDatagrams(c)) send(d.from, d.datagram);
//   for (const l of renderMnLines(c)) append(l.file, l.line);

import type { ClusterEvent, LogFile, SyslogEvent } from './events';
import { makeCtx, type EmitCtx } from './ctx';
import { mnEvents } from './mn';
import { nodeChunks } from './node';
import { buildPlan, type ClusterPlan, type ClusterTruth, type GenerateOptions, type NodePlan } from './plan';
import { commandLines, formatDatagram, formatEvent, writeTree, type RenderResult } from './render';

export type { ClusterEvent, CommandEvent, ConsoleEvent, HttpErrorEvent, HttpEvent, LogFile, Origin, SyslogEvent, Wire } from './events';
export type { Outcome, Kind, FailureKind } from './kinds';
export { KINDS, FAILURE_KINDS, DEFAULT_MIX } from './kinds';
export type { ClusterTruth, GenerateOptions, GroupTruth, NodePlan, NodeTruth, RootCauseTruth, ScenarioNode, ScenarioSpec, ProfileId } from './plan';
export type { RenderResult, RenderedCause } from './render';
export { formatDatagram, formatEvent } from './render';

export interface GeneratedCluster {
  options: GenerateOptions;
  plan: ClusterPlan;
  nodes: readonly NodePlan[];
  truth: ClusterTruth;
  start: Date;
  /** The reference time: the last line of the whole cluster. */
  end: Date;
  /** Every event in time order (a fresh, lazy pass each call). */
  events(): Generator<ClusterEvent>;
  /** Counters of the last events() pass (events clamped to keep per-node order; should stay 0). */
  stats: { reordered: number };
}

export function generateCluster(options: GenerateOptions): GeneratedCluster {
  const plan = buildPlan(options);
  const cluster: GeneratedCluster = {
    options,
    plan,
    nodes: plan.nodes,
    truth: plan.truth,
    start: new Date(plan.start),
    end: new Date(plan.endAt),
    stats: { reordered: 0 },
    events(): Generator<ClusterEvent> {
      const ctx = makeCtx(plan);
      cluster.stats = ctx.stats;
      return merge(ctx);
    },
  };
  return cluster;
}

interface HeapItem {
  chunk: ClusterEvent[];
  i: number;
  at: number;
  it: Iterator<ClusterEvent[]>;
  order: number;
}

function less(a: HeapItem, b: HeapItem): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

/** k-way merge of the MN stream and every node's stream (sorted chunks) by time; ties: MN first, then node order. */
function* merge(ctx: EmitCtx): Generator<ClusterEvent> {
  const heap: HeapItem[] = [];
  const push = (item: HeapItem) => {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i] as HeapItem, heap[p] as HeapItem)) break;
      [heap[i], heap[p]] = [heap[p] as HeapItem, heap[i] as HeapItem];
      i = p;
    }
  };
  const siftDown = () => {
    let i = 0;
    const n = heap.length;
    const item = heap[0] as HeapItem;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(heap[r] as HeapItem, heap[l] as HeapItem) ? r : l;
      if (!less(heap[c] as HeapItem, item)) break;
      heap[i] = heap[c] as HeapItem;
      i = c;
    }
    heap[i] = item;
  };
  const nextChunk = (it: Iterator<ClusterEvent[]>): ClusterEvent[] | null => {
    for (;;) {
      const r = it.next();
      if (r.done) return null;
      if (r.value.length) return r.value;
    }
  };
  const add = (it: Iterator<ClusterEvent[]>, order: number) => {
    const chunk = nextChunk(it);
    if (chunk) push({ chunk, i: 0, at: (chunk[0] as ClusterEvent).at, it, order });
  };
  add([mnEvents(ctx)][Symbol.iterator](), 0);
  ctx.plan.nodes.forEach((node, i) => add(nodeChunks(ctx, node), i + 1));
  while (heap.length) {
    const top = heap[0] as HeapItem;
    yield top.chunk[top.i] as ClusterEvent;
    top.i++;
    if (top.i >= top.chunk.length) {
      const chunk = nextChunk(top.it);
      if (!chunk) {
        const lastItem = heap.pop() as HeapItem;
        if (heap.length) {
          heap[0] = lastItem;
          siftDown();
        }
        continue;
      }
      top.chunk = chunk;
      top.i = 0;
    }
    top.at = (top.chunk[top.i] as ClusterEvent).at;
    siftDown();
  }
}

/** Writes a /var/log-shaped tree (messages, xcat/cluster.log, xcat/computes.log, xcat/commands.log, httpd/access_log, httpd/error_log, consoles/*). */
export function renderTree(cluster: GeneratedCluster, dir: string): RenderResult {
  return writeTree(cluster.events(), dir);
}

export interface Datagram {
  /** MN receive time, epoch ms. */
  at: number;
  /** Sender IP. */
  from: string;
  /** The datagram as sent (RFC 5424, or RFC 3164 with or without hostname; RHEL 7 adds a trailing NUL). */
  datagram: string;
}

/** Every node-originated syslog line as the datagram the MN's syslog daemon received. */
export function* renderDatagrams(cluster: GeneratedCluster): Generator<Datagram> {
  for (const ev of cluster.events()) {
    if (ev.type !== 'syslog' || ev.origin !== 'node' || !ev.wire) continue;
    yield { at: ev.at, from: ev.wire.ip, datagram: formatDatagram(ev as SyslogEvent) };
  }
}

export interface MnLine {
  at: number;
  file: LogFile;
  line: string;
}

/**
 * Lines of the MN-side files in time order. By default only what the MN itself writes (messages,
 * MN lines of cluster.log, commands.log, access_log, error_log, consoles): pair it with
 * renderDatagrams() to replay a cluster into a live receiver. `includeRemote` adds what rsyslog
 * writes for remote lines (computes.log, node lines in cluster.log), as in a real tree.
 */
export function* renderMnLines(cluster: GeneratedCluster, opts: { includeRemote?: boolean } = {}): Generator<MnLine> {
  for (const ev of cluster.events()) {
    if (ev.origin === 'node' && ev.type === 'syslog' && !opts.includeRemote) continue;
    for (const file of ev.files) {
      if (ev.type === 'command') {
        for (const line of commandLines(ev)) yield { at: ev.at, file, line };
      } else {
        yield { at: ev.at, file, line: formatEvent(ev, file) };
      }
    }
  }
}

/** The truth with the root-cause lines as rendered (time, file, exact line), after renderTree. */
export function truthWithLines(cluster: GeneratedCluster, result: RenderResult): ClusterTruth & { rendered: Pick<RenderResult, 'causes' | 'groups'> } {
  return { ...cluster.truth, rendered: { causes: result.causes, groups: result.groups } };
}

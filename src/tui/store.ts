// The TUI's data: every session and group from the daemon, kept current by /v1/events, the
// reception health polled from /v1/health, and session details (timeline, other attempts)
// fetched on demand. Survives the daemon going away: it says why, retries, and reloads
// everything when the daemon is back (events missed meanwhile are not lost).

import { EventEmitter } from 'node:events';
import { ApiError, followEvents, getJson, type SseEvent } from '../api/client';
import type { AnalysisDoc, GroupDoc, SessionDoc } from '../contract';
import type { TimelineItem } from '../engine/engine';

export interface Health {
  received?: number;
  parsed?: number;
  kernelDrops?: { drops: number; source: string };
  lagMs?: number;
  backlog?: number;
  backlogDropped?: number;
  replaying?: boolean;
  uptimeS?: number;
  /** Files and directories of the logs tree the daemon cannot read. */
  unreadable?: { count: number; paths?: { path: string; reason: string }[] };
}

export interface OtherAttempt {
  id: string;
  outcome: string;
  stage: string;
  startedAt: string;
  endedAt: string | null;
  rootCause: string | null;
}

export interface SessionDetail extends SessionDoc {
  timeline: TimelineItem[];
  otherAttempts: OtherAttempt[];
}

export interface DetailState {
  doc: SessionDetail | null;
  loading: boolean;
  error: string | null;
  /** The session is gone from the daemon (superseded or expired). */
  gone: boolean;
}

interface DetailEntry extends DetailState {
  stale: boolean;
  inflight: boolean;
}

export interface StoreOptions {
  /** How often to poll /v1/health while connected (ms). */
  healthMs?: number;
  /** Changes are announced at most this often (ms). */
  coalesceMs?: number;
}

/** What changed since the last 'change' event. */
export interface Changed {
  /** Everything was reloaded. */
  all: boolean;
  /** Sessions added, changed or removed (or whose details arrived). */
  ids: Set<string>;
  groups: boolean;
  /** Health or connection state only: the header, not the lists. */
  status: boolean;
}

type Change = 'all' | 'groups' | 'status' | { id: string } | { detail: string };

const emptyChange = (): Changed => ({ all: false, ids: new Set(), groups: false, status: false });

export class Store extends EventEmitter {
  readonly sessions = new Map<string, SessionDoc>();
  groups: GroupDoc[] = [];
  unknownErrors: AnalysisDoc['unknownErrors'] = [];
  health: Health | null = null;
  /** Messages per second received by the daemon (from successive health samples). */
  rate: number | null = null;
  connected = false;
  loaded = false;
  problem: ApiError | null = null;
  /** Bumped on every change: views cache derived data against it. */
  version = 0;
  private stopEvents: (() => void) | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private pending: Changed = emptyChange();
  private loading = false;
  private buffered: SseEvent[] = [];
  private lastHealth: { at: number; received: number } | null = null;
  private readonly details = new Map<string, DetailEntry>();
  private stopped = false;
  private readonly healthMs: number;
  private readonly coalesceMs: number;

  constructor(
    readonly socket: string,
    opts: StoreOptions = {},
  ) {
    super();
    this.healthMs = opts.healthMs ?? 2000;
    this.coalesceMs = opts.coalesceMs ?? 80;
  }

  start(): void {
    this.stopEvents = followEvents(
      this.socket,
      (e) => this.onEvent(e),
      (connected, err) => this.onState(connected, err),
    );
    this.healthTimer = setInterval(() => void this.pollHealth(), this.healthMs);
  }

  stop(): void {
    this.stopped = true;
    this.stopEvents?.();
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.removeAllListeners();
  }

  /** `r`: reload everything from the daemon (and drop cached details). */
  refresh(): void {
    for (const d of this.details.values()) d.stale = true;
    void this.loadAll();
    void this.pollHealth();
  }

  private onState(connected: boolean, err?: ApiError): void {
    if (this.stopped) return;
    const was = this.connected;
    this.connected = connected;
    if (connected) {
      this.problem = null;
      void this.loadAll();
      void this.pollHealth();
    } else {
      this.problem = err ?? new ApiError('lost the connection to xtriaged', 'down');
      this.lastHealth = null;
      this.rate = null;
      this.changed(was ? 'all' : 'status');
    }
  }

  private async loadAll(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    this.buffered = [];
    try {
      const doc = await getJson<AnalysisDoc>(this.socket, '/v1/sessions', 60_000);
      if (this.stopped) return;
      this.sessions.clear();
      for (const s of doc.sessions) this.sessions.set(s.id, s);
      this.groups = doc.groups ?? [];
      this.unknownErrors = doc.unknownErrors ?? [];
      this.loaded = true;
      for (const d of this.details.values()) d.stale = true;
      this.loading = false;
      // Events that arrived while the document was on its way are newer: apply them on top.
      const late = this.buffered;
      this.buffered = [];
      for (const e of late) this.apply(e);
      this.changed('all');
      this.flushNow();
    } catch (e) {
      this.loading = false;
      if (this.stopped) return;
      this.problem = e instanceof ApiError ? e : new ApiError((e as Error).message, 'bad');
      this.changed('status');
    }
  }

  private onEvent(e: SseEvent): void {
    if (this.stopped) return;
    if (this.loading) {
      this.buffered.push(e);
      return;
    }
    this.apply(e);
  }

  private apply(e: SseEvent): void {
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    if (e.event === 'session') {
      const s = data as SessionDoc;
      if (!s || typeof s.id !== 'string') return;
      this.sessions.set(s.id, s);
      const d = this.details.get(s.id);
      if (d) d.stale = true;
      this.changed({ id: s.id });
    } else if (e.event === 'removed') {
      const id = (data as { id?: string }).id;
      if (typeof id !== 'string') return;
      this.sessions.delete(id);
      const d = this.details.get(id);
      if (d) d.stale = true;
      this.changed({ id });
    } else if (e.event === 'groups') {
      if (Array.isArray(data)) this.groups = data as GroupDoc[];
      this.changed('groups');
    } else if (e.event === 'health') {
      this.takeHealth(data as Health);
      this.changed('status');
    }
  }

  private async pollHealth(): Promise<void> {
    if (!this.connected || this.stopped) return;
    try {
      const h = await getJson<Health>(this.socket, '/v1/health', 5000);
      if (this.stopped) return;
      this.takeHealth(h);
      this.changed('status');
    } catch {
      /* the event stream reports the connection state */
    }
  }

  private takeHealth(h: Health): void {
    this.health = h;
    const now = Date.now();
    if (typeof h.received === 'number') {
      if (this.lastHealth && now > this.lastHealth.at && h.received >= this.lastHealth.received) {
        this.rate = ((h.received - this.lastHealth.received) * 1000) / (now - this.lastHealth.at);
      }
      this.lastHealth = { at: now, received: h.received };
    }
  }

  private changed(c: Change): void {
    const p = this.pending;
    // `version` is what derived data (sorted lists, medians) is cached against: data only.
    if (c === 'all') {
      p.all = true;
      this.version++;
    } else if (c === 'groups') {
      p.groups = true;
      this.version++;
    } else if (c === 'status') p.status = true;
    else if ('id' in c) {
      p.ids.add(c.id);
      this.version++;
    } else p.ids.add(c.detail);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flushNow(), this.coalesceMs);
  }

  private flushNow(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const p = this.pending;
    this.pending = emptyChange();
    if (!this.stopped) this.emit('change', p);
  }

  /** A session with its timeline: cached, refetched when the session changed. */
  detail(id: string): DetailState {
    let d = this.details.get(id);
    if (!d) {
      d = { doc: null, loading: false, error: null, gone: false, stale: true, inflight: false };
      this.details.set(id, d);
      if (this.details.size > 50) {
        const oldest = this.details.keys().next().value as string;
        if (oldest !== id) this.details.delete(oldest);
      }
    }
    if (d.stale && !d.inflight && this.connected) void this.fetchDetail(id, d);
    return d;
  }

  private async fetchDetail(id: string, d: DetailEntry): Promise<void> {
    d.inflight = true;
    d.loading = true;
    d.stale = false;
    try {
      d.doc = await getJson<SessionDetail>(this.socket, `/v1/sessions/${encodeURIComponent(id)}`, 30_000);
      d.error = null;
      d.gone = false;
    } catch (e) {
      const err = e as ApiError;
      if (err.kind === 'http' && / 404 /.test(err.message)) {
        d.gone = true;
        d.error = null;
      } else d.error = err.message;
    } finally {
      d.inflight = false;
      d.loading = false;
    }
    if (!this.stopped) this.changed({ detail: id });
  }

  /** The latest session of the same machine as `id` (when `id` was superseded). */
  successorOf(old: SessionDoc | null): SessionDoc | null {
    if (!old) return null;
    let best: SessionDoc | null = null;
    for (const s of this.sessions.values()) {
      const same = (old.mac && s.mac === old.mac) || (!old.mac && old.node && s.node === old.node);
      if (same && (!best || s.startedAt > best.startedAt)) best = s;
    }
    return best;
  }
}

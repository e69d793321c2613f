// xtriaged: the same engine as offline analysis, fed live. Received messages go to the capture
// spool first (so nothing that arrived is lost), then through a bounded backlog into the
// engine in small slices (so the event loop keeps reading sockets); tailed MN files likewise.
// A restart replays the spools; the last diagnosis (NeDB) is served meanwhile.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../engine/engine';
import { diagnose } from '../diagnose/diagnose';
import { LineReader } from '../records/line-reader';
import { classify } from '../sources/mn-files';
import { type ReceivedMessage, readRmemMax } from '../sources/syslog-receiver';
import { Reception } from '../sources/reception';
import type { BatchReader } from '../sources/batch';
import { DAEMON_NODE_FLAGS } from '../util/thread-priority';
import { Tailer, type TailLine, type ResumePos } from '../sources/tailer';
import { unreadableLogs } from '../sources/access-check';
import { Spool, replaySpool, type SpoolBoundary, type DamagedLine } from '../sources/spool';
import { StateDb } from '../store/state-db';
import { ApiServer } from '../api/server';
import { loadKb } from '../patterns/kb';
import { readIdentityFile } from '../sources/identity-files';
import type { DaemonConfig } from '../config';
import type { AnalysisDoc } from '../contract';
import { Backlog } from './backlog';
import { Hooks } from './hooks';
import { prometheusText } from './metrics';
import { AnalysisPriority } from './priority';
import { Freezer } from './freezer';
import { Publisher } from './publisher';

/** How often the logs tree is checked for what cannot be read. */
const ACCESS_CHECK_MS = 3000;
/**
 * TCP senders are paused (their kernel buffers fill, they wait) above this backlog, resumed below
 * the low mark: a burst of a million lines (~140 MB waiting) is taken at the sockets' speed, a
 * longer flood at the analysis' speed (as rsyslog's imtcp waits on a full queue). Half of
 * MAX_BACKLOG: the rest is room for UDP, which cannot be paused. At 200,000 every burst was read
 * at the analysis' speed (150k-210k/s against 250k-400k/s for the sockets).
 */
const TCP_PAUSE_AT = 1_000_000;
const TCP_RESUME_AT = 500_000;
const SNAPSHOT_MS = 50;
/**
 * Time one snapshot may spend rebuilding machines; urgent ones (an error, an end) go first, the
 * rest wait for the next snapshots. Keeps a failure's diagnosis fast when thousands of machines
 * send lines at once.
 */
const SNAPSHOT_BUDGET_MS = 25;
/** Backlog above which reading comes first: diagnosis then runs at most a quarter of the time, else half. */
const BEHIND = 20_000;
const CLOCK_MS = 5000;
/** How often freezing runs (see freezer.ts). */
const FREEZE_EVERY_MS = 500;

export class DaemonStartError extends Error {}

export class Daemon {
  private engine!: Engine;
  private receiver: Reception | null = null;
  private spoolEnd: SpoolBoundary | null = null;
  private tailer: Tailer | null = null;
  private mnSpool!: Spool;
  private db!: StateDb;
  private api!: ApiServer;
  private readonly backlog = new Backlog({
    remote: (m) => this.feedRemote(m),
    mn: (l) => this.feedMn(l),
    error: (e) => {
      this.feedErrors++;
      if (this.feedErrors <= 10 || this.feedErrors % 1000 === 0)
        this.log(`internal error on a line, skipped (${this.feedErrors} so far): ${(e as Error).stack ?? String(e)}`);
    },
    sliced: (waiting) => {
      if (waiting < TCP_RESUME_AT) this.receiver?.resume();
    },
    drained: () => {
      if (this.priority.flooded) this.priority.setFlooded(false);
    },
  });
  /** Lines the engine threw on (a bug): skipped, counted, the first ones logged. */
  private feedErrors = 0;
  private readonly readers = new Map<string, LineReader>();
  /** MN file → inode → where reading resumes after its last spooled line from that inode (JSON of TailLine.pos). */
  private readonly spooledPos = new Map<string, Map<string, string>>();
  private readonly remoteReader = new LineReader('remote', 'remote', Date.now());
  private doc: AnalysisDoc = { sessions: [], groups: [], unknownErrors: [] };
  private publisher!: Publisher;
  private dirty = true;
  private oldestDirty = 0;
  private lastSnapshot = 0;
  private lastSnapshotMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  /** Paths in the logs tree that cannot be read (path → why), checked at start and every ACCESS_CHECK_MS. */
  private unreadable = new Map<string, string>();
  private accessTimer: NodeJS.Timeout | null = null;
  private freezeTimer: NodeJS.Timeout | null = null;
  private readonly freezer = new Freezer(
    () => this.engine,
    (l) => this.log(l),
  );
  private replaying = true;
  private readonly startedAt = Date.now();
  private kbProblems: string[] = [];
  private stopping = false;
  private readonly hooks: Hooks;
  private readonly priority: AnalysisPriority;

  private constructor(
    readonly cfg: DaemonConfig,
    private readonly log: (line: string) => void,
  ) {
    this.hooks = new Hooks(cfg.hooks, log);
    this.priority = new AnalysisPriority(cfg, () => this.receiver?.tid ?? null, log);
  }

  static async start(cfg: DaemonConfig, log: (line: string) => void): Promise<Daemon> {
    const d = new Daemon(cfg, log);
    await d.init();
    return d;
  }

  private async init(): Promise<void> {
    const { cfg } = this;
    try {
      fs.mkdirSync(cfg.state, { recursive: true, mode: 0o750 });
      fs.accessSync(cfg.state, fs.constants.W_OK);
      // Captured node lines are never world-readable: a state directory left 0755 by an
      // earlier run (or made by hand) loses its world bits.
      const st = fs.statSync(cfg.state);
      if (st.mode & 0o007 && st.uid === process.getuid?.()) fs.chmodSync(cfg.state, st.mode & 0o7770);
    } catch (e) {
      throw new DaemonStartError(`state directory ${cfg.state} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (cfg.logs !== null) {
      let st: fs.Stats | null = null;
      try {
        st = fs.statSync(cfg.logs);
      } catch {
        /* below */
      }
      if (!st?.isDirectory()) throw new DaemonStartError(`logs directory ${cfg.logs} does not exist or is not a directory`);
    }
    fs.mkdirSync(path.dirname(cfg.socket), { recursive: true, mode: 0o750 });
    const kb = loadKb(cfg.patterns);
    this.kbProblems = kb.problems;
    for (const p of kb.problems) this.log(`pattern problem: ${p}`);
    this.engine = new Engine(kb, diagnose);
    this.engine.stallScale = cfg.stallScale;
    this.loadIdentityFiles();
    this.db = await StateDb.open(path.join(cfg.state, 'db'), this.log);
    // Serve the last known diagnosis while the spool replays.
    const saved = await this.db.loadSessions();
    this.doc = { sessions: saved, groups: [], unknownErrors: [] };
    this.api = new ApiServer(
      {
        sessions: () => this.doc,
        session: (id) => this.sessionWithTimeline(id),
        health: () => this.health(),
        metrics: () => this.metrics(),
      },
      { socket: cfg.socket, mode: cfg.socketMode, group: cfg.socketGroup },
    );
    await this.api.start();
    this.publisher = new Publisher(this.api, this.db, (s) => this.hooks.run(s), this.log);
    this.publisher.seed(saved);
    const spoolSizes = { maxFileBytes: cfg.spoolMaxFileBytes, maxTotalBytes: cfg.spoolMaxTotalBytes, maxFiles: cfg.spoolMaxFiles };
    // Its notices start "spool: …" like the capture spool's: say which spool.
    this.mnSpool = await Spool.open({ dir: path.join(cfg.state, 'mnlog'), ...spoolSizes, onNotice: (l: string) => this.log(`mnlog ${l}`) });
    // Bind the sockets before replaying, so nothing sent meanwhile is lost: it waits in the backlog.
    // Sockets and capture spool live in their own thread (sources/reception-worker.ts).
    try {
      const { reception, boundary } = await Reception.start({
        receiver: {
          udp: cfg.udp,
          tcp: cfg.tcp,
          trustedRelays: cfg.trustedRelays,
          recvBufferSize: cfg.recvBufferBytes,
          idleTimeoutMs: cfg.tcpIdleTimeoutS * 1000,
          maxConnections: cfg.tcpMaxConnections,
          maxConnectionsPerSource: cfg.tcpMaxConnectionsPerSource,
        },
        spool: { dir: path.join(cfg.state, 'spool'), ...spoolSizes },
        onBatch: (r) => this.onMessages(r),
        onNotice: (l) => this.log(l.startsWith('spool:') ? l : `receiver: ${l}`),
      });
      this.receiver = reception;
      this.spoolEnd = boundary;
      this.priority.lower();
      // V8's helper threads serve the reception thread too, and are lowered with the analysis.
      const missing = DAEMON_NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
      if (this.priority.tid() !== null && missing.length) {
        this.log(
          `note: node was started without ${missing.join(' ')} (the unit passes it): in a flood the reception thread's garbage collections can wait for V8 helper threads running at the analysis priority, and datagrams be lost`,
        );
      }
    } catch (e) {
      await this.api.close();
      await this.mnSpool.close();
      throw new DaemonStartError((e as Error).message);
    }
    for (const l of this.receiver.listeners()) {
      const buf =
        l.transport === 'udp'
          ? ` receive buffer asked ${l.recvBufferRequested} granted ${l.recvBufferGranted}${l.rmemMax !== undefined ? ` (net.core.rmem_max ${l.rmemMax})` : ''}`
          : '';
      this.log(`listening ${l.transport} ${l.address}:${l.port}${buf}`);
    }
    await this.replay();
    if (cfg.logs !== null) {
      const stateFile = path.join(cfg.state, 'tail-positions.json');
      this.tailer = await Tailer.start({
        dir: cfg.logs,
        stateFile,
        resume: this.resumePositions(),
        onLine: (l) => this.onTailLine(l),
        onNotice: (l) => this.log(`tailer: ${l}`),
      });
      this.log(`tailing ${cfg.logs}`);
      // What cannot be read is said at start and whenever that changes, and counted in /v1/health.
      this.checkAccess(cfg.logs);
      const logs = cfg.logs;
      this.accessTimer = setInterval(() => this.checkAccess(logs), ACCESS_CHECK_MS);
      this.accessTimer.unref();
    }
    this.timer = setInterval(() => this.tick(), SNAPSHOT_MS);
    // Memory: a machine done with its install keeps its lines compressed until it sends again
    // (frozen-machine.ts). Little of it while catching up: reading comes first.
    this.freezeTimer = setInterval(() => this.freezeQuiet(), FREEZE_EVERY_MS);
    this.freezeTimer.unref();
    // Event clients (the TUI header) get reception health without polling.
    this.healthTimer = setInterval(() => {
      this.api.publishHealth(this.health());
      // Threads started since (libuv's pool grows on demand, a restarted reception thread).
      this.priority.lower();
    }, 2000);
    this.healthTimer.unref();
    this.log(`ready: socket ${cfg.socket}, state ${cfg.state}`);
  }

  /** Forget old line copies, freeze machines gone quiet; once a wave of them is over and the daemon is idle, compact the heap. */
  private freezeQuiet(): void {
    if (this.replaying || this.stopping) return;
    this.freezer.tick(this.backlog.count, BEHIND);
  }

  private async replay(): Promise<void> {
    const t0 = Date.now();
    let n = 0;
    const replayOpts = {
      onDamaged: (d: DamagedLine) => this.log(`spool: damaged line ${d.file}:${d.line}: ${d.reason}`),
      onNotice: (l: string) => this.log(l),
    };
    for await (const r of replaySpool(this.spoolEnd!, replayOpts)) {
      this.feedRemote({ at: r.at, from: r.from, msg: r.msg, transport: 'udp' });
      if (++n % 50_000 === 0) await new Promise((res) => setImmediate(res));
    }
    for await (const r of this.mnSpool.replay({ onDamaged: (d) => this.log(`mnlog: damaged line ${d.file}:${d.line}: ${d.reason}`) })) {
      this.feedMn({ file: r.from, line: r.msg, mtime: r.at });
      if (r.resume) this.noteSpooledPos(r.from, r.resume);
      if (++n % 50_000 === 0) await new Promise((res) => setImmediate(res));
    }
    this.replaying = false;
    if (n) this.log(`replayed ${n} spooled lines in ${Date.now() - t0} ms`);
    this.backlog.open = true;
    this.backlog.schedule();
  }

  /** The last spooled position of each inode of each file (a rotation spreads a file's lines over several). */
  private noteSpooledPos(file: string, resume: string): void {
    const ino = /"ino":(\d+)/.exec(resume)?.[1];
    if (ino === undefined) return;
    let m = this.spooledPos.get(file);
    if (!m) this.spooledPos.set(file, (m = new Map()));
    m.delete(ino); // kept in order of each inode's last line
    m.set(ino, resume);
  }

  /**
   * The MN-line spool is what the engine has seen: the tailer resumes each inode of each file
   * right after its last spooled line (its own positions may be up to a save behind or ahead);
   * inodes the spool does not name keep the tailer's positions.
   */
  private resumePositions(): Record<string, ResumePos[]> {
    const out: Record<string, ResumePos[]> = {};
    for (const [file, byIno] of this.spooledPos) {
      const list: ResumePos[] = [];
      for (const json of byIno.values()) {
        try {
          list.push(JSON.parse(json) as ResumePos);
        } catch {
          /* a damaged position: the tailer's own one stays */
        }
      }
      if (list.length) out[file] = list;
    }
    return out;
  }

  /** A batch from the reception thread, already in the capture spool. */
  private onMessages(r: BatchReader): void {
    if (r.size === 0) return; // the reception thread posts none, but the backlog must never take from an empty batch
    this.backlog.push({ kind: 'remote', r }, r.size);
    const backlog = this.backlog.count;
    if (backlog > TCP_PAUSE_AT) this.receiver?.pause();
    if (backlog > BEHIND && !this.priority.flooded) this.priority.setFlooded(true);
  }

  private onTailLine(l: TailLine): void {
    this.mnSpool.append({ at: l.mtime, from: l.file, msg: l.line, ...(l.pos ? { resume: JSON.stringify(l.pos) } : {}) });
    this.backlog.push({ kind: 'mn', l });
  }

  private markDirty(): void {
    if (!this.dirty) this.oldestDirty = Date.now();
    this.dirty = true;
  }

  private feedRemote(m: ReceivedMessage): void {
    const rec = this.remoteReader.read(m.msg, m.at, m.from);
    if (rec) {
      this.engine.feed(rec);
      this.markDirty();
    }
  }

  private feedMn(l: TailLine): void {
    let reader = this.readers.get(l.file);
    if (!reader) {
      const f = classify(l.file);
      if (!f) return;
      reader = new LineReader(f.kind, l.file, l.mtime, f.node);
      this.readers.set(l.file, reader);
    }
    const rec = reader.read(l.line);
    if (rec) {
      this.engine.feed(rec);
      this.markDirty();
    }
  }

  private tick(): void {
    if (this.replaying || this.stopping) return;
    const now = Date.now();
    if (!this.dirty && now - this.lastSnapshot < CLOCK_MS) return;
    // A diagnosis blocks the event loop while it runs: run it at most half the time, a quarter
    // when the engine is behind, so the lines keep being read.
    const behind = this.backlog.count > BEHIND;
    if (now - this.lastSnapshot < (behind ? 4 : 2) * this.lastSnapshotMs) return;
    this.snapshotNow(now);
  }

  /** Recompute the diagnosis and push what changed to event clients, the store and hooks. */
  snapshotNow(now = Date.now()): void {
    const t0 = Date.now();
    this.dirty = false;
    this.doc = this.engine.snapshot(now, SNAPSHOT_BUDGET_MS);
    // Machines left for later keep the daemon dirty; lagMs counts from the oldest one's first line.
    const pendingAt = this.engine.oldestPendingAt;
    if (pendingAt !== null) {
      this.dirty = true;
      this.oldestDirty = pendingAt;
    }
    this.lastSnapshot = now;
    this.publisher.publish(this.doc, this.engine.touched);
    // Counted to the end: the change detection above is part of what blocks the event loop.
    this.lastSnapshotMs = Date.now() - t0;
  }

  private sessionWithTimeline(id: string): Record<string, unknown> | null {
    const s = this.doc.sessions.find((x) => x.id === id);
    if (!s) return null;
    const others = this.doc.sessions
      .filter((x) => x.id !== id && ((s.mac && x.mac === s.mac) || (!s.mac && s.node && x.node === s.node)))
      .map((x) => ({ id: x.id, outcome: x.outcome, stage: x.stage, startedAt: x.startedAt, endedAt: x.endedAt, rootCause: x.rootCause?.title ?? null }));
    return { ...s, timeline: this.engine.timelineOf(id) ?? [], otherAttempts: others };
  }

  private checkAccess(logs: string): void {
    let now: Map<string, string>;
    try {
      now = unreadableLogs(logs);
    } catch (e) {
      now = new Map([[logs, (e as Error).message]]);
    }
    for (const [p, why] of now) {
      if (this.unreadable.get(p) !== why)
        this.log(`cannot read ${p}: ${why}; its lines are not read (run as a user who can read it; the unit gives CAP_DAC_READ_SEARCH)`);
    }
    for (const p of this.unreadable.keys()) if (!now.has(p)) this.log(`${p} can be read again`);
    this.unreadable = now;
  }

  health(): Record<string, unknown> {
    const r = this.receiver?.stats();
    const pendingLag = this.dirty ? Date.now() - this.oldestDirty : 0;
    const counts: Record<string, number> = {};
    for (const s of this.doc.sessions) counts[s.outcome] = (counts[s.outcome] ?? 0) + 1;
    return {
      version: 1,
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
      replaying: this.replaying,
      received: r ? r.udpReceived + r.tcpReceived : 0,
      receiver: r ?? null,
      /** Times the reception thread died and was started again. */
      receptionRestarts: this.receiver?.restarts ?? 0,
      listeners: this.receiver?.listeners() ?? [],
      rmemMax: readRmemMax(),
      kernelDrops: this.lastKernelDrops,
      parsed: this.engine.counters.records,
      engine: { ...this.engine.counters, ...this.engine.stats },
      backlog: this.backlog.count,
      backlogDropped: this.backlog.dropped,
      feedErrors: this.feedErrors,
      lagMs: pendingLag,
      /** Machines with new lines not yet diagnosed (a snapshot rebuilds what fits in its time budget). */
      pendingMachines: this.engine.pendingMachines,
      snapshotMs: this.lastSnapshotMs,
      /** Nice value of the analysis thread (the reception thread keeps the process's own). */
      analysisNice: this.priority.nice,
      /** The analysis is far behind (a flood): its threads run at floodNice until it caught up. */
      flooded: this.priority.flooded,
      /** Full compacting collections run after machines froze (heap-compact.ts). */
      heapCompactions: this.freezer.compactions,
      /** The "now" the current diagnosis was made at (stall clocks), for comparing with `analyze --now`. */
      snapshotAt: this.lastSnapshot ? new Date(this.lastSnapshot).toISOString() : null,
      spool: this.receiver?.spool() ?? null,
      mnlog: this.mnSpool.stats(),
      tailer: this.tailer?.stats() ?? null,
      /** Files and directories of the logs tree that cannot be read (at most 50 listed). */
      unreadable: { count: this.unreadable.size, paths: [...this.unreadable].slice(0, 50).map(([p, why]) => ({ path: p, reason: why })) },
      sessions: counts,
      hooks: { runs: this.hooks.runs, failures: this.hooks.failures },
      patternProblems: this.kbProblems.length,
      memory: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed, reception: this.receiver?.heap() ?? null },
    };
  }

  private get lastKernelDrops(): { drops: number; source: string } {
    return this.receiver?.kernelDrops() ?? { drops: 0, source: 'unavailable' };
  }

  metrics(): string {
    const h = this.health();
    const r = this.receiver?.stats();
    return prometheusText({
      udpReceived: r?.udpReceived ?? 0,
      tcpReceived: r?.tcpReceived ?? 0,
      kernelDrops: this.lastKernelDrops.drops,
      counters: this.engine.counters,
      backlog: this.backlog.count,
      sessions: h.sessions as Record<string, number>,
      doc: this.doc,
      unreadable: this.unreadable.size,
      snapshotMs: this.lastSnapshotMs,
    });
  }

  /** Static MAC ⇄ IP ⇄ name facts (hosts, leases, xCAT tables), read at start and on SIGHUP. */
  private loadIdentityFiles(): void {
    for (const f of this.cfg.identityFiles) {
      if (!fs.existsSync(f)) continue;
      const facts = readIdentityFile(f, (m) => this.log(m));
      this.engine.learn(facts);
      this.log(`identity: ${facts.length} facts from ${f}`);
    }
  }

  /** SIGHUP: reload the knowledge base and identity files; the diagnosis is recomputed. */
  reloadPatterns(): void {
    this.loadIdentityFiles();
    const kb = loadKb(this.cfg.patterns);
    this.kbProblems = kb.problems;
    for (const p of kb.problems) this.log(`pattern problem: ${p}`);
    this.engine.setKnowledgeBase(kb);
    this.markDirty();
    this.log(`reloaded ${kb.patterns.length} patterns and ${kb.rules.length} rules`);
  }

  /** SIGTERM: stop reading, process what was received, flush the spools and the store. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.accessTimer) clearInterval(this.accessTimer);
    if (this.freezeTimer) clearInterval(this.freezeTimer);
    await this.receiver?.close();
    const r = this.receiver?.stats();
    const sp = this.receiver?.spool();
    if (r && sp) {
      // What this run took and kept, for the journal (the spool holds it; a restart replays it).
      this.log(
        `reception stopped: received ${r.udpReceived + r.tcpReceived} (udp ${r.udpReceived}, tcp ${r.tcpReceived}), spooled ${sp.written} of ${sp.appended}, udp dropped ${r.udpDropped} (spool full), spool dropped ${sp.dropped}`,
      );
    }
    await this.tailer?.close();
    await this.mnSpool.close();
    // The spool holds everything; the store gets the last diagnosis of what was processed.
    await this.publisher.save();
    await this.db.close();
    await this.api.close();
  }
}

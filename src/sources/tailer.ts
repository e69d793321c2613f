// Tails the MN files xtriage reads in a /var/log-shaped tree, following rotation:
// - triggers: one fs.watch per directory (one inotify watch each, however many consoles/*
//   files there are) plus a periodic stat sweep as a safety net;
// - rename+create: the old inode is read to its end through the open fd (for a grace period,
//   while the writer may still write to it), then the new file from 0;
// - copytruncate (size < position, or the first bytes no longer match the file's fingerprint:
//   truncated and grown past the old size before we looked): start again at 0;
// - files appearing later (consoles/NODE), deleted and recreated;
// - positions (inode, offset) persisted in a JSON state file, written atomically, so a restart
//   resumes exactly where the last run stopped; a file rotated while xtriaged was down is found
//   again by its inode among its siblings (messages.1, messages-20261125) and finished first; a
//   copy (copytruncate) or a compressed sibling (messages.1.gz) by the fingerprint of its first
//   bytes; what truly cannot be found is a notice with the count of bytes known unread;
// - a caller that keeps its own record of the last line it kept per file and inode (the daemon's
//   MN-line spool) passes it as `resume`: it wins over the state file, inode by inode.
// Reads are 64 KiB chunks through the fd, split on \n, decoded as UTF-8 with replacement; a line
// longer than maxLine is cut (marked) and the rest of it skipped.

import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { gunzipOf } from './gunzip';
import { createHash } from 'node:crypto';
import { trimIncompleteUtf8 } from './syslog-receiver';
import { readingOrder } from './mn-files';
import { isLiveName, MN_DIRS, MN_FILES, tailedFiles, WATCH_DIRS } from './tail-paths';
import { DirWatchers } from './tail-watch';
import { readTailState, writeTailState, type SavedFile, type SavedPos, type StateDoc } from './tail-state';

/** One line read from an MN file. */
export interface TailLine {
  /** Path relative to the logs directory, e.g. 'messages', 'xcat/cluster.log', 'consoles/cn01'. */
  file: string;
  /** The line without its newline (invalid UTF-8 replaced). */
  line: string;
  /** The file's mtime (epoch ms) when the line was read: the reference time for BSD years. */
  mtime: number;
  /** The line was longer than maxLine and was cut. */
  truncated?: boolean;
  /** The line had no newline yet: emitted after partialFlushMs of quiet, at a rotation or truncation. */
  partial?: boolean;
  /** Where reading resumes after this line (the inode and the byte offset past its newline):
   * a caller that records this with the line can restart exactly after the last line it kept. */
  pos?: ResumePos;
}

export interface TailerOptions {
  /** The logs directory (production: /var/log). */
  dir: string;
  onLine: (l: TailLine) => void;
  /** Where positions are kept across restarts; none when absent. */
  stateFile?: string;
  /** Files that exist at the first start (no saved position): read from the beginning (default) or only new lines. */
  start?: 'beginning' | 'end';
  /** Safety-net stat sweep interval (default 1000 ms). */
  sweepMs?: number;
  /** Files of the glob directories (consoles/*) are each stat'ed at least this often by the sweep (default 10 s). */
  fullSweepMs?: number;
  /** Longest line kept, in bytes (default 64 KiB). */
  maxLine?: number;
  /** Emit an unterminated last line after this much quiet (default 5000 ms; 0 = only at rotation). */
  partialFlushMs?: number;
  /** Keep reading a renamed (rotated) file until it has not grown for this long (default 5000 ms). */
  rotatedGraceMs?: number;
  /** At most this many fds kept open between reads (default 256); idle files are reopened by path and inode. */
  maxOpenFiles?: number;
  /** Positions are written at most this often (default 1000 ms). */
  saveDebounceMs?: number;
  /** One-line notices: truncations, lost rotated tails, unreadable files. */
  onNotice?: (line: string) => void;
  /**
   * Where reading resumes after the last line the caller kept, per file, one entry per inode
   * (TailLine.pos of the last line it kept from each). Wins over the state file for each inode
   * it names; inodes it does not name keep the state file's position.
   */
  resume?: Record<string, ResumePos[]>;
}

/** A position as TailLine.pos gives it. */
export interface ResumePos {
  dev: number;
  ino: number;
  btime?: number;
  offset: number;
  /** The fingerprint of the file's first fpLen bytes when the line was read (see SavedPos). */
  fp?: string;
  fpLen?: number;
}

export interface TailerStats {
  files: number;
  openFds: number;
  lines: number;
  bytes: number;
  truncatedLines: number;
  /** Times a path stopped naming the file being read (renamed away or deleted; replaced or not yet). */
  rotations: number;
  truncations: number;
  /** Rotated files whose unread rest could not be found (compressed or deleted before we got to it). */
  lostTails: number;
  /** Bytes known written and not read (lost tails, truncations with no copy found). */
  lostBytes: number;
  watchers: number;
  stateWrites: number;
}

const CHUNK = 64 * 1024;
/** Bytes at the start of a file that identify it (with its inode): a log line or two. */
const FP_BYTES = 256;
/** Finished rotated inodes remembered per file. */
const DONE_KEPT = 8;
/** The longest a file with data waits for files read before it (see pump). */
const CATCH_UP_WAIT_MS = 1000;

/** A read position in one inode. */
interface Reader {
  fd: fsp.FileHandle | null;
  dev: number;
  ino: number;
  btime: number;
  pos: number;
  parts: Buffer[];
  partLen: number;
  skipping: boolean;
  mtime: number;
  lastGrowth: number;
  lastUse: number;
  fp: string | null;
  fpLen: number;
  /** The first fpLen bytes while fewer than FP_BYTES are known (the fingerprint grows with the file). */
  head: Buffer | null;
  size: number;
}

interface Tracked {
  rel: string;
  abs: string;
  cur: Reader | null;
  /** Renamed-away inodes still being drained. */
  retired: (Reader & { until: number })[];
  busy: Promise<void> | null;
  again: boolean;
  /** Known only from the state file (and the caller's resume positions): not yet checked against the file system. */
  restored: SavedPos[] | null;
  /** Rotated inodes read to their end. */
  done: SavedPos[];
}

function newReader(st: fs.Stats, pos: number, skipping = false): Reader {
  return {
    fd: null,
    dev: st.dev,
    ino: st.ino,
    btime: st.birthtimeMs || 0,
    pos,
    parts: [],
    partLen: 0,
    skipping,
    mtime: st.mtimeMs,
    lastGrowth: Date.now(),
    lastUse: Date.now(),
    fp: null,
    fpLen: 0,
    head: null,
    size: st.size,
  };
}

function hashOf(b: Buffer): string {
  return createHash('sha1').update(b).digest('base64');
}

function sameFile(r: { dev: number; ino: number; btime?: number }, st: fs.Stats, ignoreDev = false): boolean {
  if (r.ino !== st.ino) return false;
  if (!ignoreDev && r.dev !== st.dev) return false;
  // Inode numbers are reused after a delete: a different birth time is a different file.
  if (r.btime && st.birthtimeMs && Math.abs(r.btime - st.birthtimeMs) > 1) return false;
  return true;
}

async function statOrNull(p: string): Promise<fs.Stats | null> {
  try {
    return await fsp.stat(p);
  } catch {
    return null;
  }
}

export class Tailer {
  private readonly o: Required<Omit<TailerOptions, 'stateFile' | 'onNotice' | 'resume'>> & Pick<TailerOptions, 'stateFile' | 'onNotice' | 'resume'>;
  private readonly tracked = new Map<string, Tracked>();
  private readonly watchers: DirWatchers;
  private readonly retiredRels = new Set<string>();
  private readonly queue = new Set<string>();
  /** When each queued file was first queued (for the catch-up order's starvation guard). */
  private readonly queuedAt = new Map<string, number>();
  /** Files being read, by their place in the offline reading order. */
  private readonly busyOrders = new Map<number, number>();
  private running = 0;
  private pumpScheduled = false;
  private sweepTimer: NodeJS.Timeout | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;
  private closed = false;
  private firstStart = true;
  private cursor = 0;
  private openFds = 0;
  private sweeping: Promise<void> | null = null;
  private idleWaiters: (() => void)[] = [];
  private counters = {
    lines: 0,
    bytes: 0,
    truncatedLines: 0,
    rotations: 0,
    truncations: 0,
    lostTails: 0,
    lostBytes: 0,
    stateWrites: 0,
  };

  private constructor(opts: TailerOptions) {
    this.watchers = new DirWatchers(path.resolve(opts.dir), (relDir, name) => this.onWatch(relDir, name));
    this.o = {
      dir: path.resolve(opts.dir),
      onLine: opts.onLine,
      stateFile: opts.stateFile,
      start: opts.start ?? 'beginning',
      sweepMs: opts.sweepMs ?? 1000,
      fullSweepMs: Math.max(opts.fullSweepMs ?? 10000, opts.sweepMs ?? 1000),
      maxLine: opts.maxLine ?? 64 * 1024,
      partialFlushMs: opts.partialFlushMs ?? 5000,
      rotatedGraceMs: opts.rotatedGraceMs ?? 5000,
      maxOpenFiles: opts.maxOpenFiles ?? 256,
      saveDebounceMs: opts.saveDebounceMs ?? 1000,
      onNotice: opts.onNotice,
      resume: opts.resume,
    };
  }

  /**
   * Start tailing. Rejects with a one-line Error when the logs directory is missing or not a
   * directory, or the state file is unreadable JSON (a corrupt state file is moved aside instead).
   */
  static async start(opts: TailerOptions): Promise<Tailer> {
    const t = new Tailer(opts);
    let st: fs.Stats;
    try {
      st = await fsp.stat(t.o.dir);
    } catch (err) {
      throw new Error(`logs directory ${t.o.dir} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!st.isDirectory()) throw new Error(`logs directory ${t.o.dir} is not a directory`);
    await t.loadState();
    t.mergeResume();
    await t.sweep();
    await t.idle();
    t.firstStart = false;
    t.sweepTimer = setInterval(() => void t.sweep(false), t.o.sweepMs);
    t.sweepTimer.unref();
    return t;
  }

  stats(): TailerStats {
    return { ...this.counters, files: this.tracked.size, openFds: this.openFds, watchers: this.watchers.size };
  }

  /** Check every file now (as the periodic sweep does) and resolve when all reads are done. */
  async poll(): Promise<void> {
    await this.sweep();
    await this.idle();
  }

  /** Write the positions now (atomically, synced). */
  async checkpoint(): Promise<void> {
    this.dirty = true;
    await this.save();
  }

  /** Stop watching, finish reads in progress, persist positions, close every fd. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.saveTimer) clearTimeout(this.saveTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.watchers.closeAll();
    this.queue.clear();
    await this.sweeping;
    await this.idle();
    this.dirty = true;
    await this.save();
    for (const t of this.tracked.values()) {
      for (const r of [t.cur, ...t.retired]) if (r) await this.closeFd(r);
    }
  }

  // -------------------------------------------------------------------------------------------

  private notice(line: string): void {
    this.o.onNotice?.(line);
  }

  private idle(): Promise<void> {
    if (this.running === 0 && this.queue.size === 0) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  private async loadState(): Promise<void> {
    const f = this.o.stateFile;
    if (!f) return;
    const state = await readTailState(f, (l) => this.notice(l));
    if (!state) return;
    this.firstStart = false;
    for (const [rel, { restored, done }] of state) {
      const t = this.newTracked(rel, restored);
      t.done = done;
      this.tracked.set(rel, t);
    }
  }

  /**
   * The caller's own record (the last line it kept from each inode) wins over the state file,
   * which may be up to a save behind or ahead of it. An inode the state file does not know is
   * read from the caller's position, unless it is one the tailer finished.
   */
  private mergeResume(): void {
    const resume = this.o.resume;
    if (!resume) return;
    const same = (a: { ino: number; btime?: number }, b: { ino: number; btime?: number }): boolean =>
      a.ino === b.ino && (!a.btime || !b.btime || Math.abs(a.btime - b.btime) <= 1);
    for (const [rel, positions] of Object.entries(resume)) {
      if (!Array.isArray(positions) || positions.length === 0) continue;
      this.firstStart = false;
      let t = this.tracked.get(rel);
      if (!t) {
        t = this.newTracked(rel, []);
        this.tracked.set(rel, t);
      }
      const list = t.restored ?? [];
      for (const p of positions) {
        if (typeof p?.ino !== 'number' || typeof p.offset !== 'number') continue;
        const known = list.find((x) => same(x, p));
        if (known) {
          known.offset = p.offset;
          delete known.skipping;
          if (p.fp && p.fpLen) {
            known.fp = p.fp;
            known.fpLen = p.fpLen;
          }
          continue;
        }
        const done = t.done.find((x) => same(x, p));
        if (done && done.offset <= p.offset) continue;
        const e: SavedPos = { dev: p.dev, ino: p.ino, offset: p.offset };
        if (p.btime) e.btime = p.btime;
        if (p.fp && p.fpLen) {
          e.fp = p.fp;
          e.fpLen = p.fpLen;
        } else if (done?.fp) {
          e.fp = done.fp;
          e.fpLen = done.fpLen;
        }
        if (done?.size !== undefined) e.size = done.size;
        list.unshift(e); // older than what the state file says is current
      }
      t.restored = list;
    }
  }

  private newTracked(rel: string, restored: SavedPos[] | null = null): Tracked {
    return { rel, abs: path.join(this.o.dir, rel), cur: null, retired: [], busy: null, again: false, restored, done: [] };
  }

  private scheduleSave(): void {
    this.dirty = true;
    if (this.saveTimer || this.closed || !this.o.stateFile) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, this.o.saveDebounceMs);
    this.saveTimer.unref();
  }

  private save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const f = this.o.stateFile;
      if (!f || !this.dirty) return;
      this.dirty = false;
      const doc: StateDoc = { version: 1, files: {} };
      const pos = (r: Reader): SavedPos => {
        const p: SavedPos = { dev: r.dev, ino: r.ino, offset: r.skipping ? r.pos : r.pos - r.partLen };
        if (r.btime) p.btime = r.btime;
        if (r.skipping) p.skipping = true;
        if (r.fp) {
          p.fp = r.fp;
          p.fpLen = r.fpLen;
        }
        p.size = Math.max(r.size, r.pos);
        return p;
      };
      for (const t of this.tracked.values()) {
        const rotated = [...(t.restored ?? []), ...t.retired.map(pos)];
        if (!t.cur && rotated.length === 0 && t.done.length === 0) continue;
        // A file whose path is gone but whose rotated inode is still being read: keep the
        // rotated entry under a placeholder position that matches nothing.
        const e: SavedFile = t.cur ? pos(t.cur) : { dev: 0, ino: 0, offset: 0 };
        if (rotated.length > 0) e.rotated = rotated;
        if (t.done.length > 0) e.done = t.done;
        doc.files[t.rel] = e;
      }
      try {
        await writeTailState(f, doc);
        this.counters.stateWrites++;
      } catch (err) {
        this.dirty = true;
        this.notice(`tail state ${f} could not be written: ${(err as Error).message}`);
      }
    });
    return this.saving;
  }

  /** Watch the directories that exist, find new files in the glob directories, check everything. */
  private sweep(full = true): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        for (const d of WATCH_DIRS) this.watchDir(d);
        for (const rel of await tailedFiles(this.o.dir)) {
          if (!this.tracked.has(rel)) this.tracked.set(rel, this.newTracked(rel));
        }
        // The fixed files every time; the many consoles/* in turn, each one every fullSweepMs
        // (fs.watch on their directory reports their changes; this is only the safety net).
        const many: string[] = [];
        for (const [rel, t] of this.tracked) {
          if (full || MN_FILES.includes(rel) || t.retired.length > 0 || t.restored) this.schedule(rel);
          else many.push(rel);
        }
        if (!full && many.length > 0) {
          const count = Math.min(many.length, Math.ceil((many.length * this.o.sweepMs) / this.o.fullSweepMs));
          for (let k = 0; k < count; k++) this.schedule(many[(this.cursor + k) % many.length]!);
          this.cursor = (this.cursor + count) % many.length;
        }
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  private watchDir(relDir: string): void {
    if (this.closed) return;
    this.watchers.watch(relDir);
  }

  private onWatch(relDir: string, name: string | null): void {
    if (this.closed) return;
    if (!name) {
      void this.sweep();
      return;
    }
    const rel = relDir === '.' ? name : `${relDir}/${name}`;
    if (this.tracked.has(rel)) this.schedule(rel);
    else if (MN_DIRS.includes(relDir)) {
      if (isLiveName(name)) {
        this.tracked.set(rel, this.newTracked(rel));
        this.schedule(rel);
      }
    } else if (WATCH_DIRS.includes(rel)) {
      void this.sweep(); // a directory we care about appeared
    }
    // A write to a renamed-away file (messages.1) shows up under its new name: drain it now.
    for (const r of this.retiredRels) {
      if ((path.dirname(r) === relDir || (relDir === '.' && !r.includes('/'))) && name.startsWith(path.basename(r))) this.schedule(r);
    }
  }

  private schedule(rel: string): void {
    if (this.closed) return;
    this.queue.add(rel);
    if (!this.queuedAt.has(rel)) this.queuedAt.set(rel, Date.now());
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    const limit = 16;
    // Files with data waiting are read in the order offline analysis reads them (messages before
    // cluster.log …): a file waits while one read earlier offline is being read, so catching up
    // (a start, a burst) feeds the engine what offline would, in that order. After a second of
    // waiting it goes anyway: a flooded messages must not starve the rest.
    const now = Date.now();
    let first = Infinity;
    for (const [order, n] of this.busyOrders) if (n > 0 && order < first) first = order;
    for (const rel of this.queue) first = Math.min(first, readingOrder(rel));
    for (const rel of this.queue) {
      if (this.running >= limit) break;
      const order = readingOrder(rel);
      if (order > first && now - (this.queuedAt.get(rel) ?? now) < CATCH_UP_WAIT_MS) {
        this.retryPump();
        continue;
      }
      const t = this.tracked.get(rel);
      this.queue.delete(rel);
      this.queuedAt.delete(rel);
      if (!t) continue;
      if (t.busy) {
        t.again = true;
        continue;
      }
      this.running++;
      this.busyOrders.set(order, (this.busyOrders.get(order) ?? 0) + 1);
      t.busy = this.check(t)
        .catch((err: Error) => this.notice(`tail ${rel}: ${err.message}`))
        .finally(() => {
          t.busy = null;
          this.running--;
          this.busyOrders.set(order, this.busyOrders.get(order)! - 1);
          if (t.again) {
            t.again = false;
            this.queue.add(rel);
            if (!this.queuedAt.has(rel)) this.queuedAt.set(rel, Date.now());
          }
          if (this.queue.size > 0) this.pump();
          else if (this.running === 0) {
            const ws = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of ws) w();
          }
        });
    }
    if (this.running === 0 && this.queue.size === 0) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }

  // -------------------------------------------------------------------------------------------

  private retryTimer: NodeJS.Timeout | null = null;

  /** A file left waiting for an earlier one gets a pump within the wait limit even if nothing else calls it. */
  private retryPump(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.queue.size) this.pump();
    }, CATCH_UP_WAIT_MS + 10);
    this.retryTimer.unref();
  }

  private async openFd(r: Reader, abs: string): Promise<boolean> {
    if (r.fd) return true;
    let fd: fsp.FileHandle;
    try {
      fd = await fsp.open(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch {
      return false;
    }
    const st = await fd.stat();
    if (!sameFile(r, st) || !st.isFile()) {
      await fd.close();
      return false;
    }
    r.fd = fd;
    this.openFds++;
    if (this.openFds > this.o.maxOpenFiles) await this.closeIdlest(r);
    return true;
  }

  private async closeFd(r: Reader): Promise<void> {
    if (!r.fd) return;
    const fd = r.fd;
    r.fd = null;
    this.openFds--;
    await fd.close().catch(() => {});
  }

  /** Close the fd of the current reader used least recently (never a retired one: those have no path). */
  private async closeIdlest(except: Reader): Promise<void> {
    let victim: Reader | null = null;
    for (const t of this.tracked.values()) {
      const r = t.cur;
      if (!r || !r.fd || r === except || t.busy) continue;
      if (!victim || r.lastUse < victim.lastUse) victim = r;
    }
    if (victim) await this.closeFd(victim);
  }

  /** The rotated, copied or compressed siblings of `abs` (messages → messages.1, messages-20261125, messages.1.gz), sorted. */
  private async siblings(abs: string): Promise<{ path: string; gz: boolean; st: fs.Stats }[]> {
    const dir = path.dirname(abs);
    const base = path.basename(abs);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      return [];
    }
    const out: { path: string; gz: boolean; st: fs.Stats }[] = [];
    for (const n of names.sort()) {
      if (n === base || !n.startsWith(base) || /\.(?:bz2|xz|zst|tmp|swp)$/.test(n)) continue;
      const p = path.join(dir, n);
      const st = await statOrNull(p);
      if (st && st.isFile()) out.push({ path: p, gz: n.endsWith('.gz'), st });
    }
    return out;
  }

  /** Whether a file (decompressed if .gz) starts with the bytes whose fingerprint `saved` holds (true when it holds none). */
  private async startsAs(p: string, gz: boolean, saved: { fp?: string; fpLen?: number }): Promise<boolean> {
    if (!saved.fp || !saved.fpLen) return true;
    const h = await headOf(p, saved.fpLen, gz);
    return h !== null && h.length === saved.fpLen && hashOf(h) === saved.fp;
  }

  /** Find an inode among the siblings of `abs` (and, with a fingerprint, check it is still that file). */
  private async findSibling(abs: string, r: SavedPos, ignoreDev: boolean): Promise<{ path: string; gz: boolean; st: fs.Stats } | null> {
    for (const sib of await this.siblings(abs)) {
      if (sameFile(r, sib.st, ignoreDev) && (sib.gz || (await this.startsAs(sib.path, false, r)))) return sib;
    }
    return null;
  }

  /** Find a copy of a file's content among the siblings by its fingerprint: copytruncate's copy, or the file compressed. */
  private async findCopy(abs: string, r: SavedPos, except: fs.Stats | null): Promise<{ path: string; gz: boolean; st: fs.Stats } | null> {
    if (!r.fp || !r.fpLen) return null;
    for (const sib of await this.siblings(abs)) {
      if (except && sib.st.ino === except.ino && sib.st.dev === except.dev) continue;
      if (!sib.gz && sib.st.size < r.fpLen) continue;
      if (await this.startsAs(sib.path, sib.gz, r)) return sib;
    }
    return null;
  }

  /**
   * Read the rest of a file's content from `saved.offset`: the inode itself if it is still there
   * under another name, else a copy or a compressed sibling found by fingerprint (`byInode`
   * false: the inode is known to hold other content now). What cannot be found is a notice with
   * the bytes known unread. Returns false when nothing was found.
   */
  private async finishRotated(t: Tracked, saved: SavedPos, ignoreDev: boolean, byInode = true, except: fs.Stats | null = null): Promise<boolean> {
    const sib = (byInode ? await this.findSibling(t.abs, saved, ignoreDev) : null) ?? (await this.findCopy(t.abs, saved, except));
    if (!sib) {
      const known = saved.size !== undefined ? Math.max(0, saved.size - saved.offset) : null;
      this.counters.lostTails++;
      this.counters.lostBytes += known ?? 0;
      this.notice(
        `tail ${t.rel}: ${byInode ? `its previous file (inode ${saved.ino}) is gone (deleted, or compressed in a format not read)` : 'the copy of its content before the truncation was not found'}; ` +
          `${known === null ? 'an unknown number of bytes' : `${known} bytes known`} unread after offset ${saved.offset}${known !== null ? ' (more if it grew after it was last looked at)' : ''} could not be read`,
      );
      return false;
    }
    try {
      const r = sib.gz ? await this.readGz(t, sib.path, sib.st, saved) : await this.readPlain(t, sib.path, sib.st, saved);
      if (r) this.markDone(t, r);
    } catch (err) {
      this.notice(`tail ${t.rel}: ${sib.path} could not be read: ${(err as Error).message}`);
    }
    return true;
  }

  private markDone(t: Tracked, r: Reader): void {
    const d: SavedPos = { dev: r.dev, ino: r.ino, offset: r.pos };
    if (r.btime) d.btime = r.btime;
    if (r.fp) {
      d.fp = r.fp;
      d.fpLen = r.fpLen;
    }
    t.done = [...t.done.filter((x) => x.ino !== r.ino), d].slice(-DONE_KEPT);
    this.scheduleSave();
  }

  private async readPlain(t: Tracked, p: string, st: fs.Stats, saved: SavedPos): Promise<Reader | null> {
    const r = newReader(st, saved.offset > st.size ? 0 : saved.offset, saved.skipping ?? false);
    if (saved.fp && saved.fpLen && sameFile(saved, st, true)) {
      r.fp = saved.fp;
      r.fpLen = saved.fpLen;
    }
    if (!(await this.openFd(r, p))) return null;
    try {
      await this.drain(t, r, Infinity);
      this.flushPartial(t, r);
    } finally {
      await this.closeFd(r);
    }
    return r;
  }

  /** A compressed sibling, decompressed as a stream; its lines carry the .gz file's inode and offsets in the decompressed text. */
  private async readGz(t: Tracked, p: string, st: fs.Stats, saved: SavedPos): Promise<Reader> {
    const r = newReader(st, 0, false);
    const from = saved.offset;
    const gunzip = gunzipOf(fs.createReadStream(p));
    let skipping = saved.skipping ?? false;
    for await (const c of gunzip as AsyncIterable<Buffer>) {
      if (this.closed) {
        gunzip.destroy();
        break;
      }
      let chunk = c;
      if (r.pos + chunk.length <= from) {
        r.pos += chunk.length;
        continue;
      }
      if (r.pos < from) {
        chunk = chunk.subarray(from - r.pos);
        r.pos = from;
        r.skipping = skipping;
        skipping = false;
      }
      this.noteHead(r, r.pos, chunk);
      r.pos += chunk.length;
      this.counters.bytes += chunk.length;
      this.split(t, r, chunk);
    }
    this.flushPartial(t, r);
    return r;
  }

  /** Grow the reader's fingerprint from bytes just read at `at` (only the file's first FP_BYTES count). */
  private noteHead(r: Reader, at: number, chunk: Buffer): void {
    if (r.fpLen >= FP_BYTES || at > r.fpLen) return;
    if (r.fpLen > 0 && !r.head) return; // a fingerprint from the state file: its bytes are not here
    const take = Math.min(FP_BYTES, at + chunk.length) - r.fpLen;
    if (take <= 0) return;
    const part = chunk.subarray(r.fpLen - at, r.fpLen - at + take);
    r.head = r.head ? Buffer.concat([r.head, part]) : Buffer.from(part);
    r.fpLen = r.head.length;
    r.fp = hashOf(r.head);
    if (r.fpLen >= FP_BYTES) r.head = null;
  }

  /** The reader's fingerprint from the file itself (a reader that did not start at 0). */
  private async fingerprintFromFile(r: Reader): Promise<void> {
    if (!r.fd || r.fpLen >= FP_BYTES) return;
    const len = Math.min(FP_BYTES, r.pos);
    if (len <= r.fpLen) return;
    const b = Buffer.alloc(len);
    const { bytesRead } = await r.fd.read(b, 0, len, 0);
    if (bytesRead !== len) return;
    r.fp = hashOf(b);
    r.fpLen = len;
    r.head = len < FP_BYTES ? b : null;
  }

  /** The file under the reader no longer starts with the bytes it started with: truncated and written again. */
  private async rewritten(r: Reader): Promise<boolean> {
    if (!r.fd || !r.fp || !r.fpLen) return false;
    const b = Buffer.alloc(r.fpLen);
    const { bytesRead } = await r.fd.read(b, 0, r.fpLen, 0);
    return bytesRead < r.fpLen || hashOf(b) !== r.fp;
  }

  /**
   * The current file was truncated (copytruncate) under the reader: the rest of what it had
   * (from the reader's position to the truncation) is in the copy, found by fingerprint; then the
   * file again from 0.
   */
  private async restartTruncated(t: Tracked, r: Reader, st: fs.Stats, why: string): Promise<void> {
    this.counters.truncations++;
    const saved: SavedPos = { dev: r.dev, ino: r.ino, offset: r.skipping ? r.pos : r.pos - r.partLen, size: Math.max(r.size, r.pos) };
    if (r.btime) saved.btime = r.btime;
    if (r.skipping) saved.skipping = true;
    if (r.fp) {
      saved.fp = r.fp;
      saved.fpLen = r.fpLen;
    }
    const hadCopy = r.fp !== null && (await this.findCopy(t.abs, saved, st)) !== null;
    this.notice(`tail ${t.rel}: truncated (${why}); ${hadCopy ? 'finishing its copy, then ' : ''}reading from the start`);
    if (hadCopy) {
      // The copy has the held partial line whole: drop it here.
      r.parts = [];
      r.partLen = 0;
      await this.finishRotated(t, saved, true, false, st);
    } else {
      this.flushPartial(t, r);
      const unread = Math.max(0, r.size - r.pos);
      if (unread > 0) {
        this.counters.lostBytes += unread;
        this.notice(`tail ${t.rel}: ${unread} bytes seen before the truncation were not read and no copy was found`);
      }
    }
    r.pos = 0;
    r.skipping = false;
    r.fp = null;
    r.fpLen = 0;
    r.head = null;
    this.scheduleSave();
  }

  private async check(t: Tracked): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    const st = await statOrNull(t.abs);
    const isFile = st !== null && st.isFile();

    if (t.restored) {
      // First look at a file known from the state file (and the caller's positions): every inode
      // but the one the path names now is finished first, then the path's from its position.
      const list = t.restored;
      t.restored = null;
      const curPos = isFile ? (list.find((p) => p.ino !== 0 && sameFile(p, st!, true)) ?? null) : null;
      for (const p of list) {
        if (p === curPos || p.ino === 0) continue;
        await this.finishRotated(t, p, true);
        this.counters.rotations++;
      }
      if (curPos) {
        const r = newReader(st!, curPos.offset, curPos.skipping ?? false);
        if (curPos.fp && curPos.fpLen) {
          r.fp = curPos.fp;
          r.fpLen = curPos.fpLen;
        }
        r.size = curPos.size ?? curPos.offset;
        r.lastGrowth = now;
        t.cur = r;
        // Truncated while we were down (copytruncate), and maybe grown past where we were.
        let why: string | null = st!.size < r.pos ? `while stopped: size ${st!.size} < position ${r.pos}` : null;
        if (!why && r.fp && (await this.openFd(r, t.abs)) && (await this.rewritten(r))) why = 'while stopped: its first bytes changed';
        if (why) await this.restartTruncated(t, r, st!, why);
      }
    }

    // The path names a different file now (rename+create, delete+create) or nothing.
    const cur = t.cur;
    if (cur && !(isFile && sameFile(cur, st!))) {
      t.cur = null;
      if (cur.fd) {
        await this.drain(t, cur);
        t.retired.push({ ...cur, until: now + this.o.rotatedGraceMs });
        this.retiredRels.add(t.rel);
      } else {
        // Its fd was given back while idle: find it again by inode, re-reading the held partial line.
        const saved: SavedPos = { dev: cur.dev, ino: cur.ino, btime: cur.btime, offset: cur.skipping ? cur.pos : cur.pos - cur.partLen, size: cur.size };
        if (cur.skipping) saved.skipping = true;
        if (cur.fp) {
          saved.fp = cur.fp;
          saved.fpLen = cur.fpLen;
        }
        await this.finishRotated(t, saved, false);
      }
      this.counters.rotations++;
    }

    // Renamed-away inodes: read what the writer still adds, until it has been quiet for the grace period.
    for (const r of [...t.retired]) {
      const before = r.pos;
      await this.drain(t, r);
      if (r.pos > before) r.until = Date.now() + this.o.rotatedGraceMs;
      if (Date.now() >= r.until) {
        this.flushPartial(t, r);
        await this.closeFd(r);
        this.markDone(t, r);
        t.retired = t.retired.filter((x) => x !== r);
        if (t.retired.length === 0) this.retiredRels.delete(t.rel);
        this.scheduleSave();
      }
    }

    if (!isFile) {
      if (t.retired.length === 0 && !MN_FILES.includes(t.rel) && !t.cur) this.tracked.delete(t.rel);
      return;
    }

    if (!t.cur) {
      // A file we have not read before: from the start, unless the first start says 'end'.
      let pos = 0;
      let skipping = false;
      if (this.firstStart && this.o.start === 'end') {
        pos = st!.size;
        skipping = pos > 0 && !(await endsWithNewline(t.abs, pos));
      }
      t.cur = newReader(st!, pos, skipping);
      this.scheduleSave();
    }
    const r = t.cur;
    if (st!.size < r.pos) {
      // copytruncate (or truncated by hand): what it had past our position is in the copy.
      await this.restartTruncated(t, r, st!, `size ${st!.size} < position ${r.pos}`);
    }
    r.mtime = st!.mtimeMs;
    if (st!.size > r.pos) {
      if (await this.openFd(r, t.abs)) {
        // Truncated and grown past our position before we looked: the first bytes tell.
        if (r.pos > 0 && (await this.rewritten(r))) await this.restartTruncated(t, r, st!, 'its first bytes changed');
        if (r.fpLen === 0 && r.pos > 0) await this.fingerprintFromFile(r);
        await this.drain(t, r);
      }
    }
    r.size = Math.max(st!.size, r.pos);
    if (this.o.partialFlushMs > 0 && r.partLen > 0 && Date.now() - r.lastGrowth >= this.o.partialFlushMs) {
      this.flushPartial(t, r);
      this.scheduleSave();
    }
    // Files quiet for a long time give their fd back (reopened by path and inode when they grow).
    if (r.fd && Date.now() - r.lastUse > 60000) await this.closeFd(r);
  }

  /** Read from the reader's position to the end of its inode, emitting whole lines. */
  private async drain(t: Tracked, r: Reader, maxChunks = 64): Promise<void> {
    if (!r.fd) return;
    const buf = Buffer.allocUnsafe(CHUNK);
    let grew = false;
    for (let chunks = 0; ; chunks++) {
      if (chunks === maxChunks) {
        t.again = true; // 4 MiB at a time: a busy file does not starve the others
        break;
      }
      let n: number;
      try {
        n = (await r.fd.read(buf, 0, CHUNK, r.pos)).bytesRead;
      } catch (err) {
        this.notice(`tail ${t.rel}: read failed: ${(err as Error).message}`);
        break;
      }
      if (n === 0) break;
      grew = true;
      this.noteHead(r, r.pos, buf.subarray(0, n));
      r.pos += n;
      this.counters.bytes += n;
      this.split(t, r, buf.subarray(0, n));
      if (this.closed) break;
    }
    if (grew) {
      r.lastGrowth = Date.now();
      r.lastUse = r.lastGrowth;
      try {
        r.mtime = (await r.fd.stat()).mtimeMs;
      } catch {
        /* closed under us */
      }
      this.scheduleSave();
    }
  }

  private split(t: Tracked, r: Reader, chunk: Buffer): void {
    let i = 0;
    const max = this.o.maxLine;
    while (i < chunk.length) {
      const nl = chunk.indexOf(0x0a, i);
      const stop = nl < 0 ? chunk.length : nl;
      if (r.skipping) {
        if (nl < 0) return;
        r.skipping = false;
        i = nl + 1;
        continue;
      }
      if (r.partLen + (stop - i) > max) {
        const take = max - r.partLen;
        const whole = Buffer.concat([...r.parts, chunk.subarray(i, i + take)]);
        r.parts = [];
        r.partLen = 0;
        this.emit(t, r, trimIncompleteUtf8(whole).toString('utf8'), { truncated: true });
        if (nl < 0) {
          r.skipping = true;
          return;
        }
        i = nl + 1;
        continue;
      }
      if (nl < 0) {
        r.parts.push(Buffer.from(chunk.subarray(i))); // copy: the read buffer is reused
        r.partLen += chunk.length - i;
        return;
      }
      const piece = chunk.subarray(i, nl);
      const line = r.partLen > 0 ? Buffer.concat([...r.parts, piece]).toString('utf8') : piece.toString('utf8');
      r.parts = [];
      r.partLen = 0;
      i = nl + 1;
      // r.pos already counts the whole chunk; the line ends i bytes into it.
      this.emit(t, r, line, {}, r.pos - chunk.length + i);
    }
  }

  private flushPartial(t: Tracked, r: Reader): void {
    if (r.partLen === 0) return;
    const line = Buffer.concat(r.parts).toString('utf8');
    r.parts = [];
    r.partLen = 0;
    this.emit(t, r, line, { partial: true }, r.pos);
  }

  private emit(t: Tracked, r: Reader, line: string, flags: { truncated?: boolean; partial?: boolean }, end?: number): void {
    this.counters.lines++;
    const out: TailLine = { file: t.rel, line, mtime: r.mtime };
    if (end !== undefined) {
      const pos: ResumePos = { dev: r.dev, ino: r.ino, offset: end };
      if (r.btime) pos.btime = r.btime;
      if (r.fp) {
        pos.fp = r.fp;
        pos.fpLen = r.fpLen;
      }
      out.pos = pos;
    }
    if (flags.truncated) {
      out.truncated = true;
      this.counters.truncatedLines++;
    }
    if (flags.partial) out.partial = true;
    this.o.onLine(out);
  }
}

/** The first `len` bytes of a file (decompressed for .gz; fewer if it is shorter), or null when it cannot be read. */
async function headOf(p: string, len: number, gz: boolean): Promise<Buffer | null> {
  try {
    if (!gz) {
      const h = await fsp.open(p, 'r');
      try {
        const b = Buffer.alloc(len);
        const { bytesRead } = await h.read(b, 0, len, 0);
        return b.subarray(0, bytesRead);
      } finally {
        await h.close();
      }
    }
    const src = fs.createReadStream(p, { end: 1024 * 1024 });
    const gunzip = gunzipOf(src);
    const parts: Buffer[] = [];
    let have = 0;
    try {
      for await (const c of gunzip as AsyncIterable<Buffer>) {
        parts.push(c);
        have += c.length;
        if (have >= len) break;
      }
    } finally {
      gunzip.destroy();
      src.destroy();
    }
    return Buffer.concat(parts).subarray(0, len);
  } catch {
    return null;
  }
}

async function endsWithNewline(p: string, size: number): Promise<boolean> {
  const h = await fsp.open(p, 'r');
  try {
    const b = Buffer.alloc(1);
    await h.read(b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    await h.close();
  }
}

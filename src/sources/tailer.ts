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
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { trimIncompleteUtf8 } from './syslog-receiver';
import { readingOrder } from './mn-files';

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
  pos?: { dev: number; ino: number; btime?: number; offset: number };
}

/** The fixed MN files, relative to the logs directory. */
export const MN_FILES: readonly string[] = [
  'messages', 'syslog',
  'xcat/cluster.log', 'xcat/computes.log', 'xcat/commands.log',
  'httpd/access_log', 'apache2/access_log', 'apache2/access.log',
  'httpd/error_log', 'apache2/error.log',
];
/** Directories whose every (non-rotated) file is tailed. */
export const MN_DIRS: readonly string[] = ['consoles', 'goconserver/nodes'];

/** Rotated or compressed siblings are not live files: messages.1, cn01-20261124, x.gz. */
/** Every directory watched: the parents of the files, the glob directories and their parents. */
const WATCH_DIRS: readonly string[] = ['.', 'xcat', 'httpd', 'apache2', 'consoles', 'goconserver', 'goconserver/nodes'];

const ROTATED = /(?:\.\d+|\.gz|\.bz2|\.xz|\.zst|\.old|-\d{8}(?:\d{2})?|\.swp|~)$/;

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
  watchers: number;
  stateWrites: number;
}

interface SavedPos {
  dev: number;
  ino: number;
  btime?: number;
  offset: number;
  skipping?: boolean;
  /** SHA-1 (base64) of the file's first fpLen bytes: tells a truncated-and-regrown file, and finds a copy or a .gz. */
  fp?: string;
  fpLen?: number;
  /** The file's size when last looked at: the bytes known unread if it is lost. */
  size?: number;
}
interface SavedFile extends SavedPos {
  rotated?: SavedPos[];
  /** Rotated inodes read to their end (the last few): a caller's older position for them is not a loss. */
  done?: SavedPos[];
}
interface StateDoc {
  version: 1;
  files: Record<string, SavedFile>;
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
    fd: null, dev: st.dev, ino: st.ino, btime: st.birthtimeMs || 0, pos, parts: [], partLen: 0,
    skipping, mtime: st.mtimeMs, lastGrowth: Date.now(), lastUse: Date.now(), fp: null, fpLen: 0, size: st.size,
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
  private readonly o: Required<Omit<TailerOptions, 'stateFile' | 'onNotice'>> & Pick<TailerOptions, 'stateFile' | 'onNotice'>;
  private readonly tracked = new Map<string, Tracked>();
  private readonly watchers = new Map<string, { w: fs.FSWatcher; ino: number }>();
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
    lines: 0, bytes: 0, truncatedLines: 0, rotations: 0, truncations: 0, lostTails: 0, stateWrites: 0,
  };

  private constructor(opts: TailerOptions) {
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
    for (const { w } of this.watchers.values()) w.close();
    this.watchers.clear();
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
    let text: string;
    try {
      text = await fsp.readFile(f, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`tail state ${f} cannot be read: ${(err as Error).message}`);
    }
    let doc: StateDoc;
    try {
      doc = JSON.parse(text) as StateDoc;
      if (doc.version !== 1 || typeof doc.files !== 'object' || doc.files === null) throw new Error('unknown format');
    } catch (err) {
      const aside = `${f}.corrupt-${Date.now()}`;
      await fsp.rename(f, aside).catch(() => {});
      this.notice(`tail state ${f} is damaged (${(err as Error).message}); moved to ${aside}, starting without positions`);
      return;
    }
    this.firstStart = false;
    for (const [rel, saved] of Object.entries(doc.files)) {
      if (typeof saved?.ino !== 'number' || typeof saved.offset !== 'number') continue;
      this.tracked.set(rel, this.newTracked(rel, saved));
    }
  }

  private newTracked(rel: string, restored: SavedFile | null = null): Tracked {
    return { rel, abs: path.join(this.o.dir, rel), cur: null, retired: [], busy: null, again: false, restored };
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
        return p;
      };
      for (const t of this.tracked.values()) {
        let entry: SavedFile | null = null;
        if (t.cur) entry = pos(t.cur);
        else if (t.restored) entry = { ...t.restored };
        const rotated = t.retired.map(pos);
        if (!entry && rotated.length === 0) continue;
        // A file whose path is gone but whose rotated inode is still being read: keep the
        // rotated entry under a placeholder position that matches nothing.
        const e: SavedFile = entry ?? { dev: 0, ino: 0, offset: 0 };
        if (rotated.length > 0) e.rotated = rotated;
        doc.files[t.rel] = e;
      }
      const tmp = `${f}.tmp`;
      try {
        await fsp.mkdir(path.dirname(f), { recursive: true });
        const h = await fsp.open(tmp, 'w');
        try {
          await h.writeFile(JSON.stringify(doc));
          await h.sync();
        } finally {
          await h.close();
        }
        await fsp.rename(tmp, f);
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
        for (const f of MN_FILES) {
          if (!this.tracked.has(f)) this.tracked.set(f, this.newTracked(f));
        }
        for (const d of MN_DIRS) {
          let names: string[];
          try {
            names = await fsp.readdir(path.join(this.o.dir, d));
          } catch {
            continue;
          }
          for (const n of names) {
            if (ROTATED.test(n) || n.startsWith('.')) continue;
            const rel = `${d}/${n}`;
            if (!this.tracked.has(rel)) this.tracked.set(rel, this.newTracked(rel));
          }
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
    const abs = path.join(this.o.dir, relDir);
    const have = this.watchers.get(relDir);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      if (have) {
        have.w.close();
        this.watchers.delete(relDir);
      }
      return; // the directory does not exist (yet): the next sweep tries again
    }
    if (have) {
      if (have.ino === st.ino) return;
      have.w.close(); // removed and recreated: watch the new one
      this.watchers.delete(relDir);
    }
    let w: fs.FSWatcher;
    try {
      w = fs.watch(abs, { persistent: false }, (_event, name) => this.onWatch(relDir, name ? name.toString() : null));
    } catch {
      return;
    }
    w.on('error', () => {
      w.close();
      if (this.watchers.get(relDir)?.w === w) this.watchers.delete(relDir);
    });
    this.watchers.set(relDir, { w, ino: st.ino });
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
      if (!ROTATED.test(name) && !name.startsWith('.')) {
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

  /** Find an inode among the siblings of `abs` (messages → messages.1, messages-20261125). */
  private async findSibling(abs: string, r: { dev: number; ino: number; btime?: number }, ignoreDev: boolean): Promise<string | null> {
    const dir = path.dirname(abs);
    const base = path.basename(abs);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      return null;
    }
    for (const n of names) {
      if (n === base || !n.startsWith(base)) continue;
      const st = await statOrNull(path.join(dir, n));
      if (st && st.isFile() && sameFile(r, st, ignoreDev)) return path.join(dir, n);
    }
    return null;
  }

  /** Read a file whose path no longer names it (found again by inode) from a position to its end. */
  private async finishRotated(t: Tracked, saved: SavedPos, ignoreDev: boolean): Promise<void> {
    const p = await this.findSibling(t.abs, saved, ignoreDev);
    if (!p) {
      this.counters.lostTails++;
      this.notice(`tail ${t.rel}: its previous file (inode ${saved.ino}) is gone (deleted, or rotated and compressed); anything written to it after offset ${saved.offset} was not read`);
      return;
    }
    const st = await fsp.stat(p);
    const r = newReader(st, saved.offset > st.size ? 0 : saved.offset, saved.skipping ?? false);
    if (!(await this.openFd(r, p))) return;
    try {
      await this.drain(t, r, Infinity);
      this.flushPartial(t, r);
    } finally {
      await this.closeFd(r);
    }
  }

  private async check(t: Tracked): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    const st = await statOrNull(t.abs);
    const isFile = st !== null && st.isFile();

    if (t.restored) {
      // First look at a file known from the state file.
      const saved = t.restored;
      t.restored = null;
      for (const rot of saved.rotated ?? []) {
        if (isFile && sameFile(rot, st!, true)) continue; // cannot be: the path is a newer file
        await this.finishRotated(t, rot, true);
      }
      if (saved.ino !== 0) {
        if (isFile && sameFile(saved, st!, true)) {
          t.cur = newReader(st!, saved.offset, saved.skipping ?? false);
          t.cur.lastGrowth = now;
        } else {
          await this.finishRotated(t, saved, true);
          this.counters.rotations++;
        }
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
        const saved: SavedPos = { dev: cur.dev, ino: cur.ino, btime: cur.btime, offset: cur.skipping ? cur.pos : cur.pos - cur.partLen };
        if (cur.skipping) saved.skipping = true;
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
      // copytruncate (or truncated by hand): what is left of the last line went to the copy.
      this.counters.truncations++;
      this.notice(`tail ${t.rel}: truncated (size ${st!.size} < position ${r.pos}); reading from the start`);
      this.flushPartial(t, r);
      r.pos = 0;
      r.skipping = false;
      this.scheduleSave();
    }
    r.mtime = st!.mtimeMs;
    if (st!.size > r.pos) {
      if (await this.openFd(r, t.abs)) await this.drain(t, r);
    }
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
      r.pos += n;
      this.counters.bytes += n;
      this.split(t, r, buf.subarray(0, n));
      if (this.closed) break;
    }
    if (grew) {
      r.lastGrowth = Date.now();
      r.lastUse = r.lastGrowth;
      try { r.mtime = (await r.fd.stat()).mtimeMs; } catch { /* closed under us */ }
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
    if (end !== undefined) out.pos = { dev: r.dev, ino: r.ino, ...(r.btime ? { btime: r.btime } : {}), offset: end };
    if (flags.truncated) {
      out.truncated = true;
      this.counters.truncatedLines++;
    }
    if (flags.partial) out.partial = true;
    this.o.onLine(out);
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

// Offline analysis: collected MN log trees, xcatsnap tarballs and capture files through the
// same engine the daemon runs. Damage (unreadable files, corrupt gzip, torn tarballs) is
// reported and skipped; whatever could be read is analysed.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AnalysisDoc, SessionDoc } from './contract';
import { Engine } from './engine/engine';
import { diagnose } from './diagnose/diagnose';
import { LineReader, type FileKind } from './records/line-reader';
import { classify, orderFiles, type MnFile } from './sources/mn-files';
import { readLines } from './sources/read-lines';
import { isoLocal } from './sources/timestamps';
import { parseCaptureLine } from './sources/capture-format';
import { isIdentityFile, readIdentityFile } from './sources/identity-files';
import { kindByName, nodeOfFileName, sniff } from './sources/kinds/sniff';
import type { KnowledgeBase } from './types';
import { Matcher } from './patterns/match';
import { defaultThreads, feedFile, PreparedFiles } from './engine/prepare';
import type { FileSpec } from './engine/prepare-file';
import { UsageError } from './util/usage-error';
import { collectGarbage } from './util/heap-compact';

/** A file of at least this many lines has its per-file state dropped once read (Engine.sourceDone). */
const SOURCE_DONE_LINES = 10_000;

/** Inputs this large are read in worker threads; below it, starting them costs more than it saves. */
const THREADS_FROM_BYTES = 32 * 1024 * 1024;

export interface AnalyzeOptions {
  /** Directories, tarballs, log files of any kind, capture files; '-' is standard input. */
  paths: string[];
  /** Read every file given in `paths` as this kind (`--as`), instead of sniffing it. */
  as?: FileKind | 'capture';
  /** Standard input's text, when '-' is among the paths (the CLI reads it). */
  stdin?: () => Promise<Buffer>;
  captures: string[];
  /** Identity files (hosts, dhcpd.leases, xCAT mac.csv/hosts.csv) besides those found in the trees. */
  identity?: string[];
  now?: number;
  kb: KnowledgeBase;
  /**
   * Worker threads that read and match files ahead of the engine: 0 reads on this thread. By
   * default, one per core besides this one (defaultThreads) for inputs of THREADS_FROM_BYTES or
   * more, else none.
   */
  threads?: number;
  /** Called while reading (often: the callee throttles) and once when the diagnosis starts. */
  progress?: (p: AnalyzeProgress) => void;
  /** Problems with inputs, one line each. */
  warn: (msg: string) => void;
}

export interface AnalyzeProgress {
  phase: 'reading' | 'diagnosing';
  bytes: number;
  totalBytes: number;
  /** Files (and capture files) read whole so far, of how many. */
  files: number;
  totalFiles: number;
  /** Lines fed to the analysis so far. */
  lines: number;
}

export interface AnalyzeResult {
  doc: AnalysisDoc;
  engine: Engine;
  filesRead: number;
  linesRead: number;
  bytesRead: number;
}

/** Every MN log file below a directory (a tree like /var/log, or an xcatsnap folder holding one). */
export function findMnFiles(root: string, warn: (m: string) => void, identity: string[] = []): MnFile[] {
  const found: MnFile[] = [];
  const walk = (dir: string, depth: number): void => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      warn(`${dir}: cannot read directory (${(e as NodeJS.ErrnoException).code ?? e})`);
      return;
    }
    for (const d of names) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) {
        if (depth < 8) walk(full, depth + 1);
      } else if (d.isFile()) {
        const rel = path.relative(root, full).split(path.sep).join('/');
        if (isIdentityFile(rel) && !rel.includes('/log/') && !/(?:^|\/)(?:xcat|httpd|apache2|consoles)\//.test(rel)) {
          identity.push(full);
          continue;
        }
        // Trees inside a bundle sit under a top folder (and often var/log): classify by the tail.
        const tail = rel.replace(/^(?:.*\/)?var\/log\//, '');
        const f = classify(tail) ?? classify(tail.split('/').slice(-2).join('/')) ?? classify(tail.split('/').slice(-1).join('/'));
        if (f) found.push({ ...f, rel: tail, abs: full } as MnFile & { abs: string });
        else {
          // A file of no known name is read when its lines parse as a log (a node's xcat.log, a
          // remote host's file, a console saved by hand); anything else in a bundle is not a log.
          const kind = sniffFile(full, 0.5);
          if (kind && kind !== 'capture')
            found.push({
              rel: tail,
              kind,
              base: tail,
              age: 0,
              node: kind === 'text' || kind === 'console' ? nodeOfFileName(tail) : null,
              abs: full,
            } as MnFile & { abs: string });
        }
      }
    }
  };
  walk(root, 0);
  return orderFiles(found);
}

/**
 * A file's kind by its content (its name as the hint), or null when fewer than `need` of its
 * first lines parse as a log. Compressed files are judged by name (a `.gz` of no known name: text).
 */
function sniffFile(file: string, need: number, dated?: (t: number) => void): FileKind | 'capture' | null {
  if (/\.(?:gz|xz|bz2)$/.test(file)) return need > 0 ? kindByName(file) : (kindByName(file) ?? 'text');
  let lines: string[] | null;
  try {
    lines = windowLines(file, 64 * 1024, 'head');
  } catch {
    return need > 0 ? null : (kindByName(file) ?? 'text'); // reported when read
  }
  if (!lines) return null;
  const s = sniff(lines, file);
  if (s.dated !== null) dated?.(s.dated);
  if (need > 0 && (!s.sampled || s.timed / s.sampled < need)) return null;
  return s.kind;
}

/** Up to `length` bytes from a file's start or end (I/O errors are thrown). */
function readWindow(file: string, length: number, at: 'head' | 'tail'): { buf: Buffer; whole: boolean } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, length);
    const buf = Buffer.alloc(len);
    const n = fs.readSync(fd, buf, 0, len, at === 'tail' ? size - len : 0);
    return { buf: buf.subarray(0, n), whole: len === size };
  } finally {
    fs.closeSync(fd);
  }
}

/** The whole lines of a file's first or last bytes (the one the window cuts is left out), CR removed; null when binary. */
function windowLines(file: string, length: number, at: 'head' | 'tail'): string[] | null {
  const w = readWindow(file, length, at);
  if (w.buf.includes(0)) return null;
  const lines = w.buf.toString('utf8').split('\n');
  if (!w.whole) {
    if (at === 'tail') lines.shift();
    else lines.pop();
  }
  return lines.map((l) => l.replace(/\r$/, ''));
}

const DAY_MS = 86_400_000;

/**
 * The latest time with a year among the last lines of a file (its tail: where a log ends). A
 * stamp carries its year when reading it against two references decades apart gives one time.
 */
function tailDated(file: string, kind: FileKind): number | null {
  if (/\.(?:gz|xz|bz2)$/.test(file)) return null;
  let lines: string[] | null;
  try {
    lines = windowLines(file, 16 * 1024, 'tail');
  } catch {
    return null;
  }
  const early = new LineReader(kind, 'tail', Date.UTC(2000, 0, 1));
  const late = new LineReader(kind, 'tail', Date.UTC(2040, 0, 1));
  let max: number | null = null;
  for (const l of lines ?? []) {
    const a = early.read(l)?.claimed ?? null;
    if (a !== null && a === (late.read(l)?.claimed ?? null)) max = Math.max(max ?? a, a);
  }
  return max;
}

/** Names that are data, documents, source or archives, not log text (a folder of pastes often holds them too). */
const NOT_LOG_TEXT = /\.(?:json|ya?ml|xml|html?|md|rst|adoc|pdf|png|jpe?g|gif|svg|zip|tar|tgz|xz|bz2|rpm|deb|iso|img|qcow2|sh|py|pl|js|ts|c|h|go|rb)$/i;
const MAX_LOOSE = 1000;

/** The text files of a folder that holds no MN tree (hidden ones, binaries and documents left out), sorted. */
function looseTextFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of names.sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= MAX_LOOSE || d.name.startsWith('.')) continue;
      const full = path.join(dir, d.name);
      if (d.isDirectory()) {
        if (depth < 4) walk(full, depth + 1);
      } else if (d.isFile() && !NOT_LOG_TEXT.test(d.name)) {
        try {
          if (/\.gz$/.test(d.name) || windowLines(full, 64 * 1024, 'head') !== null) out.push(full);
        } catch {
          /* unreadable: left out */
        }
      }
    }
  };
  walk(root, 0);
  return out;
}

function isTarball(file: string): boolean {
  return /\.(?:tar|tar\.gz|tgz|tar\.xz|tar\.bz2)$/.test(file);
}

/**
 * A file of JSON that is not a log: one pretty-printed document (an inventory, a REST answer),
 * or JSON lines none of which has a log's time or message field (goconserver's and other
 * structured logs have them, and are read).
 */
function isJsonDocument(file: string): boolean {
  try {
    if (fs.statSync(file).size > 64 * 1024 * 1024) return false;
    const text = fs.readFileSync(file, 'utf8').trim();
    if (!/^[[{]/.test(text)) return false;
    const lines = text.split('\n').filter((l) => l.trim());
    if (lines.length > 1) {
      try {
        JSON.parse(text);
        return true; // one document over several lines
      } catch {
        /* JSON lines, or not JSON */
      }
    }
    const LOGGISH = /^(?:@?timestamp|time|ts|at|date|msg|message|log|level)$/i;
    for (const l of lines) {
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch {
        return false; // not JSON throughout: let the log readers judge it
      }
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => LOGGISH.test(k))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** The decompressor a tarball needs, by its first bytes (the name may lie): null for a plain tar. */
function compressionOf(file: string): 'gzip' | 'xz' | 'bzip2' | 'zstd' | null {
  const b = Buffer.alloc(6);
  try {
    readWindow(file, 6, 'head').buf.copy(b);
  } catch {
    return null;
  }
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (b.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return null;
}

/**
 * Unpacks a tarball (plain, gzip, or xz/bzip2/zstd through the system's decompressor) into a
 * temporary directory. A damaged one (truncated, corrupt) gives what could be unpacked before
 * the damage and one line saying so.
 */
async function extractTarball(file: string, warn: (m: string) => void, cleanup: string[]): Promise<string> {
  const tar = await import('tar');
  const zlib = await import('node:zlib');
  const { spawn } = await import('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtriage-bundle-'));
  cleanup.push(dir);
  const problems: string[] = [];
  let files = 0;
  const unpack = new tar.Unpack({
    cwd: dir,
    strict: false,
    preservePaths: false,
    filter: (_p: string, entry: unknown) => {
      const t = (entry as { type?: string }).type;
      if (t === 'File' || t === 'OldFile' || t === 'ContiguousFile') files++;
      return t === 'File' || t === 'OldFile' || t === 'Directory' || t === 'ContiguousFile';
    },
    onwarn: (_code: string, message: string) => problems.push(message),
  });
  const done = new Promise<void>((resolve) => {
    unpack.on('close', () => resolve());
    unpack.on('error', (e: Error) => {
      problems.push(e.message);
      resolve();
    });
  });
  const input = fs.createReadStream(file);
  input.on('error', (e) => {
    problems.push(e.message);
    unpack.end();
  });
  const kind = compressionOf(file);
  let source: NodeJS.ReadableStream = input;
  if (kind === 'gzip') {
    const gunzip = zlib.createGunzip();
    gunzip.on('error', (e) => {
      problems.push(e.message);
      unpack.end();
    });
    source = input.pipe(gunzip);
  } else if (kind) {
    const tool = kind === 'bzip2' ? 'bzip2' : kind;
    const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      problems.push(e.code === 'ENOENT' ? `${tool} is not installed, which a ${kind}-compressed tarball needs` : e.message);
      unpack.end();
    });
    child.on('close', (code) => {
      if (code) problems.push(err.trim().split('\n').pop() || `${tool} exited ${code}`);
    });
    child.stdin.on('error', () => undefined);
    input.pipe(child.stdin);
    source = child.stdout;
  }
  source.pipe(unpack);
  await done;
  if (problems.length) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    warn(`${file}: damaged archive: ${problems[0]}${more}; analysing the ${files} file${files === 1 ? '' : 's'} that could be unpacked`);
  }
  return dir;
}

export async function analyze(opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const cleanup: string[] = [];
  try {
    return await analyzeInto(opts, cleanup);
  } finally {
    // Temporary bundle and standard-input copies go, also when the analysis throws.
    for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
  }
}

async function analyzeInto(opts: AnalyzeOptions, cleanup: string[]): Promise<AnalyzeResult> {
  const engine = new Engine(opts.kb, diagnose);
  engine.offline = true;
  const identityFiles = [...(opts.identity ?? [])];
  const inputs: { file: (MnFile & { abs: string }) | null; capture: string | null }[] = [];
  let readable = 0;
  /** A tree, a bundle or a capture: an MN's logs, not a fragment (see Engine.fragments). */
  let wholeLogs = false;
  /** The latest time with a year in the loose files: the year of their BSD stamps (a 2016 paste is not this year's). */
  let dated: number | null = null;
  /** Directories and bundles that held no log file, files that are not logs: with nothing else to read, the reason for exit 2. */
  const empty: string[] = [];
  /** A file read on its own (given by path, pasted, or one of a folder of pastes): a fragment. */
  const addFile = (p: string, displayName: string | null, within?: string): void => {
    // A single log file: what it holds decides (its name is the hint); --as overrides both.
    const byPath = classify(p.split(path.sep).slice(-2).join('/'));
    const sniffed = sniffFile(p, 0, (t) => (dated = Math.max(dated ?? t, t)));
    if (!opts.as && sniffed !== 'capture' && isJsonDocument(p)) {
      // An inventory, a REST answer, a config: structured data, not lines of a log.
      empty.push(`${displayName ?? p}: JSON, not a log`);
      return;
    }
    const kind = opts.as ?? sniffed ?? 'text';
    readable++;
    if (kind === 'capture') {
      wholeLogs = true;
      inputs.push({ file: null, capture: p });
    } else {
      // In a folder of pastes, by its path there (two folders' paste.txt are two sources).
      const rel =
        displayName ?? (within ? path.relative(within, p).split(path.sep).join('/') : null) ?? (byPath && byPath.kind === kind ? byPath.rel : path.basename(p));
      const node = kind === 'console' || kind === 'text' ? (byPath?.node ?? (displayName ? null : nodeOfFileName(p))) : null;
      inputs.push({ file: { rel, kind, base: rel, age: 0, node, abs: p }, capture: null });
    }
  };
  for (let p of opts.paths) {
    let displayName: string | null = null;
    if (p === '-') {
      if (!opts.stdin) throw new UsageError('-: standard input is not available here');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtriage-stdin-'));
      cleanup.push(dir);
      p = path.join(dir, 'stdin');
      fs.writeFileSync(p, await opts.stdin(), { mode: 0o600 });
      displayName = 'stdin';
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      throw new UsageError(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    if (st.isDirectory()) {
      readable++;
      const found = findMnFiles(p, opts.warn, identityFiles);
      if (found.length) {
        wholeLogs = true;
        for (const f of found) inputs.push({ file: f as MnFile & { abs: string }, capture: null });
        continue;
      }
      // No MN tree in it: a folder of what the admin gathered (a wget.log, twenty lines in
      // paste.txt) is read as those files given one by one would be, as fragments.
      const loose = looseTextFiles(p);
      if (!loose.length) empty.push(`${p}: no log file in it (nothing named or read like messages, xcat/, httpd/, consoles/)`);
      else opts.warn(`${p}: no MN log tree in it; reading its ${loose.length} text file${loose.length > 1 ? 's' : ''} as fragments`);
      for (const f of loose) addFile(f, null, p);
    } else if (isTarball(p)) {
      readable++;
      const dir = await extractTarball(p, opts.warn, cleanup);
      wholeLogs = true;
      const found = findMnFiles(dir, opts.warn, identityFiles);
      if (!found.length) empty.push(`${p}: no log file in it`);
      for (const f of found) inputs.push({ file: f as MnFile & { abs: string }, capture: null });
    } else addFile(p, displayName);
  }
  for (const c of opts.captures) {
    if (!fs.existsSync(c)) throw new UsageError(`${c}: no such capture file`);
    readable++;
    wholeLogs = true;
    inputs.push({ file: null, capture: c });
  }
  // Loose files and pasted text are fragments; a tree or a bundle is an MN's logs.
  engine.fragments = !wholeLogs;
  if (!inputs.length && empty.length) throw new UsageError(`nothing could be read: ${empty.join('; ')}`);
  if (!readable) throw new UsageError('no input: give a log directory, an xcatsnap tarball, a log file, - (standard input) or a capture file');

  // A tree's BSD stamps take their year from each file's mtime, unless that is far from what the
  // tree's year-stamped files (access_log, ISO-stamped syslog) say: a copy, a checkout or a
  // package install gives the files today's mtime, and a November log is not next year's.
  let treeDated: number | null = null;
  if (wholeLogs) {
    for (const i of inputs) {
      if (!i.file || i.file.kind === 'console') continue;
      const t = tailDated(i.file.abs, i.file.kind);
      if (t !== null) treeDated = Math.max(treeDated ?? t, t);
    }
  }
  // Loose files with no year anywhere all take the newest one's mtime: their mtimes say when each
  // was saved or checked out, not when its lines were written, and two pastes a month apart in
  // mtime are not a node that made no progress for a month.
  // Each input stat'ed once: its mtime dates its lines, its size is the progress total.
  const stats = inputs.map((i): fs.Stats | null => {
    try {
      return fs.statSync(i.file?.abs ?? i.capture!);
    } catch {
      return null; // reported when read
    }
  });
  let looseLatest: number | null = null;
  if (!wholeLogs && dated === null) for (const st of stats) if (st) looseLatest = Math.max(looseLatest ?? st.mtimeMs, st.mtimeMs);
  const referenceOf = (mtime: number): number => {
    if (!wholeLogs) return dated !== null ? dated + DAY_MS : (looseLatest ?? mtime);
    return treeDated !== null && Math.abs(mtime - treeDated) > 180 * DAY_MS ? treeDated + DAY_MS : mtime;
  };

  for (const f of identityFiles) engine.learn(readIdentityFile(f, opts.warn));
  let total = 0;
  for (const st of stats) total += st?.size ?? 0;
  // Loose files date their BSD stamps by the other files' years; a tree by its files' mtimes (or
  // its year-stamped files', when the mtimes cannot be right). Only a fragment's files are
  // counted (see addSilentFragments): a tree's lines pay nothing.
  const specs = inputs.map((i, k): FileSpec | null =>
    i.file
      ? { abs: i.file.abs, kind: i.file.kind, rel: i.file.rel, reference: referenceOf(stats[k]?.mtimeMs ?? Date.now()), node: i.file.node, counted: !wholeLogs }
      : null,
  );
  // Large inputs are read and matched in worker threads, ahead of the engine (see prepare.ts).
  const fileSpecs = specs.filter((x): x is FileSpec => x !== null);
  const fileSizes = stats.filter((_, k) => specs[k] !== null).map((st) => st?.size ?? 0);
  const threads = opts.threads ?? (total >= THREADS_FROM_BYTES ? defaultThreads() : 0);
  const matcher = new Matcher(opts.kb.patterns);
  const prepared = threads > 0 && fileSpecs.length ? new PreparedFiles(fileSpecs, fileSizes, opts.kb.patterns, matcher, threads) : null;
  let fileNo = 0;
  let done = 0;
  let inputsDone = 0;
  const report = (phase: AnalyzeProgress['phase']): void =>
    opts.progress?.({ phase, bytes: done, totalBytes: total, files: inputsDone, totalFiles: inputs.length, lines: engine.counters.records });
  const onBytes = (n: number): void => {
    done += n;
    if (opts.progress) report('reading');
  };
  /** Loose files that gave lines: a fragment none of whose lines became a session still gets a row. */
  const fragmentFiles: SilentFile[] = [];
  let filesRead = 0;
  /** Inputs that gave text (not binary, not unreadable from the first byte). */
  let gaveText = 0;
  let linesRead = 0;
  /** The last input of each file name: past it, the engine forgets what only that name's lines use. */
  const lastOfName = new Map<string, number>();
  specs.forEach((s, k) => s && lastOfName.set(s.rel, k));
  try {
    for (const [k, i] of inputs.entries()) {
      const spec = specs[k];
      if (spec) {
        const r = await (prepared ? prepared.feed(fileNo++, engine, onBytes) : feedFile(spec, engine, matcher, onBytes));
        // Each call walks every machine: only after a large file (a tree has a few; consoles are many and small).
        if (r.read.lines >= SOURCE_DONE_LINES && lastOfName.get(spec.rel) === k) engine.sourceDone(spec.rel);
        if (!wholeLogs) fragmentFiles.push({ rel: spec.rel, node: spec.node, lines: r.lines, firstAt: r.firstAt, placedAt: spec.reference });
        if (r.read.binary) opts.warn(`${spec.abs}: binary file, skipped`);
        else if (r.read.error) opts.warn(`${spec.abs}: ${r.read.error}${r.read.lines ? ` (read ${r.read.lines} lines before that)` : ''}`);
        if (!r.read.error || r.read.lines) filesRead++;
        if (!r.read.binary && (!r.read.error || r.read.lines)) gaveText++;
        linesRead += r.read.lines;
      } else if (i.capture) {
        const reader = new LineReader('remote', 'remote', Date.now());
        let bad = 0;
        const r = await readLines(
          i.capture,
          (line) => {
            if (!line.trim()) return;
            const c = parseCaptureLine(line);
            if (typeof c === 'string') {
              bad++;
              return;
            }
            const rec = reader.read(c.msg, c.at, c.from);
            if (rec) engine.feed(rec);
          },
          onBytes,
        );
        if (r.error) opts.warn(`${i.capture}: ${r.error}`);
        if (bad) opts.warn(`${i.capture}: ${bad} damaged line(s) skipped`);
        if (!r.error || r.lines) filesRead++;
        if (!r.error || r.lines) gaveText++;
        linesRead += r.lines;
      }
      inputsDone++;
    }
  } finally {
    await prepared?.close();
  }
  // Every input was binary or could not be read at all: that is no input (exit 2), not "nothing wrong".
  if (inputs.length && !gaveText)
    throw new UsageError(`nothing could be read: ${inputs.length === 1 ? 'the input is' : `all ${inputs.length} inputs are`} binary or unreadable`);
  engine.endOfInput();
  report('diagnosing');
  // Reading leaves its garbage in old space (the copies index just dropped with it): collected
  // before the snapshot builds the document, or the two stack up and make the peak (10,000
  // nodes: 754–768 MiB without, 703–708 with, for ~0.3 s).
  collectGarbage();
  const doc = engine.snapshot(opts.now);
  addSilentFragments(doc, engine, fragmentFiles);
  return { doc, engine, filesRead, linesRead, bytesRead: done };
}

/**
 * A pasted fragment whose lines this tool does not know (a clean systemd boot, an installer's
 * event list) is not "nothing here": it gets a row with no outcome that says so.
 */
interface SilentFile {
  rel: string;
  node: string | null;
  lines: number;
  firstAt: number | null;
  /** Where its timeless lines were placed (see referenceOf). */
  placedAt: number;
}

function addSilentFragments(doc: AnalysisDoc, engine: Engine, files: SilentFile[]): void {
  if (!files.length) return; // a tree, a bundle, captures: not fragments
  const used = new Set<string>();
  for (const s of doc.sessions) for (const t of engine.timelineOf(s.id) ?? []) used.add(t.source);
  for (const g of doc.groups) for (const e of g.evidence) used.add(e.source);
  for (const f of files) {
    if (!f.lines || used.has(f.rel)) continue;
    const at = isoLocal(f.firstAt ?? f.placedAt);
    const s: SessionDoc = {
      id: createHash('sha1').update(`file:${f.rel}`).digest('hex').slice(0, 12),
      mac: null,
      ips: [],
      node: f.node,
      identity: f.node ? 'name' : 'file',
      outcome: 'unknown',
      stage: 'none',
      startedAt: at,
      endedAt: null,
      rootCause: null,
      symptoms: [],
      milestones: [],
      attempts: 1,
      unknownErrors: [],
      note: `${f.lines} line${f.lines === 1 ? '' : 's'} of ${f.rel}, none that says how provisioning went`,
    };
    doc.sessions.push(s);
  }
}

// The bounded part of the daemon's state in NeDB: the last diagnosis of every session (so the
// API answers at once after a restart, while the spool replays) and daemon metadata. Every
// received line lives in the capture spool, never here. A corrupt or torn file is moved
// aside with a clear log line and the store starts empty: the spool rebuilds it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import Datastore from 'nedb-promises';
import type { SessionDoc } from '../contract';

/**
 * One session. The document is kept as its JSON text: NeDB holds every row in memory, and one
 * flat string is a fraction of the object graph it would otherwise copy (10,000 nodes: tens of
 * MB). Files written before hold `doc` as an object; both are read.
 */
interface StoredSession {
  _id: string;
  json?: string;
  doc?: SessionDoc;
  savedAt: number;
}

export class StateDb {
  private constructor(
    private readonly sessions: Datastore<StoredSession>,
    readonly file: string,
  ) {}

  /**
   * Open (or create) the store. Rejects with a one-line Error naming the path when it cannot be
   * used at all (not a directory, not a regular file, no permission): a fatal start-up error. A
   * file that opens but does not load is moved aside and the store starts empty.
   */
  static async open(dir: string, log: (line: string) => void): Promise<StateDb> {
    const file = path.join(dir, 'sessions.db');
    StateDb.checkUsable(dir, file);
    // Owner and group only, whatever the umask (NeDB's defaults are 0755 and 0644).
    const modes = { dirMode: 0o750, fileMode: 0o640 };
    const make = (): Datastore<StoredSession> =>
      Datastore.create({ filename: file, autoload: false, corruptAlertThreshold: 0.1, modes } as Parameters<
        typeof Datastore.create
      >[0]) as Datastore<StoredSession>;
    let db = make();
    try {
      await db.load();
    } catch (e) {
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '')}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        fs.rmSync(file, { force: true });
      }
      log(`state database ${file} could not be loaded (${(e as Error).message.split('\n')[0]}); moved aside to ${aside}, rebuilding from the capture spool`);
      db = make();
      await db.load();
    }
    const store = new StateDb(db, file);
    // Compaction rewrites the file; with only session documents it is small. (nedb-promises'
    // proxy cannot run NeDB's own autocompaction timer, so ours calls it.)
    store.timer = setInterval(() => void store.compact().catch((e: Error) => log(`state database compaction failed: ${e.message}`)), 10 * 60_000);
    store.timer.unref();
    return store;
  }

  private timer: NodeJS.Timeout | null = null;

  /** NeDB reports a directory or an unreadable file as an uncaught stream error: checked first, with the path named. */
  private static checkUsable(dir: string, file: string): void {
    const fail = (what: string, e?: unknown): never => {
      const code = e ? ` (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` : '';
      throw new Error(`state database ${what}${code}`);
    };
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
    } catch (e) {
      fail(`directory ${dir} cannot be created`, e);
    }
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(dir);
    } catch (e) {
      fail(`directory ${dir} cannot be read`, e);
    }
    if (!st!.isDirectory()) fail(`directory ${dir} is not a directory`);
    try {
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    } catch (e) {
      fail(`directory ${dir} is not writable`, e);
    }
    try {
      st = fs.statSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      fail(`${file} cannot be read`, e);
    }
    if (!st!.isFile()) fail(`${file} is not a regular file`);
    let fd: number | null = null;
    try {
      fd = fs.openSync(file, 'r+');
    } catch (e) {
      fail(`${file} cannot be opened for reading and writing`, e);
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  }

  async compact(): Promise<void> {
    await (this.sessions as unknown as { compactDatafileAsync(): Promise<void> }).compactDatafileAsync();
  }

  /** The stored documents; a row that does not parse is skipped (the spool's replay rebuilds it). */
  async loadSessions(): Promise<SessionDoc[]> {
    const rows = await this.sessions.find({});
    const out: SessionDoc[] = [];
    for (const r of rows) {
      if (r.json !== undefined) {
        try {
          out.push(JSON.parse(r.json) as SessionDoc);
        } catch {
          /* torn row: rebuilt by the replay */
        }
      } else if (r.doc) out.push(r.doc);
    }
    return out;
  }

  async save(changed: SessionDoc[], removed: string[]): Promise<void> {
    await this.saveJson(new Map(changed.map((d) => [d.id, JSON.stringify(d)])), removed);
  }

  /** As save(), with each document already as its JSON text (by session ID): the daemon has it. */
  async saveJson(changed: ReadonlyMap<string, string>, removed: string[]): Promise<void> {
    const now = Date.now();
    for (const [id, json] of changed) await this.sessions.update({ _id: id }, { _id: id, json, savedAt: now }, { upsert: true });
    if (removed.length) await this.sessions.remove({ _id: { $in: removed } }, { multi: true });
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.compact();
  }
}

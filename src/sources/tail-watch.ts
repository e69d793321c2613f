// The tailer's watcher: one inotify watch per directory of the logs tree that matters (four or
// so, whatever the number of console files), re-made when a directory is removed and created
// again. Events only say where to look; the periodic sweep is the safety net for missed ones.

import * as fs from 'node:fs';
import * as path from 'node:path';

export class DirWatchers {
  private readonly watchers = new Map<string, { w: fs.FSWatcher; ino: number }>();

  constructor(
    private readonly dir: string,
    /** A change in `relDir`: the name that changed, or null when the watch cannot tell. */
    private readonly onEvent: (relDir: string, name: string | null) => void,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Watch `relDir` if it exists (again, if it was removed and created since); forget it if it is gone. */
  watch(relDir: string): void {
    const abs = path.join(this.dir, relDir);
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
      w = fs.watch(abs, { persistent: false }, (_event, name) => this.onEvent(relDir, name ? name.toString() : null));
    } catch {
      return;
    }
    w.on('error', () => {
      w.close();
      if (this.watchers.get(relDir)?.w === w) this.watchers.delete(relDir);
    });
    this.watchers.set(relDir, { w, ino: st.ino });
  }

  closeAll(): void {
    for (const { w } of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

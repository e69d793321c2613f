// After each diagnosis: what changed goes to event clients (the TUI), to the state database
// (batched, every 2 s) and, when a session's outcome changed, to the admin's hooks. A session's
// JSON is compared by digest with the last one published, not kept (3 KB × every session).

import { createHash } from 'node:crypto';
import type { AnalysisDoc, SessionDoc } from '../contract';
import type { ApiServer } from '../api/server';
import type { StateDb } from '../store/state-db';

function digestOf(json: string): string {
  return createHash('sha1').update(json).digest('base64');
}

export class Publisher {
  /** Each session as last published: a digest of its JSON and its outcome. */
  private prev = new Map<string, { digest: string; outcome: string }>();
  private prevGroups = '';
  /** Sessions to save: their JSON as the snapshot made it for the digest (by ID). */
  private pendingSave = new Map<string, string>();
  private pendingRemoved = new Set<string>();
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly api: ApiServer,
    private readonly db: StateDb,
    private readonly outcomeChanged: (s: SessionDoc) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Sessions loaded from the store at start: published already. */
  seed(saved: SessionDoc[]): void {
    for (const s of saved) this.prev.set(s.id, { digest: digestOf(JSON.stringify(s)), outcome: s.outcome });
  }

  /** `touched`: the sessions the engine says may have changed (null: any); the rest are last snapshot's objects. */
  publish(doc: AnalysisDoc, touched: Set<string> | null): void {
    const changed: SessionDoc[] = [];
    const seen = new Set<string>();
    for (const s of doc.sessions) {
      seen.add(s.id);
      if (touched && !touched.has(s.id) && this.prev.has(s.id)) continue;
      const json = JSON.stringify(s);
      const digest = digestOf(json);
      const before = this.prev.get(s.id);
      if (before?.digest !== digest) {
        changed.push(s);
        this.pendingSave.set(s.id, json);
        if (before?.outcome !== s.outcome) this.outcomeChanged(s);
        this.prev.set(s.id, { digest, outcome: s.outcome });
      }
    }
    const removed = [...this.prev.keys()].filter((id) => !seen.has(id));
    for (const id of removed) this.prev.delete(id);
    const groupsJson = JSON.stringify(doc.groups);
    const groupsChanged = groupsJson !== this.prevGroups;
    this.prevGroups = groupsJson;
    this.api.publish({ sessions: changed, removed, groups: groupsChanged ? doc.groups : null });
    for (const id of removed) this.pendingRemoved.add(id);
    if ((changed.length || removed.length) && !this.saveTimer) {
      this.saveTimer = setTimeout(() => void this.save(), 2000);
    }
  }

  /** Writes what is pending to the store now (at stop: the last diagnosis of what was processed). */
  async save(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const changed = this.pendingSave;
    const removed = [...this.pendingRemoved];
    this.pendingSave = new Map();
    this.pendingRemoved.clear();
    try {
      await this.db.saveJson(changed, removed);
    } catch (e) {
      this.log(`state database write failed: ${(e as Error).message}`);
    }
  }
}

// The TUI: a stack of screens (cluster → node → log, help on top of any) over one header,
// one virtualised body and one footer line; keys dispatched through the key map; data from
// the store, redrawn as it changes without moving the cursor. Nothing here may throw at
// the user: daemon trouble is a message on screen while the store reconnects.

import { EventEmitter } from 'node:events';
import type { Widgets } from 'blessed';
import * as blessed from 'blessed';
import type { SessionDoc } from '../contract';
import { Store, type Changed } from './store';
import { VList } from './vlist';
import { chooseTerminal, createScreen, type TerminalChoice } from './terminal';
import { actionOf, type Action } from './keys';
import { Prompt, parseCommand } from './prompt';
import { ClusterRows, clusterHeader } from './cluster';
import { nodeRows } from './node';
import { logRows, isErrorItem } from './log';
import { helpRows } from './help';
import { EMPTY_QUERY, describeQuery, textMatcher, type Query } from './query';
import { stageMedians } from './timeline';
import { span, toBlessed, outcomeTone, type Line, type Tone } from './style';
import { nameOf, outcomeWord, plural } from './format';
import { sessionMatcher } from '../view/filter';

type View =
  | { kind: 'cluster'; list: VList }
  | { kind: 'node'; list: VList; id: string; open: Set<string>; last: SessionDoc | null }
  | { kind: 'log'; list: VList; id: string; filter: string; open: Set<number>; focus: number | null; last: SessionDoc | null }
  | { kind: 'help'; list: VList };

export interface AppOptions {
  socket: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** For tests and the demo: extra text on the cluster header (e.g. the demo's progress). */
  banner?: () => Line | null;
}

export class App extends EventEmitter {
  readonly choice: TerminalChoice;
  readonly screen: Widgets.Screen;
  readonly store: Store;
  private readonly header: Widgets.BoxElement;
  private readonly body: Widgets.BoxElement;
  private readonly footer: Widgets.BoxElement;
  private readonly stack: View[];
  private readonly clusterRows = new ClusterRows();
  private query: Query = { ...EMPTY_QUERY };
  private queryBeforePrompt: Query | null = null;
  private logFilterBefore = '';
  private readonly expanded = new Set<string>();
  private readonly prompt = new Prompt();
  private message: { text: string; tone?: Tone; until: number } | null = null;
  private messageTimer: NodeJS.Timeout | null = null;
  private medians: { version: number; at: number; map: Map<string, number> } = { version: -1, at: 0, map: new Map() };
  private clusterShown = 0;
  private done: ((code: number) => void) | null = null;
  private closed = false;
  private clock: NodeJS.Timeout | null = null;

  constructor(private readonly opts: AppOptions) {
    super();
    this.choice = chooseTerminal(opts.env ?? process.env);
    this.screen = createScreen(this.choice, { input: opts.input, output: opts.output });
    const color = this.choice.color;
    this.header = blessed.box({ parent: this.screen, top: 0, left: 0, width: '100%', height: 3, tags: true, wrap: false });
    this.body = blessed.box({ parent: this.screen, top: 3, left: 0, width: '100%', bottom: 1, tags: true, wrap: false });
    this.footer = blessed.box({ parent: this.screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false });
    this.stack = [{ kind: 'cluster', list: new VList(this.body, color) }];
    this.store = new Store(opts.socket);
  }

  private get view(): View {
    return this.stack[this.stack.length - 1]!;
  }

  /** Runs until the user quits; resolves with the exit status. */
  run(): Promise<number> {
    return new Promise((resolve) => {
      this.done = resolve;
      this.screen.on('keypress', (ch: string | undefined, key: { full?: string; name?: string; sequence?: string; meta?: boolean } | undefined) =>
        this.guard(() => this.onKey(ch, key)),
      );
      this.screen.on('resize', () => this.guard(() => this.refreshView()));
      this.store.on('change', (c: Changed) => this.guard(() => this.onData(c)));
      this.store.start();
      // Running sessions' "so far" and the stall clocks move even when no line arrives.
      this.clock = setInterval(() => this.guard(() => (this.view.kind === 'cluster' || this.view.kind === 'help' ? this.draw() : this.refreshView())), 5000);
      this.refreshView();
    });
  }

  quit(code = 0): void {
    if (this.closed) return;
    this.closed = true;
    if (this.clock) clearInterval(this.clock);
    if (this.mediansIdle) clearTimeout(this.mediansIdle);
    if (this.messageTimer) clearTimeout(this.messageTimer);
    this.store.stop();
    try {
      this.screen.destroy();
    } catch {
      /* terminal already gone */
    }
    this.done?.(code);
  }

  private guard(fn: () => void): void {
    if (this.closed) return;
    try {
      fn();
    } catch (e) {
      // A bug in a screen must not leave the terminal in raw mode with a stack trace over it.
      this.flash(`internal error: ${(e as Error).message} (r reloads; XTRIAGE_DEBUG=1 for details)`, 'error');
      if (process.env.XTRIAGE_DEBUG) this.emit('internalError', e);
    }
  }

  private flash(text: string, tone?: Tone, ms = 4000): void {
    this.message = { text, tone, until: Date.now() + ms };
    if (this.messageTimer) clearTimeout(this.messageTimer);
    this.messageTimer = setTimeout(() => this.guard(() => this.draw()), ms + 10);
    this.draw();
  }

  // ------------------------------------------------------------------------------------------
  // Data

  private onData(c: Changed): void {
    const v = this.view;
    if (v.kind === 'node' || v.kind === 'log') {
      if (!this.store.sessions.has(v.id) && this.store.loaded && (c.all || c.ids.has(v.id))) {
        // Superseded (a newer attempt, or the machine got its MAC): follow the machine.
        const next = this.store.successorOf(v.last);
        if (next && next.id !== v.id) {
          v.id = next.id;
          this.flash(`${nameOf(next)}: now showing its current session ${next.id}`);
        }
      }
    }
    // Health and connection news only touch the header; lists are rebuilt when their data moved.
    const relevant =
      v.kind === 'cluster'
        ? c.all || c.groups || c.ids.size > 0
        : v.kind === 'help'
          ? false
          : c.all || c.ids.has(v.id) || (v.kind === 'node' && c.ids.size > 0);
    if (relevant) this.refreshView();
    else this.draw();
    if (c.all) this.mediansNow();
  }

  private mediansIdle: NodeJS.Timeout | null = null;

  /**
   * The cluster's median time per stage. Over 10,000 sessions that takes tens of ms, so it is
   * never computed while a key waits: the current (possibly stale) figures are returned, and
   * fresh ones are computed right after the frame (at most every 2 s), then the node redrawn.
   */
  private mediansNow(): Map<string, number> {
    const stale = this.medians.version !== this.store.version;
    if (stale && !this.mediansIdle) {
      const wait = Math.max(20, 2000 - (Date.now() - this.medians.at));
      this.mediansIdle = setTimeout(
        () => {
          this.mediansIdle = null;
          this.guard(() => {
            this.medians = { version: this.store.version, at: Date.now(), map: stageMedians(this.store.sessions.values()) };
            if (this.view.kind === 'node') this.refreshView();
          });
        },
        this.medians.at ? wait : 20,
      );
    }
    return this.medians.map;
  }

  /** Rebuild the current view's rows (data, filter or size changed) and draw. */
  private refreshView(focusKey?: string): void {
    const v = this.view;
    const width = this.body.width as number;
    if (v.kind === 'cluster') {
      const { rows, shown } = this.clusterRows.build(this.store, this.store.version, this.query, this.expanded);
      this.clusterShown = shown;
      v.list.setRows(rows, focusKey);
    } else if (v.kind === 'node') {
      const d = this.store.detail(v.id);
      const s = this.store.sessions.get(v.id) ?? d.doc ?? v.last;
      if (s) {
        v.last = s;
        v.list.setRows(nodeRows({ session: s, detail: d.doc, medians: this.mediansNow(), open: v.open, width, now: Date.now() }), focusKey);
      } else v.list.setRows([]);
    } else if (v.kind === 'log') {
      const d = this.store.detail(v.id);
      if (d.doc) {
        v.last = d.doc;
        v.list.setRows(logRows({ timeline: d.doc.timeline, filter: v.filter, open: v.open, width }), focusKey);
        if (v.focus !== null) {
          if (v.list.focusKey(`l:${v.focus}`)) v.focus = null;
        }
      } else v.list.setRows([]);
    } else {
      v.list.setRows(
        helpRows({ term: this.choice.term, terminal: this.choice.terminal ?? this.choice.term, color: this.choice.color, socket: this.opts.socket }),
        focusKey,
      );
    }
    this.draw();
  }

  // ------------------------------------------------------------------------------------------
  // Drawing

  private connectionLine(): Line | null {
    const st = this.store;
    if (!st.connected) {
      const why = st.problem?.message ?? 'connecting to xtriaged…';
      return [
        span(' ✖ '),
        span(why, 'alert'),
        span(st.loaded ? ' — reconnecting every second; showing the last data received' : ' — retrying every second', 'bold'),
      ];
    }
    if (st.problem) return [span(' ✖ '), span(st.problem.message, 'alert'), span(' — r retries', 'bold')];
    if (!st.loaded) return [span('loading sessions from the daemon…', 'bold')];
    return null;
  }

  private headerLines(): Line[] {
    const v = this.view;
    const conn = this.connectionLine();
    const lines: Line[] = [];
    if (v.kind === 'cluster') {
      lines.push(...clusterHeader(this.store, this.query, this.clusterShown));
      const b = this.opts.banner?.();
      if (b) lines.push(b);
    } else if (v.kind === 'node' || v.kind === 'log') {
      const s = this.store.sessions.get(v.id) ?? v.last;
      const crumb: Line = [span('xtriage', 'bold'), span(' › ')];
      if (s) crumb.push(span(nameOf(s), 'bold'), span(' '), span(outcomeWord(s.outcome), outcomeTone(s.outcome)));
      else crumb.push(span(v.id));
      if (v.kind === 'log') {
        const d = this.store.detail(v.id).doc;
        crumb.push(span(' › log'));
        if (d) {
          const errs = d.timeline.filter(isErrorItem).length;
          crumb.push(span(`   ${plural(d.timeline.length, 'line')}, ${plural(errs, 'error')} (e/E jump)`));
        }
        if (v.filter) crumb.push(span(`   filter /${v.filter}`, 'bold'));
      }
      lines.push(crumb);
      const d = this.store.detail(v.id);
      if (d.gone && !this.store.sessions.has(v.id)) lines.push([span('this session is no longer current (superseded); showing what was last known', 'warn')]);
      else if (d.error) lines.push([span(`cannot load this session: ${d.error}`, 'error')]);
      else if (d.loading && !d.doc) lines.push([span('loading…', 'dim')]);
    } else {
      lines.push([span('xtriage', 'bold'), span(' › help   Esc or q closes')]);
    }
    if (conn) lines.push(conn);
    return lines;
  }

  private footerLine(): Line {
    if (this.prompt.active) return this.prompt.line();
    if (this.message && this.message.until > Date.now()) return [span(this.message.text, this.message.tone)];
    const v = this.view;
    const pos = v.list.position();
    const hints: Record<View['kind'], string> = {
      cluster: 'j/k move  Enter open/expand  / filter  : command  e/E errors  r reload  ? help  q quit',
      node: 'j/k move  Enter open  Space fold  l log  e/E errors  Esc back  ? help',
      log: 'j/k move  e/E next/prev error  Enter unfold  / filter  Esc back  ? help',
      help: 'Esc or q closes help',
    };
    return [span(hints[v.kind]), span(pos ? `   ${pos}` : '', 'dim')];
  }

  private draw(): void {
    if (this.closed) return;
    const head = this.headerLines();
    const w = this.screen.width as number;
    const hh = Math.max(1, Math.min(head.length, Math.max(1, (this.screen.height as number) - 3)));
    if (this.header.height !== hh) {
      this.header.height = hh;
      this.body.top = hh;
    }
    this.header.setContent(
      head
        .slice(0, hh)
        .map((l) => toBlessed(l, { color: this.choice.color, width: w }))
        .join('\n'),
    );
    const v = this.view;
    v.list.draw(v.kind === 'cluster' ? ' ' : '');
    this.footer.setContent(toBlessed(this.footerLine(), { color: this.choice.color, width: w, selected: !this.prompt.active }));
    this.screen.render();
    this.emit('rendered');
  }

  // ------------------------------------------------------------------------------------------
  // Keys

  private onKey(ch: string | undefined, key: { full?: string; name?: string; sequence?: string; meta?: boolean } | undefined): void {
    // Esc then a key typed faster than the terminal splits them arrives as one "meta" key
    // (\x1b/): that is an Esc followed by the key.
    const seq = key?.sequence;
    if (key?.meta && seq && seq.length === 2 && seq[0] === '\x1b' && seq[1]! >= ' ' && seq[1] !== '[' && seq[1] !== 'O') {
      this.onKey('\x1b', { full: 'escape', name: 'escape', sequence: '\x1b' });
      this.onKey(seq[1], { full: seq[1], name: seq[1], sequence: seq[1] });
      return;
    }
    if (this.prompt.active) return this.onPromptKey(ch, key);
    const a = actionOf(ch, key);
    if (!a) return;
    this.message = null;
    this.act(a);
  }

  private act(a: Action): void {
    const v = this.view;
    const list = v.list;
    switch (a) {
      case 'down':
        list.move(1);
        return this.draw();
      case 'up':
        list.move(-1);
        return this.draw();
      case 'pageDown':
        list.page(1);
        return this.draw();
      case 'pageUp':
        list.page(-1);
        return this.draw();
      case 'halfDown':
        list.move(Math.max(1, list.height() >> 1));
        return this.draw();
      case 'halfUp':
        list.move(-Math.max(1, list.height() >> 1));
        return this.draw();
      case 'top':
        list.home();
        return this.draw();
      case 'bottom':
        list.end();
        return this.draw();
      case 'nextError':
      case 'prevError':
        if (!list.jump((r) => !!r.error, a === 'nextError' ? 1 : -1)) this.flash(v.kind === 'log' ? 'no error line in this log' : 'nothing failing here');
        return this.draw();
      case 'enter':
        return this.enter(false);
      case 'toggle':
        return this.enter(true);
      case 'log':
        if (v.kind === 'node')
          return this.push({ kind: 'log', list: new VList(this.body, this.choice.color), id: v.id, filter: '', open: new Set(), focus: null, last: v.last });
        return;
      case 'back':
        return this.back();
      case 'q':
        if (this.stack.length === 1) return this.quit(0);
        return this.back();
      case 'quit':
        return this.quit(0);
      case 'filter':
        if (v.kind === 'help') return;
        if (v.kind === 'log') {
          this.logFilterBefore = v.filter;
          this.prompt.open('/', v.filter);
        } else {
          while (this.stack.length > 1) this.stack.pop();
          this.queryBeforePrompt = { ...this.query };
          this.prompt.open('/', this.query.text);
          this.refreshView();
        }
        return this.draw();
      case 'command':
        this.prompt.open(':');
        return this.draw();
      case 'refresh':
        this.store.refresh();
        this.flash('reloading from the daemon…');
        return;
      case 'help':
        if (v.kind === 'help') return this.back();
        return this.push({ kind: 'help', list: new VList(this.body, this.choice.color) });
      case 'redraw':
        this.screen.realloc();
        return this.refreshView();
    }
  }

  private push(v: View): void {
    this.stack.push(v);
    this.refreshView();
    if (v.kind !== 'log' || v.focus === null) v.list.home();
    this.draw();
  }

  private back(): void {
    if (this.stack.length > 1) {
      this.stack.pop();
      this.refreshView();
      return;
    }
    // The cluster screen: Esc clears a view or filter (q quits).
    if (this.query.text || this.query.outcome || this.query.group !== null) {
      this.query = { ...EMPTY_QUERY };
      this.refreshView();
      this.view.list.home();
      this.flash('filter and view cleared');
      return;
    }
    this.flash('q quits');
  }

  private enter(toggleOnly: boolean): void {
    const v = this.view;
    const row = v.list.current();
    if (!row) return;
    const t = row.target;
    if (v.kind === 'cluster') {
      if (t.kind === 'group') {
        if (this.expanded.has(t.key)) this.expanded.delete(t.key);
        else this.expanded.add(t.key);
        return this.refreshView(row.key);
      }
      if (t.kind === 'session' && !toggleOnly) return this.openNode(t.id);
      return;
    }
    if (v.kind === 'node') {
      if (t.kind === 'fold') {
        if (v.open.has(t.key)) v.open.delete(t.key);
        else v.open.add(t.key);
        return this.refreshView(row.key);
      }
      if (toggleOnly) return;
      if (t.kind === 'session') return this.openNode(t.id);
      const focus = t.kind === 'logline' && t.index >= 0 ? t.index : null;
      return this.push({ kind: 'log', list: new VList(this.body, this.choice.color), id: v.id, filter: '', open: new Set(), focus, last: v.last });
    }
    if (v.kind === 'log' && t.kind === 'logline') {
      if (v.open.has(t.index)) v.open.delete(t.index);
      else v.open.add(t.index);
      return this.refreshView(row.key);
    }
  }

  private openNode(id: string): void {
    this.push({ kind: 'node', list: new VList(this.body, this.choice.color), id, open: new Set(), last: this.store.sessions.get(id) ?? null });
  }

  private onPromptKey(ch: string | undefined, key: { full?: string; name?: string } | undefined): void {
    const kind = this.prompt.kind;
    const r = this.prompt.key(ch, key);
    if (r === 'ignored') return;
    const v = this.view;
    if (kind === '/') {
      if (r === 'cancel') {
        this.prompt.close();
        if (v.kind === 'log') v.filter = this.logFilterBefore;
        else if (this.queryBeforePrompt) this.query = this.queryBeforePrompt;
        return this.refreshView();
      }
      // The filter applies as it is typed.
      if (v.kind === 'log') v.filter = this.prompt.text;
      else this.query = { ...this.query, text: this.prompt.text.trim() };
      if (r === 'submit') this.prompt.close();
      this.refreshView();
      v.list.home();
      if (r === 'submit' && v.kind === 'cluster' && this.query.text)
        this.flash(`${plural(this.clusterShown, 'session')} ${this.clusterShown === 1 ? 'matches' : 'match'} /${this.query.text} (Esc clears)`);
      return this.draw();
    }
    if (r === 'cancel') {
      this.prompt.close();
      return this.draw();
    }
    if (r === 'edit') return this.draw();
    const text = this.prompt.text;
    this.prompt.close();
    this.runCommand(text);
  }

  private toCluster(): void {
    while (this.stack.length > 1) this.stack.pop();
  }

  private runCommand(text: string): void {
    const c = parseCommand(text);
    switch (c.kind) {
      case 'quit':
        return this.quit(0);
      case 'help':
        return this.act('help');
      case 'refresh':
        return this.act('refresh');
      case 'error':
        return this.flash(c.message, 'error', 6000);
      case 'all':
        this.toCluster();
        this.query = { ...EMPTY_QUERY };
        this.refreshView();
        this.view.list.home();
        return this.draw();
      case 'outcome':
        this.toCluster();
        this.query = { ...this.query, outcome: c.outcome, group: null };
        this.refreshView();
        this.view.list.home();
        this.flash(`${describeQuery(this.query)}: ${plural(this.clusterShown, 'session')} (:all shows everything)`);
        return;
      case 'group': {
        const groups = this.clusterRows.groups(this.store, this.store.version);
        if (!groups.some((g) => g.n === c.n))
          return this.flash(
            groups.length ? `no group ${c.n}: groups are numbered 1 to ${groups.length}` : 'no root cause is shared by several nodes (no groups)',
            'error',
            6000,
          );
        this.toCluster();
        this.query = { ...this.query, group: c.n, outcome: null };
        this.refreshView();
        this.view.list.home();
        return this.draw();
      }
      case 'show': {
        let exact: (s: SessionDoc) => boolean;
        try {
          exact = sessionMatcher(c.spec);
        } catch {
          exact = textMatcher(c.spec);
        }
        const hits = [...this.store.sessions.values()].filter(exact).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
        if (!hits.length) return this.flash(`no session for ${c.spec}`, 'error', 6000);
        return this.openNode(hits[0]!.id);
      }
    }
  }
}

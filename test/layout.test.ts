// The folders of src/ are the data flow (docs/architecture.md): a module may import from its own
// stage and from earlier ones, never from a later one. This test reads every import of every
// src/**/*.ts (TypeScript's own pre-processor: static, type-only, re-exports, dynamic import()
// and require()) and fails on an import that runs against the flow, unless it is one of the
// backward edges listed below, each with why it is there today. The list may only shrink: an
// entry that no longer matches an import fails too, so it is removed when its edge is fixed.
//
// Tests living in src/ (src/**/*.test.ts) are not part of the flow and are not checked.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', 'src');

/**
 * The stages, in flow order. A folder of src/ is one stage; the files at the root of src/ are
 * placed one by one. Equal rank: may import each other.
 */
const STAGES: readonly (readonly string[])[] = [
  // The documents other tools rely on (analyze JSON, API). Imports nothing (checked below).
  ['contract.ts'],
  // Core data shapes shared by every stage (LogRecord, Channel, Pattern, Rule, Stage ranks);
  // imports only the contract.
  ['types.ts'],
  // Small helpers anyone may import; they import only the contract and each other.
  ['util'],
  // Where lines come from: log kinds, file discovery and tailing, the syslog receiver.
  ['sources'],
  // A raw line of any kind becomes a LogRecord.
  ['records'],
  // The knowledge base: load, vet, match.
  ['patterns'],
  // Who a line is about: MAC, IP, name.
  ['identity'],
  // Lines placed per machine, attribution, freezing.
  ['engine'],
  // Sessions, root cause, groups, unknown errors.
  ['diagnose'],
  // The offline driver: sources → … → diagnose over files and bundles; used by `xtriage analyze`.
  ['analyze.ts'],
  // Persistence: the session store (the receive spool is the reception's, in sources).
  ['store'],
  // The HTTP/Unix-socket API (server and its client).
  ['api'],
  // The live driver: the daemon's configuration, then the daemon (src/daemon/) that wires
  // sources, engine, store and API together with its backlog, freezer, publisher, hooks.
  ['config.ts'],
  ['daemon'],
  // What a person reads, shared by the TUI and the CLI: the session filter language, symptom folding.
  ['view'],
  // Presentation: the terminal UI (an API client).
  ['tui'],
  // The demo's parts (cluster simulator, replayer, child daemon). They import only util and sources (the capture format); the
  // `demo` command that drives them with the TUI is a CLI command (cli/demo-cmd.ts), so demo
  // comes before cli, not after it.
  ['demo'],
  // The commands.
  ['cli'],
  // The two executables.
  ['bin'],
];

/**
 * Imports that run against the flow, "from -> to" (paths under src/, resolved), each with its
 * reason. Empty since the last eight were fixed (the engine's diagnose port, the spool moved to
 * sources, the view stage): a new one must argue its case here.
 */
const BACKWARD_ALLOWED: Record<string, string> = {};

function rankOf(rel: string): number {
  const top = rel.split('/')[0]!;
  const i = STAGES.findIndex((s) => s.includes(top));
  return i;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** A relative import resolved to its file under src/ ('x' → x.ts or x/index.ts). */
function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return path.relative(SRC, c).split(path.sep).join('/');
  }
  return null;
}

interface Edge {
  from: string;
  to: string;
}

function edges(): { list: Edge[]; unresolved: string[]; outside: string[] } {
  const list: Edge[] = [];
  const unresolved: string[] = [];
  const outside: string[] = [];
  for (const abs of walk(SRC)) {
    const from = path.relative(SRC, abs).split(path.sep).join('/');
    const info = ts.preProcessFile(fs.readFileSync(abs, 'utf8'), true, true);
    for (const imp of info.importedFiles) {
      if (!imp.fileName.startsWith('.')) continue; // node: built-ins and packages
      const to = resolve(abs, imp.fileName);
      if (to === null) {
        if (path.relative(SRC, path.resolve(path.dirname(abs), imp.fileName)).startsWith('..')) outside.push(`${from} -> ${imp.fileName}`);
        else unresolved.push(`${from} -> ${imp.fileName}`);
        continue;
      }
      if (!list.some((e) => e.from === from && e.to === to)) list.push({ from, to });
    }
  }
  return { list, unresolved, outside };
}

describe('src/ layout: imports follow the data flow', () => {
  const { list, unresolved, outside } = edges();

  test('every import is found, none leaves src/', () => {
    expect(list.length).toBeGreaterThan(100);
    expect(unresolved).toEqual([]);
    expect(outside).toEqual([]);
  });

  test('every file of src/ belongs to a stage', () => {
    const files = walk(SRC).map((a) => path.relative(SRC, a).split(path.sep).join('/'));
    expect(files.filter((f) => rankOf(f) < 0)).toEqual([]);
  });

  test('the contract imports nothing; util imports only the contract and util', () => {
    expect(list.filter((e) => e.from === 'contract.ts')).toEqual([]);
    expect(list.filter((e) => e.from.startsWith('util/') && !(e.to === 'contract.ts' || e.to.startsWith('util/')))).toEqual([]);
  });

  test('no import runs against the flow (but the listed ones)', () => {
    const backward = list
      .filter((e) => rankOf(e.to) > rankOf(e.from))
      .map((e) => `${e.from} -> ${e.to}`)
      .sort();
    expect(backward.filter((k) => !(k in BACKWARD_ALLOWED))).toEqual([]);
    // A listed edge that is gone is removed from the list (it may only shrink).
    expect(Object.keys(BACKWARD_ALLOWED).filter((k) => !backward.includes(k))).toEqual([]);
  });
});

describe('tests sit beside what they test', () => {
  const TEST = path.join(__dirname);
  const stages = fs
    .readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

  test('every stage folder of src/ has a test folder with a test named after one of its modules (src/x/y.ts ↔ test/x/y.test.ts)', () => {
    const missing: string[] = [];
    // bin/ holds the two entry points only; the cli/ tests run them as executables.
    for (const stage of stages.filter((s) => s !== 'bin')) {
      const dir = path.join(TEST, stage);
      const tests = fs.existsSync(dir) ? walkTests(dir) : [];
      const named = tests.filter((t) => fs.existsSync(path.join(SRC, path.relative(TEST, t).replace(/\.test\.ts$/, '.ts'))));
      if (!named.length) missing.push(stage);
    }
    expect(missing).toEqual([]);
  });

  test('no test file is left at the top of test/ but the ones about the whole tree', () => {
    const top = fs.readdirSync(TEST).filter((f) => f.endsWith('.test.ts'));
    expect(top.sort()).toEqual(['docs-refs.test.ts', 'layout.test.ts']);
  });
});

function walkTests(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walkTests(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
}

// Loads pattern files (docs/patterns.md), validates them and compiles the regexes.
// A problem is reported as `file:line: pattern ID: what is wrong`; a file with problems
// loses only the broken entries (or the whole file if it cannot be parsed), never the
// rest of the knowledge base.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node as YamlNode, type YAMLMap } from 'yaml';
import { CHANNELS, STAGE_RANK, type Channel, type KnowledgeBase, type Pattern, type PatternExample, type Rule, type Severity, type Stage } from '../types';
import { vetRegex } from './vet-regex';
import { requiredAnyOf, requiredLiteral } from './literal';

const SEVERITIES: Severity[] = ['info', 'warning', 'error', 'critical'];
const ID = /^[a-z0-9][a-z0-9._-]*$/;
const PATTERN_KEYS = new Set([
  'id',
  'sources',
  'program',
  'regex',
  'milestone',
  'stage',
  'severity',
  'scope',
  'ends',
  'opens',
  'binds',
  'coalesce',
  'generic',
  'groupBy',
  'priority',
  'awaits',
  'title',
  'meaning',
  'remedy',
  'explains',
  'examples',
  'counterexamples',
]);
const RULE_KEYS = new Set(['id', 'kind', 'after', 'expects', 'limit', 'when', 'without', 'severity', 'scope', 'title', 'meaning', 'remedy', 'explains']);

export interface LoadedFile {
  file: string;
  patterns: Pattern[];
  rules: Rule[];
  problems: string[];
}

class Problems {
  readonly list: string[] = [];
  constructor(readonly file: string) {}
  add(line: number, id: string | null, msg: string): void {
    this.list.push(`${this.file}:${line}: ${id ? `pattern ${id}: ` : ''}${msg}`);
  }
}

function isStage(s: unknown): s is Stage {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(STAGE_RANK, s);
}

/** Reads one pattern file. Never throws for bad content; I/O errors become problems. */
export function loadPatternFile(file: string, text?: string): LoadedFile {
  const problems = new Problems(file);
  const out: LoadedFile = { file, patterns: [], rules: [], problems: problems.list };
  let src: string;
  try {
    src = text ?? fs.readFileSync(file, 'utf8');
  } catch (e) {
    problems.add(0, null, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return out;
  }
  const lc = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    for (const err of doc.errors) {
      const line = err.linePos?.[0]?.line ?? (err.pos ? lc.linePos(err.pos[0]).line : 0);
      problems.add(line, null, `YAML: ${err.message.split('\n')[0]}`);
    }
    return out;
  }
  const lineOf = (n: YamlNode | null | undefined): number => (n?.range ? lc.linePos(n.range[0]).line : 0);
  const root = doc.contents;
  if (!isMap(root)) {
    problems.add(lineOf(root as YamlNode | null), null, 'expected a mapping with `patterns:` and/or `rules:`');
    return out;
  }
  for (const item of root.items) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    if (key !== 'patterns' && key !== 'rules') {
      problems.add(lineOf(item.key as YamlNode), null, `unknown top-level key "${key}" (expected patterns, rules)`);
    }
  }
  const section = (name: string): YAMLMap[] => {
    const node = root.get(name, true) as YamlNode | undefined;
    if (node === undefined || node === null) return [];
    if (!isSeq(node)) {
      problems.add(lineOf(node), null, `\`${name}\` must be a list`);
      return [];
    }
    const maps: YAMLMap[] = [];
    for (const it of node.items) {
      if (isMap(it)) maps.push(it);
      else problems.add(lineOf(it as YamlNode), null, `each entry of \`${name}\` must be a mapping`);
    }
    return maps;
  };
  for (const m of section('patterns')) {
    const p = readPattern(m, file, lineOf, lc, problems);
    if (p) out.patterns.push(p);
  }
  for (const m of section('rules')) {
    const r = readRule(m, file, lineOf, problems);
    if (r) out.rules.push(r);
  }
  return out;
}

type LineOf = (n: YamlNode | null | undefined) => number;

function readPattern(m: YAMLMap, file: string, lineOf: LineOf, lc: LineCounter, problems: Problems): Pattern | null {
  const obj = m.toJSON() as Record<string, unknown>;
  const idNode = m.get('id', true) as YamlNode | undefined;
  const line = lineOf(idNode ?? m);
  const id = typeof obj.id === 'string' ? obj.id : null;
  const before = problems.list.length;
  const bad = (msg: string, at = line): void => problems.add(at, id ?? '(no id)', msg);
  if (!id || !ID.test(id)) bad('`id` must match [a-z0-9][a-z0-9._-]*');
  for (const k of Object.keys(obj)) if (!PATTERN_KEYS.has(k)) bad(`unknown key "${k}"`, lineOf(m.get(k, true) as YamlNode));

  const sources = Array.isArray(obj.sources) ? obj.sources : typeof obj.sources === 'string' ? [obj.sources] : [];
  if (!sources.length) bad('`sources` must list at least one channel');
  for (const s of sources) if (!CHANNELS.includes(s as Channel)) bad(`unknown source "${String(s)}" (one of ${CHANNELS.join(', ')})`);

  let regex: RegExp | null = null;
  if (typeof obj.regex !== 'string' || obj.regex === '') bad('`regex` is required');
  else {
    const vet = vetRegex(obj.regex);
    if (vet) bad(`regex: ${vet}`, lineOf(m.get('regex', true) as YamlNode));
    else {
      try {
        regex = new RegExp(obj.regex);
      } catch (e) {
        bad(`regex does not compile: ${(e as Error).message}`, lineOf(m.get('regex', true) as YamlNode));
      }
    }
  }
  let program: RegExp | null = null;
  if (obj.program !== undefined && obj.program !== null && typeof obj.program !== 'string') {
    // A map or a list would become the regex "[object Object]" and match nothing, silently.
    bad('program must be a string (a regex of the syslog tag)');
  } else if (obj.program !== undefined && obj.program !== null) {
    try {
      program = new RegExp(obj.program);
    } catch (e) {
      bad(`program regex does not compile: ${(e as Error).message}`);
    }
  }
  const milestone = obj.milestone ?? null;
  if (milestone !== null && !isStage(milestone)) bad(`unknown milestone "${String(milestone)}"`);
  const stage = obj.stage ?? milestone ?? null;
  if (stage !== null && !isStage(stage)) bad(`unknown stage "${String(stage)}"`);
  const severity = (obj.severity ?? 'info') as Severity;
  if (!SEVERITIES.includes(severity)) bad(`severity must be one of ${SEVERITIES.join(', ')}`);
  const scope = obj.scope ?? 'node';
  if (scope !== 'node' && scope !== 'cluster') bad('scope must be node or cluster');
  const ends = obj.ends ?? null;
  if (ends !== null && ends !== 'failed' && ends !== 'succeeded' && ends !== 'stalled' && ends !== 'completed')
    bad('ends must be failed, succeeded, stalled or completed');
  if (typeof obj.title !== 'string' || !obj.title) bad('`title` is required');
  const groupNames = regex ? new Set(Object.keys(new RegExp(`${regex.source}|`).exec('')?.groups ?? {})) : new Set<string>();
  if (typeof obj.title === 'string' && regex) {
    for (const f of obj.title.matchAll(/\{(\w+)\}/g)) {
      if (!groupNames.has(f[1]!) && f[1] !== 'node' && f[1] !== 'ip' && f[1] !== 'mac') {
        bad(`title uses {${f[1]}} but the regex has no group "${f[1]}"`);
      }
    }
  }
  const strList = (k: string): string[] => {
    const v = obj[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      bad(`\`${k}\` must be a list of strings`);
      return [];
    }
    return v as string[];
  };
  const explains = strList('explains');
  const groupBy = strList('groupBy');
  for (const g of groupBy) if (regex && !groupNames.has(g)) bad(`groupBy field "${g}" is not a group of the regex`);
  let awaits: Pattern['awaits'] = null;
  if (obj.awaits !== undefined && obj.awaits !== null) {
    const a = obj.awaits as Record<string, unknown>;
    const ids =
      typeof a?.pattern === 'string'
        ? [a.pattern]
        : Array.isArray(a?.pattern) && a.pattern.every((x) => typeof x === 'string')
          ? (a.pattern as string[])
          : null;
    if (typeof a !== 'object' || !ids || !ids.length || (a.key !== undefined && typeof a.key !== 'string'))
      bad('awaits must be {pattern: ID or [IDs], key: FIELD} (key optional)');
    else awaits = { patterns: ids, key: typeof a.key === 'string' ? a.key : null };
  }
  const priority = obj.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isInteger(priority)) bad('priority must be an integer');

  const examples: PatternExample[] = [];
  const exNode = m.get('examples', true) as YamlNode | undefined;
  if (!exNode || !isSeq(exNode) || exNode.items.length === 0) bad('no examples: every pattern needs at least one real example line');
  else {
    for (const it of exNode.items) {
      const yamlLine = lineOf(it as YamlNode);
      const e = (isMap(it) ? it.toJSON() : isScalar(it) ? { line: it.value } : null) as Record<string, unknown> | null;
      if (!e || typeof e.line !== 'string') {
        problems.add(yamlLine, id, 'each example needs `line`');
        continue;
      }
      const fields: Record<string, string> = {};
      if (e.fields && typeof e.fields === 'object') for (const [k, v] of Object.entries(e.fields)) fields[k] = String(v);
      examples.push({
        line: e.line,
        source: typeof e.file === 'string' ? e.file : undefined,
        fields: e.fields ? fields : undefined,
        yamlLine,
        ...(typeof e.program === 'string' ? { program: e.program } : {}),
      } as PatternExample);
    }
  }
  const counter = obj.counterexamples ?? [];
  const counterexamples: string[] = [];
  if (!Array.isArray(counter)) bad('`counterexamples` must be a list');
  else for (const c of counter) counterexamples.push(typeof c === 'string' ? c : String((c as { line?: unknown })?.line ?? ''));
  void lc;
  if (problems.list.length > before || !regex || !id) return null;
  const literal = requiredLiteral(regex.source);
  return {
    id,
    file,
    line,
    sources: sources as Channel[],
    program,
    regex,
    literal,
    anyOf: literal === null ? requiredAnyOf(regex.source) : null,
    milestone: milestone as Stage | null,
    stage: stage as Stage | null,
    severity,
    title: String(obj.title),
    meaning: typeof obj.meaning === 'string' ? obj.meaning.trim() : '',
    remedy: typeof obj.remedy === 'string' ? obj.remedy.trim() : '',
    explains,
    scope: scope as Pattern['scope'],
    ends: ends as Pattern['ends'],
    opens: obj.opens === true,
    binds: obj.binds === true,
    coalesce: obj.coalesce === true,
    generic: obj.generic === true,
    groupBy,
    priority: priority as number,
    awaits,
    examples,
    counterexamples,
  };
}

function readRule(m: YAMLMap, file: string, lineOf: LineOf, problems: Problems): Rule | null {
  const obj = m.toJSON() as Record<string, unknown>;
  const line = lineOf((m.get('id', true) as YamlNode | undefined) ?? m);
  const id = typeof obj.id === 'string' ? obj.id : null;
  const before = problems.list.length;
  const bad = (msg: string): void => problems.add(line, id ?? '(no id)', msg);
  if (!id || !ID.test(id)) bad('`id` must match [a-z0-9][a-z0-9._-]*');
  for (const k of Object.keys(obj)) if (!RULE_KEYS.has(k)) bad(`unknown key "${k}"`);
  const kind = obj.kind;
  if (kind !== 'stall' && kind !== 'absent' && kind !== 'loop') bad('kind must be stall, absent or loop');
  const after = Array.isArray(obj.after) ? obj.after : obj.after === undefined || obj.after === null ? [] : [obj.after];
  for (const s of after) if (!isStage(s)) bad(`unknown stage "${String(s)}" in after`);
  const expects = obj.expects ?? null;
  if (expects !== null && !isStage(expects)) bad(`unknown stage "${String(expects)}" in expects`);
  const limit = obj.limit ?? null;
  if (kind === 'stall') {
    if (!after.length) bad('a stall rule needs `after`');
    if (typeof limit !== 'number' || limit <= 0) bad('a stall rule needs `limit` (seconds > 0)');
  }
  const when = obj.when ?? null;
  const without = obj.without ?? null;
  if (kind === 'absent') {
    if (typeof when !== 'string') bad('an absent rule needs `when` (a pattern id)');
    if (!isStage(without)) bad('an absent rule needs `without` (a stage)');
  }
  const severity = (obj.severity ?? 'error') as Severity;
  if (!SEVERITIES.includes(severity)) bad(`severity must be one of ${SEVERITIES.join(', ')}`);
  if (typeof obj.title !== 'string' || !obj.title) bad('`title` is required');
  const explains = Array.isArray(obj.explains) ? obj.explains.map(String) : [];
  if (problems.list.length > before || !id) return null;
  return {
    id,
    file,
    line,
    kind: kind as Rule['kind'],
    after: after as Stage[],
    expects: expects as Stage | null,
    limit: typeof limit === 'number' ? limit : null,
    when: typeof when === 'string' ? when : null,
    without: isStage(without) ? without : null,
    severity,
    title: String(obj.title),
    meaning: typeof obj.meaning === 'string' ? obj.meaning.trim() : '',
    remedy: typeof obj.remedy === 'string' ? obj.remedy.trim() : '',
    explains,
    scope: obj.scope === 'cluster' ? 'cluster' : 'node',
  };
}

/** The *.yaml / *.yml files of a directory, sorted, or the file itself. */
export function patternFilesIn(p: string): string[] {
  const st = fs.statSync(p);
  if (st.isFile()) return [p];
  return fs
    .readdirSync(p)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(p, f));
}

export interface KbSource {
  /** Directories or files, loaded in order; a later id replaces an earlier one. */
  paths: string[];
  /** Paths that may be missing without complaint (the default local directory). */
  optional?: string[];
}

export interface LoadedKb extends KnowledgeBase {
  /** id → files that defined it before the winner (shown by `patterns list`). */
  overridden: Map<string, string[]>;
}

/** Loads a whole knowledge base: shipped files first, then local ones, checking references. */
export function loadKnowledgeBase(src: KbSource): LoadedKb {
  const problems: string[] = [];
  const byId = new Map<string, Pattern>();
  const rulesById = new Map<string, Rule>();
  const overridden = new Map<string, string[]>();
  for (const dir of src.paths) {
    let files: string[];
    try {
      files = patternFilesIn(dir);
    } catch (e) {
      if (!src.optional?.includes(dir)) problems.push(`${dir}:0: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    const seenHere = new Map<string, string>();
    for (const f of files) {
      const loaded = loadPatternFile(f);
      problems.push(...loaded.problems);
      // One id space for patterns and rules: a later directory replaces an earlier one's entry.
      const place = <T extends Pattern | Rule>(x: T, into: Map<string, T>, other: Map<string, Pattern | Rule>): void => {
        const dup = seenHere.get(x.id);
        if (dup) {
          problems.push(`${f}:${x.line}: pattern ${x.id}: id already defined in ${dup}`);
          return;
        }
        seenHere.set(x.id, `${f}:${x.line}`);
        const prev = byId.get(x.id) ?? rulesById.get(x.id);
        if (prev) overridden.set(x.id, [...(overridden.get(x.id) ?? []), `${prev.file}:${prev.line}`]);
        other.delete(x.id);
        into.set(x.id, x);
      };
      for (const p of loaded.patterns) place(p, byId, rulesById);
      for (const r of loaded.rules) place(r, rulesById, byId);
    }
  }
  const patterns = [...byId.values()];
  const rules = [...rulesById.values()];
  problems.push(...checkReferences(patterns, rules));
  return { patterns, rules, problems, overridden };
}

/** explains/awaits/when must name existing ids, and explains must not form a cycle. */
export function checkReferences(patterns: Pattern[], rules: Rule[]): string[] {
  const out: string[] = [];
  const ids = new Set<string>([...patterns.map((p) => p.id), ...rules.map((r) => r.id)]);
  const edges = new Map<string, string[]>();
  for (const x of [...patterns, ...rules]) {
    edges.set(x.id, x.explains);
    for (const e of x.explains) if (!ids.has(e)) out.push(`${x.file}:${x.line}: pattern ${x.id}: explains unknown id "${e}"`);
  }
  for (const p of patterns) {
    for (const a of p.awaits?.patterns ?? []) if (!ids.has(a)) out.push(`${p.file}:${p.line}: pattern ${p.id}: awaits unknown id "${a}"`);
  }
  for (const r of rules) {
    if (r.when && !patterns.some((p) => p.id === r.when)) out.push(`${r.file}:${r.line}: pattern ${r.id}: when names unknown pattern "${r.when}"`);
  }
  // Cycle detection (DFS with colours).
  const colour = new Map<string, 1 | 2>();
  const where = new Map([...patterns, ...rules].map((x) => [x.id, `${x.file}:${x.line}`]));
  const visit = (id: string, stack: string[]): void => {
    colour.set(id, 1);
    for (const n of edges.get(id) ?? []) {
      if (colour.get(n) === 1) {
        const cycle = [...stack.slice(stack.indexOf(n)), n];
        out.push(`${where.get(id)}: pattern ${id}: explains forms a cycle: ${cycle.join(' → ')}`);
      } else if (!colour.has(n) && edges.has(n)) visit(n, [...stack, n]);
    }
    colour.set(id, 2);
  };
  for (const id of edges.keys()) if (!colour.has(id)) visit(id, [id]);
  return out;
}

// Every reference in the repository's comments, YAML and documentation points to something in
// the repository: a `docs/…` file that exists, a relative link that resolves, never a path
// outside the tree (a design document or catalogue on someone's disk). And docs/catalogue.md
// stays true to patterns/*.yaml: every failure (F…), scenario (S…) and background topic (§…) a
// pattern file cites has its entry, and the patterns listed under each failure are exactly
// those whose comments cite it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.join(__dirname, '..');
const CATALOGUE = path.join(ROOT, 'docs', 'catalogue.md');

/** The text files whose comments and prose are checked (fixtures are data, not prose). */
function checkedFiles(): string[] {
  const out: string[] = [];
  const walk = (rel: string, keep: (name: string) => boolean): void => {
    const abs = path.join(ROOT, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = path.posix.join(rel, e.name);
      if (e.isDirectory()) {
        if (r === 'test/fixtures' || r === 'test/fixtures-kb') continue;
        walk(r, keep);
      } else if (keep(e.name)) out.push(r);
    }
  };
  walk('src', (n) => n.endsWith('.ts'));
  walk('test', (n) => /\.(ts|js)$/.test(n));
  walk('bench', (n) => /\.(js|md)$/.test(n));
  walk('scripts', (n) => n.endsWith('.js'));
  walk('patterns', (n) => n.endsWith('.yaml'));
  walk('docs', (n) => n.endsWith('.md'));
  walk('node', (n) => /\.(md|sh)$/.test(n));
  for (const f of ['README.md', 'test/fixtures/README.md', 'eslint.config.mjs']) if (fs.existsSync(path.join(ROOT, f))) out.push(f);
  return out.filter((f) => f !== 'test/docs-refs.test.ts');
}

const FILES = checkedFiles();
const text = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');

describe('references point into the repository', () => {
  test('the files checked are found', () => {
    expect(FILES).toEqual(expect.arrayContaining(['README.md', 'patterns/http.yaml', 'src/contract.ts', 'docs/architecture.md']));
  });

  test('every docs/… file named exists', () => {
    const missing: string[] = [];
    for (const f of FILES) {
      for (const m of text(f).matchAll(/(?<![\w./-])docs\/([\w.-]+\.md)/g)) {
        if (!fs.existsSync(path.join(ROOT, 'docs', m[1]!))) missing.push(`${f}: docs/${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('relative links of the Markdown files resolve', () => {
    const broken: string[] = [];
    for (const f of FILES.filter((x) => x.endsWith('.md'))) {
      for (const m of text(f).matchAll(/\]\(([^)\s#]+)(#[^)\s]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        if (!fs.existsSync(path.join(ROOT, path.dirname(f), target))) broken.push(`${f}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('nothing points outside the repository', () => {
    const outside: string[] = [];
    // The research notes the project started from lived beside the repository; what the code
    // relies on from them is in docs/ now.
    const forbidden = [/\/work\//, /\.\.\/shared\b/, /(?<!docs\/)\bdesign\.md\b/, /(?<!docs\/)\bdependencies\.md\b/, /xcat-provisioning-logs/];
    for (const f of FILES) {
      text(f)
        .split('\n')
        .forEach((line, i) => {
          if (forbidden.some((re) => re.test(line))) outside.push(`${f}:${i + 1}: ${line.trim()}`);
          // A relative path that climbs out of the tree.
          for (const m of line.matchAll(/(?:\.\.\/)+[\w.-][\w./-]*\.(?:md|ts|js|yaml)\b/g)) {
            const resolved = path.resolve(ROOT, path.dirname(f), m[0]);
            if (path.relative(ROOT, resolved).startsWith('..')) outside.push(`${f}:${i + 1}: ${m[0]}`);
          }
        });
    }
    expect(outside).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// docs/catalogue.md against patterns/*.yaml

/** F and S ids a comment cites, ranges expanded (`F12–F15`, `S1-S3`). */
function citedIds(comment: string): Set<string> {
  const ids = new Set<string>();
  for (const m of comment.matchAll(/\b([FS])(\d+)(?:[–-][FS]?(\d+))?\b/g)) {
    const from = Number(m[2]);
    const to = m[3] ? Number(m[3]) : from;
    for (let k = from; k <= to; k++) ids.add(`${m[1]}${k}`);
  }
  return ids;
}

interface Cites {
  /** id of a failure or scenario → the pattern and rule ids whose own comment cites it. */
  byFailure: Map<string, Set<string>>;
  /** Every F/S id cited anywhere in a pattern file (headers included). */
  all: Set<string>;
  /** Every § topic cited anywhere in a pattern file. */
  topics: Set<string>;
  /** Every pattern and rule id. */
  ids: Set<string>;
}

function patternCites(): Cites {
  const dir = path.join(ROOT, 'patterns');
  const c: Cites = { byFailure: new Map(), all: new Set(), topics: new Set(), ids: new Set() };
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    const doc = parse(src) as { patterns?: { id: string }[]; rules?: { id: string }[] };
    for (const p of [...(doc.patterns ?? []), ...(doc.rules ?? [])]) c.ids.add(p.id);
    const lines = src.split('\n');
    for (const line of lines) {
      const hash = line.indexOf('#');
      if (!/^\s*#/.test(line)) continue;
      const comment = line.slice(hash);
      for (const id of citedIds(comment)) c.all.add(id);
      for (const m of comment.matchAll(/§\s?(\d+(?:\.\d+)?)/g)) c.topics.add(`§${m[1]}`);
    }
    // A pattern's own comment: the comment lines right above its `- id:`.
    lines.forEach((line, i) => {
      const m = /^ {2}- id: (\S+)/.exec(line);
      if (!m) return;
      const comment: string[] = [];
      for (let j = i - 1; j >= 0 && /^\s*#/.test(lines[j]!); j--) comment.unshift(lines[j]!);
      for (const id of citedIds(comment.join(' '))) {
        if (!c.byFailure.has(id)) c.byFailure.set(id, new Set());
        c.byFailure.get(id)!.add(m[1]!);
      }
    });
  }
  return c;
}

/** The catalogue's sections (`### F22 — …`) and the ids listed on their "Patterns" line. */
function catalogueSections(): Map<string, string[]> {
  const md = fs.readFileSync(CATALOGUE, 'utf8');
  const out = new Map<string, string[]>();
  const parts = md.split(/^### /m).slice(1);
  for (const part of parts) {
    const head = /^([FS]\d+) — /.exec(part);
    if (!head) continue;
    const line = /^(?:- \*\*Patterns and rules:\*\*|Patterns:) (.*)$/m.exec(part);
    out.set(head[1]!, line ? [...line[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) : []);
  }
  return out;
}

describe('docs/catalogue.md is true to patterns/*.yaml', () => {
  const cites = patternCites();
  const sections = catalogueSections();

  test('every failure and scenario a pattern file cites has its section', () => {
    expect(cites.all.size).toBeGreaterThan(40);
    expect([...cites.all].filter((id) => !sections.has(id)).sort()).toEqual([]);
  });

  test('every § topic a pattern file cites is in the background table', () => {
    const md = fs.readFileSync(CATALOGUE, 'utf8');
    const rows = new Set([...md.matchAll(/^\| (§\d+(?:\.\d+)?) \|/gm)].map((m) => m[1]!));
    expect([...cites.topics].filter((t) => !rows.has(t)).sort()).toEqual([]);
  });

  test('each section lists exactly the patterns and rules whose comments cite it', () => {
    const wrong: string[] = [];
    for (const [id, listed] of sections) {
      const want = [...(cites.byFailure.get(id) ?? [])].sort();
      const have = [...listed].sort();
      if (JSON.stringify(want) !== JSON.stringify(have))
        wrong.push(`${id}: listed ${have.join(', ') || '(none)'}; the YAML cites it in ${want.join(', ') || '(none)'}`);
    }
    expect(wrong).toEqual([]);
  });

  test('every id listed is a real pattern or rule', () => {
    const listed = [...sections.values()].flat();
    expect(listed.filter((id) => !cites.ids.has(id))).toEqual([]);
  });
});

#!/usr/bin/env node
// Writes the analysis JSON of every fixture (test/fixtures/*, the real corpus case by case, the
// bundled sample) and of generated clusters, one file per input, with the build in DIST (default
// ./dist). Two runs (two builds, the same inputs) compared with `diff -r` show whether a change
// that should not move a diagnosis (a refactor, a speed-up) moved one.
//
//   node scripts/golden.js OUT [DIST] [--clusters DIR]   (DIR: where generated trees are kept, so
//                                                       both runs read the same input; made once)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const ci = args.indexOf('--clusters');
const clusters = ci >= 0 ? args.splice(ci, 2)[1] : path.join(require('node:os').tmpdir(), 'xtriage-golden-clusters');
const [out, distArg] = args;
if (!out) {
  process.stderr.write('usage: node scripts/golden.js OUT [DIST] [--clusters DIR]\n');
  process.exit(2);
}
const dist = path.resolve(distArg ?? path.join(__dirname, '..', 'dist'));
const root = path.join(__dirname, '..');
const req = (...cands) => {
  for (const c of cands) if (fs.existsSync(path.join(dist, c))) return require(path.join(dist, c));
  throw new Error(`none of ${cands.join(', ')} in ${dist}`);
};
const { analyze } = req('analyze.js');
const { loadKb } = req('patterns/kb.js', 'kb.js');
const kb = loadKb([], { local: false });
const SEEDS = [1, 3, 5];
const NODES = 300;

async function one(name, paths) {
  let doc;
  try {
    ({ doc } = await analyze({ paths, captures: [], kb, warn: () => {} }));
  } catch (e) {
    doc = { error: e.message };
  }
  fs.writeFileSync(path.join(out, `${name}.json`), `${JSON.stringify(doc, null, 1)}\n`);
}

(async () => {
  fs.mkdirSync(out, { recursive: true });
  if (!fs.existsSync(clusters)) {
    const { generateCluster, renderTree } = req('demo/sim/cluster.js');
    for (const seed of SEEDS) {
      const dir = path.join(clusters, `seed${seed}`);
      renderTree(generateCluster({ nodes: NODES, seed, start: new Date('2026-11-24T10:00:00Z') }), path.join(dir, 'log'));
    }
  }
  for (const seed of SEEDS) await one(`generated-seed${seed}`, [path.join(clusters, `seed${seed}`, 'log')]);
  const fx = path.join(root, 'test', 'fixtures');
  for (const d of fs.readdirSync(fx).sort()) {
    const dir = path.join(fx, d);
    if (d === 'real' || !fs.statSync(dir).isDirectory()) continue;
    const log = fs.existsSync(path.join(dir, 'log')) ? path.join(dir, 'log') : dir;
    await one(`fixture-${d}`, [log]);
  }
  const real = path.join(fx, 'real');
  for (const d of fs.readdirSync(real).sort()) {
    const dir = path.join(real, d);
    if (!fs.existsSync(path.join(dir, 'case.yaml'))) continue;
    const files = fs
      .readdirSync(dir)
      .filter((f) => !/^(?:case\.yaml|lsdef.*\.txt|README.*)$/.test(f))
      .sort();
    await one(
      `real-${d}`,
      files.map((f) => path.join(dir, f)),
    );
  }
  await one('examples-sample-cluster', [path.join(root, 'examples', 'sample-cluster', 'log')]);
  process.stdout.write(`wrote ${fs.readdirSync(out).length} analyses to ${out}\n`);
})();

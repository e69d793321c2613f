#!/usr/bin/env node
// Builds dist/ from src/ (tsc -p tsconfig.build.json) and makes the two commands executable
// (tsc writes 0644; `ln -s dist/bin/xtriage.js /usr/local/bin/xtriage` needs 0755 and the
// shebang). Run by `npm run build`, `npm pack` (prepack) and the tests' global setup.
//
// `--if-possible` (the prepare script, which `npm ci` runs): in an unpacked release tarball or
// an install without dev dependencies TypeScript is absent; dist/ shipped prebuilt is then
// used as it is. A clone with neither TypeScript nor dist/ cannot work: say so and fail.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bins = ['xtriage.js', 'xtriaged.js'].map((b) => path.join(root, 'dist', 'bin', b));

function tscPath() {
  try {
    return require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    return null;
  }
}

function makeExecutable() {
  for (const b of bins) {
    const first = fs.readFileSync(b, 'utf8').split('\n', 1)[0];
    if (first !== '#!/usr/bin/env node') throw new Error(`${path.relative(root, b)}: first line is not '#!/usr/bin/env node'`);
    fs.chmodSync(b, 0o755);
  }
}

const ifPossible = process.argv.includes('--if-possible');
const tsc = tscPath();
if (!tsc) {
  if (ifPossible && bins.every((b) => fs.existsSync(b))) {
    makeExecutable();
    process.exit(0);
  }
  process.stderr.write(
    'xtriage: dist/ is not built and TypeScript is not installed (dev dependencies omitted).\n' +
      '  Install the release instead (npm pack, then npm install -g xtriage-*.tgz, or the RPM: README "Install"),\n' +
      '  or build here with the dev dependencies: npm ci && npm run build\n',
  );
  process.exit(1);
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
makeExecutable();

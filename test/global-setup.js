// Tests that spawn the real binaries (xtriaged, xtriage) run them from dist/: build once
// (scripts/build.js: tsc, then the bins made executable, as the package ships them).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  const root = path.join(__dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
};

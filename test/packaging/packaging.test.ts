// The release artifacts, installed the way an admin installs them: a fresh copy of the
// repository packed with `npm pack` (prepack builds dist/), that tarball installed with
// `npm install -g` into a temporary prefix and with `npm ci --omit=dev` unpacked, the bins run;
// the RPM built from the same tarball with rpmbuild, its contents and scriptlets read back with
// rpm -qlp / -qp --scripts, and installed into a scratch root where its command runs.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
jest.setTimeout(300_000);

let work: string;
let tgz: string;

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

beforeAll(() => {
  work = fs.mkdtempSync('/tmp/h18-pkg-');
  // A fresh copy of the tree as git sees it (tracked and new files, no dist/), sharing the
  // dev dependencies: prepack must build dist/ itself.
  const clone = path.join(work, 'clone');
  const files = sh('git', ['ls-files', '-co', '--exclude-standard'], ROOT).split('\n').filter(Boolean);
  for (const f of files) {
    if (!fs.existsSync(path.join(ROOT, f))) continue; // deleted in the work tree
    fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(clone, f));
    fs.chmodSync(path.join(clone, f), fs.statSync(path.join(ROOT, f)).mode & 0o777);
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
  const t0 = Date.now();
  sh('npm', ['pack', '--silent', '--pack-destination', work], clone);
  tgz = path.join(
    work,
    fs.readdirSync(work).find((f) => f.endsWith('.tgz'))!,
  );
  process.stdout.write(`npm pack: ${path.basename(tgz)} ${(fs.statSync(tgz).size / 1024).toFixed(0)} KiB in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  expect(fs.existsSync(path.join(clone, 'npm-shrinkwrap.json'))).toBe(false); // postpack cleaned up
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the npm tarball ships dist/ prebuilt, executable bins with a shebang, pinned dependencies, no sources', () => {
  const listing = sh('tar', ['-tvzf', tgz]).split('\n');
  const entry = (p: string): string | undefined => listing.find((l) => l.endsWith(` package/${p}`));
  for (const bin of ['dist/bin/xtriage.js', 'dist/bin/xtriaged.js']) {
    expect(entry(bin)).toMatch(/^-rwxr-xr-x /);
    expect(sh('tar', ['-xzOf', tgz, `package/${bin}`]).split('\n')[0]).toBe('#!/usr/bin/env node');
  }
  expect(entry('npm-shrinkwrap.json')).toBeDefined();
  expect(entry('systemd/xtriaged.service')).toBeDefined();
  expect(entry('packaging/xtriage.spec')).toBeDefined();
  expect(listing.filter((l) => / package\/(src|test)\//.test(l))).toEqual([]);
  const pkg = JSON.parse(sh('tar', ['-xzOf', tgz, 'package/package.json'])) as { scripts: Record<string, string> };
  // Nothing runs at install time (no prepare/postinstall needing TypeScript).
  expect(Object.keys(pkg.scripts).filter((s) => /^(pre|post)?(install|prepare)$/.test(s))).toEqual([]);
});

test('npm install -g of the tarball into a fresh prefix gives working xtriage and xtriaged', () => {
  const prefix = path.join(work, 'prefix');
  const t0 = Date.now();
  sh('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tgz]);
  process.stdout.write(`npm install -g: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  for (const [bin, usage] of [
    ['xtriage', /^usage: xtriage /],
    ['xtriaged', /^usage: xtriaged /],
  ] as const) {
    const p = path.join(prefix, 'bin', bin);
    expect(fs.statSync(p).mode & 0o755).toBe(0o755); // the link's target
    // Run as an admin would: by name on PATH, not through node.
    const r = spawnSync(bin, ['--help'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin` },
    });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(usage);
    expect(r.status).toBe(0);
  }
});

test('npm ci --omit=dev in the unpacked tarball works (no TypeScript needed) and the CLI analyses the sample', () => {
  const dir = path.join(work, 'unpacked');
  fs.mkdirSync(dir);
  sh('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1']);
  sh('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  expect(fs.existsSync(path.join(dir, 'node_modules', 'typescript'))).toBe(false);
  const r = spawnSync(path.join(dir, 'dist', 'bin', 'xtriage.js'), ['analyze', path.join(dir, 'examples', 'sample-cluster', 'log')], { encoding: 'utf8' });
  expect(r.stdout).toMatch(/^xtriage: \d+ sessions/m);
  expect(r.status).toBe(1); // the sample has failed nodes
});

describe('the RPM', () => {
  const haveRpmbuild = spawnSync('sh', ['-c', 'command -v rpmbuild && command -v rpm']).status === 0;
  if (!haveRpmbuild) {
    test.skip('rpmbuild is not installed here (Debian: apt-get install rpm; .ci/run installs it): RPM not built', () => {});
    return;
  }
  let rpmFile: string;
  const q = (...args: string[]): string => sh('rpm', ['-qp', ...args, rpmFile]);

  beforeAll(() => {
    const out = path.join(work, 'rpms');
    const t0 = Date.now();
    rpmFile = sh(path.join(ROOT, 'packaging', 'build-rpm.sh'), [out, tgz])
      .trim()
      .split('\n')
      .pop()!;
    process.stdout.write(
      `rpmbuild: ${path.basename(rpmFile)} ${(fs.statSync(rpmFile).size / 1024).toFixed(0)} KiB in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  });

  test("noarch, needs nodejs >= 20 (with RHEL's epoch) and nothing from node_modules", () => {
    expect(q('--qf', '%{NAME} %{ARCH}')).toBe('xtriage noarch');
    const requires = q('--requires')
      .split('\n')
      .filter((l) => l && !l.startsWith('rpmlib(') && l !== '/bin/sh');
    expect(requires.sort()).toEqual(['nodejs >= 1:20', 'shadow-utils', 'systemd']);
  });

  test('installs the code, the commands, the unit, and the config and drop-ins as %config(noreplace)', () => {
    const files = new Set(q('-l').split('\n'));
    for (const f of [
      '/usr/lib/xtriage/dist/bin/xtriaged.js',
      '/usr/lib/xtriage/dist/bin/xtriage.js',
      '/usr/lib/xtriage/node_modules/blessed/package.json',
      '/usr/lib/xtriage/patterns',
      '/usr/lib/xtriage/node/xtriage.sh',
      '/usr/bin/xtriage',
      '/usr/bin/xtriaged',
      '/usr/lib/systemd/system/xtriaged.service',
      '/etc/xtriage/xtriaged.yaml',
      '/etc/xtriage/patterns.d',
      '/etc/sysctl.d/99-xtriage.conf',
      '/etc/rsyslog.d/60-xtriage.conf',
      '/var/lib/xtriage',
    ]) {
      expect([f, files.has(f)]).toEqual([f, true]);
    }
    // The unit runs what the package installs, with the config the package installs.
    const unit = fs.readFileSync(path.join(ROOT, 'systemd', 'xtriaged.service'), 'utf8');
    const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(/\s+/);
    expect(files.has(exec.find((a) => a.endsWith('xtriaged.js'))!)).toBe(true);
    expect(files.has(exec[exec.indexOf('--config') + 1]!)).toBe(true);

    const flags = new Map(
      q('--qf', '[%{FILEFLAGS:fflags}|%{FILEMODES:perms}|%{FILEUSERNAME}:%{FILEGROUPNAME}|%{FILENAMES}\n]')
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [fl, mode, owner, name] = l.split('|');
          return [name!, { fl: fl!, mode: mode!, owner: owner! }];
        }),
    );
    const config = [...flags]
      .filter(([, v]) => v.fl.includes('c'))
      .map(([k, v]) => `${k} ${v.fl}`)
      .sort();
    expect(config).toEqual(['/etc/rsyslog.d/60-xtriage.conf cn', '/etc/sysctl.d/99-xtriage.conf cn', '/etc/xtriage/xtriaged.yaml cn']);
    expect(flags.get('/usr/lib/xtriage/dist/bin/xtriaged.js')!.mode).toBe('-rwxr-xr-x');
    expect(flags.get('/usr/lib/xtriage/dist/bin/xtriage.js')!.mode).toBe('-rwxr-xr-x');
    expect(flags.get('/var/lib/xtriage')!.owner).toBe('xtriage:xtriage');
  });

  test('creates the xtriage user and group before installing; stops the service on erase', () => {
    const scripts = q('--scripts');
    const pre = /preinstall scriptlet[^\n]*\n([\s\S]*?)(?=\n\S+ scriptlet|$)/.exec(scripts)![1]!;
    expect(pre).toMatch(/getent group xtriage >\/dev\/null \|\| groupadd -r xtriage/);
    expect(pre).toMatch(/useradd -r -g xtriage -d \/var\/lib\/xtriage -s \/sbin\/nologin/);
    expect(scripts).toMatch(/preuninstall scriptlet[\s\S]*disable --now xtriaged\.service/);
    expect(scripts).toMatch(/postinstall scriptlet[\s\S]*daemon-reload/);
  });

  test('installed into a scratch root, its xtriage command runs', () => {
    const root = path.join(work, 'root');
    fs.mkdirSync(root);
    sh('rpm', ['--root', root, '--dbpath', path.join(root, 'rpmdb'), '-i', '--nodeps', '--noscripts', rpmFile]);
    const r = spawnSync(path.join(root, 'usr', 'bin', 'xtriage'), ['analyze', path.join(root, 'usr', 'lib', 'xtriage', 'examples', 'sample-cluster', 'log')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` },
    });
    expect(r.stdout).toMatch(/^xtriage: \d+ sessions/m);
    expect(r.status).toBe(1);
  });
});

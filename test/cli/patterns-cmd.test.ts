// The knowledge base as admins use it: `xtriage patterns test|try|list`, local pattern
// directories (override by id, a broken file skipped), and unknown errors that surface.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AnalysisDoc } from '../../src/diagnose/diagnose';
import { DIST } from '../helpers/daemon';

jest.setTimeout(60_000);

const KB = path.join(__dirname, '..', 'fixtures-kb');

function xtriage(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(DIST, 'xtriage.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', XTRIAGE_PATTERNS_D: '/nonexistent', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('xtriage patterns test', () => {
  test('the shipped knowledge base passes', () => {
    const r = xtriage(['patterns', 'test']);
    expect(r.stdout).toMatch(/all good/);
    expect(r.status).toBe(0);
  });

  test('each broken file gives its exact message, file:line: pattern ID: what', () => {
    const r = xtriage(['patterns', 'test', path.join(KB, 'broken')]);
    expect(r.status).toBe(1);
    const b = (f: string): string => path.join(KB, 'broken', f);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `${b('bad-regex.yaml')}:4: pattern site.bad-regex: regex: nested quantifiers such as (a+)+ are not allowed`,
        `${b('bad-regex.yaml')}:10: pattern site.bad-title: title uses {device} but the regex has no group "device"`,
        `${b('bad-yaml.yaml')}:5: YAML: Missing closing 'quote`,
        `${b('no-examples.yaml')}:2: pattern site.no-examples: no examples: every pattern needs at least one real example line`,
        `${b('references.yaml')}:2: pattern site.a: explains unknown id "site.nowhere"`,
        `${b('references.yaml')}:11: pattern site.b: explains forms a cycle: site.a → site.b → site.a`,
        `${b('examples.yaml')}:8: pattern site.wrong-field: field fan: expected "4", got "3"`,
        `${b('examples.yaml')}:2: pattern site.wrong-field: counterexample matches: "Nov 24 18:15:17 cn09 site: WARNING fan 5 stopped"`,
        `${b('examples.yaml')}:19: pattern site.claims-shipped: example is also claimed by postboot.pbs-failed-ng with the same priority 0`,
      ]),
    );
    expect(lines[lines.length - 1]).toMatch(/problem\(s\)$/);
  });

  test('a good site file passes in the context of the shipped patterns', () => {
    const r = xtriage(['patterns', 'test', path.join(KB, 'site', 'lustre.yaml')]);
    expect(r.stdout).toMatch(/1 pattern\(s\), 0 rule\(s\), 2 example line\(s\): all good/);
    expect(r.status).toBe(0);
  });

  test('try: matches with fields, and near misses', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtp-'));
    const log = path.join(dir, 'computes.log');
    fs.writeFileSync(
      log,
      [
        'Nov 24 18:15:17 cn09 lustre_mount: ERR  mount.lustre: mount 10.0.0.5@o2ib:/scratch at /scratch failed: No such file or directory',
        'Nov 24 18:15:18 cn09 lustre_mount: ERR  mount.lustre: mount 10.0.0.5@o2ib:/scratch at /scratch was refused',
        'Nov 24 18:15:19 cn09 sshd[1]: Accepted publickey for root',
        '',
      ].join('\n'),
    );
    const r = xtriage(['patterns', 'try', path.join(KB, 'site', 'lustre.yaml'), log]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1: MATCH site.lustre-mount-failed  target=10.0.0.5@o2ib:/scratch mountpoint=/scratch reason=No such file or directory');
    expect(r.stdout).toMatch(/2: near {2}site\.lustre-mount-failed: starts like it/);
    expect(r.stdout).toContain('3 line(s): 1 matched, 1 nearly matched');
    const one = xtriage([
      'patterns',
      'try',
      path.join(KB, 'site', 'lustre.yaml'),
      '--line',
      'Nov 24 18:15:17 cn09 lustre_mount: ERR  mount.lustre: mount a at /b failed: x',
    ]);
    expect(one.stdout).toContain('MATCH site.lustre-mount-failed');
  });

  test('list shows where each pattern comes from, and local overrides', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtp-'));
    fs.writeFileSync(
      path.join(dir, 'override.yaml'),
      [
        'patterns:',
        '  - id: tftp.no-options',
        '    sources: [tftpd]',
        "    regex: '^tftp: client does not accept options$'",
        '    severity: info',
        '    priority: 20',
        '    title: site says this is fine',
        '    examples:',
        "      - line: 'Nov 24 10:00:43 mn01 in.tftpd[2345]: tftp: client does not accept options'",
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'zz-broken.yaml'), 'patterns: [ {id: x\n');
    const r = xtriage(['patterns', 'list'], { XTRIAGE_PATTERNS_D: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`tftp\\.no-options .*${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/override\\.yaml:2 {2}\\(overrides .*patterns/tftp\\.yaml:\\d+\\)`),
    );
    expect(r.stdout).toMatch(/^xcatd\.status-failed /m); // the shipped base is still there
    expect(r.stderr).toMatch(/zz-broken\.yaml:\d+: YAML/);
  });
});

describe('unknown errors', () => {
  /** The s09 fixture with the failing postbootscript replaced by a site script whose own error no shipped pattern knows. */
  function siteTree(): string {
    const src = path.join(__dirname, '..', 'fixtures', 's09-postbootscript-fails', 'log');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtu-'));
    fs.cpSync(src, dir, { recursive: true });
    for (const f of ['xcat/computes.log', 'xcat/cluster.log']) {
      const p = path.join(dir, f);
      // rsyslog puts only `xcat*` tags into cluster.log: the site script's line is in computes.log alone.
      const siteLine =
        f === 'xcat/computes.log'
          ? 'cn09 lustre_mount: ERR  mount.lustre: mount 10.0.0.5@o2ib:/scratch at /scratch failed: No such file or directory'
          : 'cn09 xcat: INFO  ready';
      const text = fs
        .readFileSync(p, 'utf8')
        .replace(/cn09 xcat: ERR {2}dnf -y install munge slurm-slurmd failed\./g, siteLine)
        .replace(/postbootscript otherpkgs return with 1/g, 'postbootscript lustre_mount return with 1')
        .replace(/Running postbootscript: otherpkgs/g, 'Running postbootscript: lustre_mount');
      fs.writeFileSync(p, text);
    }
    return dir;
  }

  test('an error no pattern knows is shown, grouped by template, below the known cause', () => {
    const dir = siteTree();
    const r = xtriage(['analyze', dir, '--json']);
    const doc = JSON.parse(r.stdout) as AnalysisDoc;
    const s = doc.sessions.find((x) => x.node === 'cn09')!;
    expect(s.outcome).toBe('failed');
    expect(s.rootCause!.pattern).toBe('postboot.pbs-failed-ng');
    expect(s.unknownErrors.map((u) => u.evidence[0]!.line)).toEqual([expect.stringContaining('mount.lustre: mount 10.0.0.5@o2ib:/scratch at /scratch failed')]);
    const u = doc.unknownErrors.find((x) => x.example.line.includes('mount.lustre'))!;
    expect(u.sessions).toEqual([s.id]);
    expect(u.failingSessions).toBe(1);
    expect(u.template).toBe('mount.lustre: mount <ip>@<name>:/scratch at /scratch failed: No such file or directory');
    const text = xtriage(['analyze', dir]).stdout;
    expect(text.indexOf('UNRECOGNISED ERROR LINES')).toBeGreaterThan(text.indexOf('NODES THAT DID NOT PROVISION'));
    expect(text).toContain('mount.lustre: mount 10.0.0.5@o2ib:/scratch at /scratch failed');
  });

  test('the same tree with a local pattern names it as the root cause', () => {
    const dir = siteTree();
    const r = xtriage(['analyze', dir, '--json'], { XTRIAGE_PATTERNS_D: path.join(KB, 'site') });
    const doc = JSON.parse(r.stdout) as AnalysisDoc;
    const s = doc.sessions.find((x) => x.node === 'cn09')!;
    expect(s.rootCause!.pattern).toBe('site.lustre-mount-failed');
    expect(s.rootCause!.title).toBe('Lustre 10.0.0.5@o2ib:/scratch did not mount on /scratch: No such file or directory');
    expect(s.symptoms.map((y) => y.pattern)).toEqual(expect.arrayContaining(['postboot.pbs-failed-ng']));
    expect(doc.unknownErrors.some((x) => x.example.line.includes('mount.lustre'))).toBe(false);
  });
});

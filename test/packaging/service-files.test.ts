// The shipped service files: the default config loads, the unit verifies, the identity parsers
// read what makehosts/makedhcp/dumpxCATdb write.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaults, loadConfigFile } from '../../src/config';
import { parseIdentity } from '../../src/sources/identity-files';
import { DAEMON_NODE_FLAGS } from '../../src/util/thread-priority';

const ROOT = path.join(__dirname, '..', '..');

test('the default /etc/xtriage/xtriaged.yaml loads and says what production needs', () => {
  const cfg = loadConfigFile(path.join(ROOT, 'systemd', 'xtriaged.yaml'), defaults());
  expect(cfg.logs).toBe('/var/log');
  expect(cfg.tcp).toEqual(['127.0.0.1:5514']);
  expect(cfg.socket).toBe('/run/xtriage/xtriaged.sock');
  expect(cfg.socketMode).toBe(0o660);
  expect(cfg.socketGroup).toBe('xtriage');
  expect(cfg.identityFiles).toContain('/etc/hosts');
});

test("the unit starts node with the daemon's node flags", () => {
  const unit = fs.readFileSync(path.join(ROOT, 'systemd', 'xtriaged.service'), 'utf8');
  const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(/\s+/);
  const script = exec.indexOf('/usr/lib/xtriage/dist/bin/xtriaged.js');
  expect(exec[0]).toBe('/usr/bin/node');
  expect(exec.slice(1, script)).toEqual([...DAEMON_NODE_FLAGS]);
});

test('systemd-analyze verify passes on the unit', () => {
  const which = spawnSync('sh', ['-c', 'command -v systemd-analyze']);
  if (which.status !== 0) {
    process.stdout.write('systemd-analyze not installed: unit not verified\n');
    return;
  }
  // Verify a copy whose ExecStart points at files that exist here.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xts-'));
  const unit = fs
    .readFileSync(path.join(ROOT, 'systemd', 'xtriaged.service'), 'utf8')
    .replace('/usr/bin/node', process.execPath)
    .replace('/usr/lib/xtriage/dist/bin/xtriaged.js', path.join(ROOT, 'dist', 'bin', 'xtriaged.js'));
  fs.writeFileSync(path.join(dir, 'xtriaged.service'), unit);
  const r = spawnSync('systemd-analyze', ['verify', path.join(dir, 'xtriaged.service')], { encoding: 'utf8' });
  // Missing users/groups are reported by some systemd versions when verifying off-target.
  const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() && !/User|Group|xtriage/.test(l));
  expect(problems).toEqual([]);
});

test('the rsyslog relay drop-in says what the Relay contract asks', () => {
  const conf = fs.readFileSync(path.join(ROOT, 'systemd', 'rsyslog-xtriage.conf'), 'utf8');
  expect(conf).toMatch(/\[origin ip=\\"%FROMHOST-IP%\\"\] %RAWMSG%/);
  expect(conf).toMatch(/TCP_Framing="octet-counted"/);
  expect(conf).toMatch(/queue\.type="LinkedList"/);
  expect(conf).toMatch(/queue\.filename=/);
  expect(conf).toMatch(/queue\.saveOnShutdown="on"/);
});

describe('identity files', () => {
  test('hosts, dhcpd.leases, xCAT mac.csv and hosts.csv', () => {
    expect(parseIdentity('/etc/hosts', '127.0.0.1 localhost\n10.0.0.11 cn01 cn01.cluster # comment\n\n10.0.0.12\tcn02\n')).toEqual([
      { ip: '10.0.0.11', node: 'cn01' },
      { ip: '10.0.0.12', node: 'cn02' },
    ]);
    const leases = [
      'host cn55 {',
      '  dynamic;',
      '  hardware ethernet 52:54:00:AA:BB:55;',
      '  fixed-address 10.0.0.55;',
      '}',
      'host cn56 {',
      '  dynamic;',
      '  deleted;',
      '}',
      'lease 10.0.200.31 {',
      '  starts 2 2026/11/24 21:00:41;',
      '  binding state active;',
      '  hardware ethernet 52:54:00:aa:bb:12;',
      '  client-hostname "localhost";',
      '}',
    ].join('\n');
    expect(parseIdentity('dhcpd.leases', leases)).toEqual([
      { mac: '52:54:00:aa:bb:55', node: 'cn55', ip: '10.0.0.55' },
      { mac: '52:54:00:aa:bb:12', ip: '10.0.200.31', node: 'localhost' },
    ]);
    expect(parseIdentity('mac.csv', '#node,interface,mac,comments,disable\n"cn01","eth0","52:54:00:aa:bb:01|52:54:00:aa:bb:81!cn01-ib",,\n')).toEqual([
      { mac: '52:54:00:aa:bb:01', node: 'cn01' },
      { mac: '52:54:00:aa:bb:81', node: 'cn01' },
    ]);
    expect(parseIdentity('hosts.csv', '#node,ip,hostnames,otherinterfaces,comments,disable\n"cn01","10.0.0.11",,,,\n')).toEqual([
      { ip: '10.0.0.11', node: 'cn01' },
    ]);
  });
});

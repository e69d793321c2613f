// A node powered on that never gets an address, and a MAC xCAT does not know asking dhcpd a
// moment later: one machine whose MAC in xCAT is wrong, shown as one row. Two strangers at that
// moment (or two silent nodes) are ambiguous: nothing is joined.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../src/analyze';
import { loadKb } from '../../src/patterns/kb';

const kb = loadKb([], { local: false });

async function run(messages: string[], cluster: string[]): Promise<import('../../src/contract').AnalysisDoc> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-macmis-'));
  try {
    fs.mkdirSync(path.join(root, 'xcat'));
    fs.writeFileSync(path.join(root, 'messages'), `${messages.join('\n')}\n`);
    fs.writeFileSync(path.join(root, 'xcat', 'cluster.log'), `${cluster.join('\n')}\n`);
    return (await analyze({ paths: [root], captures: [], kb, now: Date.parse('2026-11-24T10:30:00Z'), warn: () => {} })).doc;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const POWER = [
  'Nov 24 10:00:01 mn01 xcat[4101]: INFO xCAT: Allowing rinstall to cn07 osimage=rhels9.4-x86_64-install-compute for root from localhost',
  'Nov 24 10:00:04 mn01 xcat[4133]: INFO xcat.updatestatus - cn07: changing status=powering-on',
];
const STRANGER = (mac: string, t: string): string => `Nov 24 ${t} mn01 dhcpd[1234]: DHCPDISCOVER from ${mac} via ens4: network ens4: no free leases`;

test('the silent node and the stranger MAC become one failed row naming the MAC to set', async () => {
  const doc = await run([STRANGER('ac:1f:6b:a2:b6:d0', '10:01:37'), STRANGER('ac:1f:6b:a2:b6:d0', '10:01:41')], POWER);
  expect(doc.sessions).toHaveLength(1);
  const s = doc.sessions[0]!;
  expect(s).toMatchObject({ node: 'cn07', outcome: 'failed' });
  expect(s.rootCause!.pattern).toBe('identity.mac-mismatch');
  expect(s.rootCause!.title).toMatch(/cn07's MAC in xCAT is probably wrong: ac:1f:6b:a2:b6:d0 asked for an address 93s after cn07 was powered on/);
  expect(s.rootCause!.remedy).toContain('chdef cn07 mac=ac:1f:6b:a2:b6:d0');
  expect(s.rootCause!.evidence[0]!.line).toContain('DHCPDISCOVER from ac:1f:6b:a2:b6:d0');
});

test('two strangers at that moment: ambiguous, nothing joined', async () => {
  const doc = await run([STRANGER('ac:1f:6b:a2:b6:d0', '10:01:37'), STRANGER('ac:1f:6b:a2:b6:d1', '10:01:39')], POWER);
  expect(doc.sessions.map((s) => s.rootCause?.pattern).sort()).toEqual(['dhcp.no-free-leases', 'dhcp.no-free-leases', 'stall.poweron']);
});

test('a stranger long after the power-on is not this node', async () => {
  const doc = await run([STRANGER('ac:1f:6b:a2:b6:d0', '10:25:00')], POWER);
  expect(doc.sessions).toHaveLength(2);
  expect(doc.sessions.some((s) => s.rootCause?.pattern === 'identity.mac-mismatch')).toBe(false);
});

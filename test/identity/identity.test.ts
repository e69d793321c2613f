import { Identity, usableName } from '../../src/identity/identity';

describe('identity over time', () => {
  test('an IP handed to another MAC later does not merge two machines', () => {
    const id = new Identity();
    // Minutes apart, as two installs are.
    id.bind({ ip: '10.0.0.11', mac: '52:54:00:aa:bb:01' }, 1_000_000);
    id.bind({ ip: '10.0.0.11', mac: '52:54:00:aa:bb:02' }, 1_600_000);
    expect(id.resolve({ ip: '10.0.0.11' }, 1_200_000)).toBe('52:54:00:aa:bb:01');
    expect(id.resolve({ ip: '10.0.0.11' }, 1_700_000)).toBe('52:54:00:aa:bb:02');
  });
  test('a line shortly before the lease still belongs to the machine that got it', () => {
    const id = new Identity();
    id.bind({ ip: '10.0.0.12', mac: '52:54:00:aa:bb:03' }, 100_000);
    expect(id.resolve({ ip: '10.0.0.12' }, 99_000)).toBe('52:54:00:aa:bb:03');
    expect(id.resolve({ ip: '10.0.0.12' }, 100_000 - 3600_000)).toBe('ip:10.0.0.12');
  });
  test('names link to MACs through the IP a boot file was fetched from', () => {
    const id = new Identity();
    id.bind({ ip: '10.0.0.13', mac: '52:54:00:aa:bb:04' }, 1000);
    id.bind({ ip: '10.0.0.13', node: 'cn13' }, 2000);
    expect(id.resolve({ node: 'cn13' }, 500)).toBe('52:54:00:aa:bb:04');
    expect(id.nodeOfMac('52:54:00:aa:bb:04')).toBe('cn13');
  });
  test('localhost and installer names are never identities', () => {
    expect(usableName('localhost')).toBeNull();
    expect(usableName('localhost.localdomain')).toBeNull();
    expect(usableName('cn01.cluster.local')).toBe('cn01');
    const id = new Identity();
    expect(id.resolve({ node: 'localhost' }, 0)).toBeNull();
  });
  test('a name with no binding yet stays pending and resolves later', () => {
    const id = new Identity();
    expect(id.resolve({ node: 'cn20' }, 1000)).toBe('node:cn20');
    const g = id.generation;
    id.bind({ mac: '52:54:00:aa:bb:20', node: 'cn20' }, 2000);
    expect(id.generation).toBeGreaterThan(g);
    expect(id.resolve({ node: 'cn20' }, 1000)).toBe('52:54:00:aa:bb:20');
  });
});

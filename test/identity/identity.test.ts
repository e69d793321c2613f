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
  test('what a name resolves to does not depend on the order bindings were read in', () => {
    // A NIC replaced: the IP goes from the old MAC to the new one, and xcatd matches the IP to
    // the node before and after. Read in any order (live, a file can be read ahead of another),
    // every line must land where it lands when the lines come in time order.
    const OLD = '52:54:00:aa:bb:30';
    const NEW = '52:54:00:aa:bb:31';
    const binds: [number, { ip: string; mac?: string; node?: string }][] = [
      [1_000_000, { ip: '10.0.0.30', mac: OLD }],
      [1_006_000, { ip: '10.0.0.30', node: 'cn30' }],
      [1_800_000, { ip: '10.0.0.30', mac: NEW }],
      [2_400_000, { ip: '10.0.0.30', node: 'cn30' }],
      [2_460_000, { ip: '10.0.0.30', node: 'cn30' }],
    ];
    const asked = [1_010_000, 1_790_000, 2_000_000, 2_450_000, 3_000_000];
    const answers = (order: number[]): (string | null)[] => {
      const id = new Identity();
      for (const i of order) id.bind(binds[i]![1], binds[i]![0]);
      return [...asked.map((t) => id.resolve({ node: 'cn30' }, t)), id.nodeOfMac(NEW), id.nodeOfMac(OLD)];
    };
    const inTime = answers([0, 1, 2, 3, 4]);
    expect(inTime).toEqual([OLD, OLD, NEW, NEW, NEW, 'cn30', 'cn30']);
    const perms = (xs: number[]): number[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const order of perms([0, 1, 2, 3, 4])) expect([order, answers(order)]).toEqual([order, inTime]);
  });
});

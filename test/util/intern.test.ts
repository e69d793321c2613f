// Shared objects for what many kept lines say alike (util/intern.ts): equal content gives the
// same frozen object, different content a different one, and the tables stay bounded.
import { internFlat, internSubject } from '../../src/util/intern';

test('a subject is one frozen object per content, whatever object it came in', () => {
  const a = internSubject({ ip: '10.0.0.5' });
  const b = internSubject({ ip: '10.0.0.5' });
  expect(b).toBe(a);
  expect(Object.isFrozen(a)).toBe(true);
  expect(a).toEqual({ ip: '10.0.0.5' });
  // The same values in other places are other subjects.
  expect(internSubject({ node: '10.0.0.5' })).not.toBe(a);
  expect(internSubject({ mac: '52:54:00:aa:bb:01', ip: '10.0.0.5' })).not.toBe(a);
  expect(internSubject({ mac: '52:54:00:aa:bb:01', ip: '10.0.0.5' })).toEqual({ mac: '52:54:00:aa:bb:01', ip: '10.0.0.5' });
  expect(internSubject({})).toEqual({});
});

test('the subject table starts again past 200,000 contents instead of growing', () => {
  const first = internSubject({ node: 'cn-first' });
  for (let i = 0; i < 200_001; i++) internSubject({ ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, node: `n${i}` });
  const again = internSubject({ node: 'cn-first' });
  expect(again).toEqual(first);
  expect(again).not.toBe(first);
});

test('field objects: equal content shares one frozen object, found by identity the second time', () => {
  const f = { mac: '52:54:00:aa:bb:02', via: 'ens4' };
  const a = internFlat(f);
  expect(internFlat({ mac: '52:54:00:aa:bb:02', via: 'ens4' })).toBe(a);
  expect(internFlat(f)).toBe(a);
  expect(internFlat(a)).toBe(a);
  expect(Object.isFrozen(a)).toBe(true);
  expect(internFlat({ mac: '52:54:00:aa:bb:02', via: 'ens5' })).not.toBe(a);
});

test('subjects whose values joined would read the same stay apart', () => {
  // Joined as they are, each pair would be one text.
  const a = internSubject({ mac: 'ab', ip: 'c' });
  const b = internSubject({ mac: 'a', ip: 'bc' });
  expect(a).not.toBe(b);
  expect([a, b]).toEqual([
    { mac: 'ab', ip: 'c' },
    { mac: 'a', ip: 'bc' },
  ]);
  expect(internSubject({ ip: '10.0.0.7x' })).not.toBe(internSubject({ ip: '10.0.0.7', node: 'x' }));
  expect(internSubject({ mac: '1:a', node: 'n' })).not.toBe(internSubject({ mac: '', ip: 'a', node: 'n' }));
});

test('subjects that share an address, MAC or name but not all three are told apart', () => {
  const all = [
    { ip: '10.9.0.5' },
    { ip: '10.9.0.5', node: 'cn5' },
    { ip: '10.9.0.5', mac: '52:54:00:09:00:05' },
    { mac: '52:54:00:09:00:05' },
    { node: 'cn5' },
    { mac: '52:54:00:09:00:05', node: 'cn5' },
  ];
  for (let round = 0; round < 3; round++)
    for (const s of all) {
      expect(internSubject({ ...s })).toEqual(s);
      expect(internSubject({ ...s })).toBe(internSubject(s));
    }
});

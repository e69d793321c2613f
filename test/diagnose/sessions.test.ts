// One machine's lines split into attempts and judged (src/diagnose/sessions.ts), on real lines of
// cluster.log: an install that ends failed, a reinstall that opens a second attempt, an attempt
// that is still within its normal time (running) and the same one judged much later (stalled).
import { factsOf, segment, verdictOf } from '../../src/diagnose/sessions';
import { entriesFrom, kb } from '../helpers/entries';

const INSTALL = [
  'Nov 24 01:30:05 mn01 xcat[3103]: INFO xCAT: Allowing rinstall to cn43 osimage=rhels7.9-x86_64-install-compute for root from localhost',
  'Nov 24 01:30:09 mn01 xcat[3103]: INFO xcat.updatestatus - cn43: changing status=powering-on',
  'Nov 24 01:32:44 cn43 xcat.deployment: INFO  ============deployment starting============',
  'Nov 24 01:32:44 cn43 xcat.deployment: INFO  Running Anaconda Pre-Installation script...',
  'Nov 24 01:32:45 mn01 xcat[2692]: INFO xcat.updatestatus - cn43: changing status=installing',
  'Nov 24 01:42:22 cn43 xcat.deployment: INFO  Executing post.xcat to prepare for firstbooting ...',
  'Nov 24 01:43:06 cn43 xcat.deployment.postscript: INFO  postscript start..: site_tuning',
];
const FAILED = [
  'Nov 24 01:43:16 cn43 xcat.deployment.postscript: INFO  postscript end...: site_tuning return with 2',
  'Nov 24 01:43:20 mn01 xcat[2692]: INFO xcat.updatestatus - cn43: changing status=failed',
];
const AGAIN = [
  'Nov 24 02:10:05 mn01 xcat[3103]: INFO xCAT: Allowing rinstall to cn43 osimage=rhels7.9-x86_64-install-compute for root from localhost',
  'Nov 24 02:10:09 mn01 xcat[3103]: INFO xcat.updatestatus - cn43: changing status=powering-on',
  'Nov 24 02:12:44 cn43 xcat.deployment: INFO  ============deployment starting============',
];

test('an install that reports failed is one failed attempt; its failing step is among the errors', () => {
  const { attempts } = segment(entriesFrom([...INSTALL, ...FAILED]));
  expect(attempts).toHaveLength(1);
  const f = factsOf(attempts[0]!, kb.rules);
  const v = verdictOf(attempts[0]!, f, kb.rules, Date.UTC(2026, 10, 24, 2, 0), null);
  expect(v.outcome).toBe('failed');
  expect(f.errors.map((e) => e.rec.message).join('\n')).toMatch(/site_tuning return with 2/);
});

test('the MN starting an install again opens a second attempt; the first keeps its own lines', () => {
  const { attempts } = segment(entriesFrom([...INSTALL, ...FAILED, ...AGAIN]));
  expect(attempts).toHaveLength(2);
  expect(attempts[0]!.entries.some((e) => /return with 2/.test(e.rec.message))).toBe(true);
  expect(attempts[1]!.entries.some((e) => /return with 2/.test(e.rec.message))).toBe(false);
  expect(attempts[1]!.openedBy).toBe('mn');
});

test('an attempt inside its normal time is running; the same lines judged hours later have stalled at their last step', () => {
  const { attempts } = segment(entriesFrom(INSTALL));
  const a = attempts[0]!;
  const f = factsOf(a, kb.rules);
  const soon = verdictOf(a, f, kb.rules, Date.UTC(2026, 10, 24, 1, 44), null);
  expect(soon.outcome).toBe('running');
  const late = verdictOf(a, f, kb.rules, Date.UTC(2026, 10, 24, 9, 0), null);
  expect(late.outcome).toBe('stalled');
  expect(late.stall!.waitedS).toBeGreaterThan(late.stall!.normalS);
});

// Ports for test servers. By default the kernel picks one (port 0). On a machine shared with
// other runs, XT_TEST_PORTS=LO-HI keeps every listener the helpers open inside that range
// (random candidates; a port in use is skipped).
const m = /^(\d+)-(\d+)$/.exec(process.env.XT_TEST_PORTS ?? '');
export const PORT_RANGE: [number, number] | null = m ? [Number(m[1]), Number(m[2])] : null;

/** A port to try: 0 (any) without XT_TEST_PORTS, else a random one of the range. */
export function candidatePort(): number {
  if (!PORT_RANGE) return 0;
  const [lo, hi] = PORT_RANGE;
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

/** Calls `bind(port)` with candidates until it succeeds (at most 200 tries in a range). */
export async function bindSomewhere<T>(bind: (port: number) => Promise<T | null>): Promise<T> {
  for (let i = 0; i < (PORT_RANGE ? 200 : 5); i++) {
    const r = await bind(candidatePort());
    if (r !== null) return r;
  }
  throw new Error(`no free port${PORT_RANGE ? ` in ${PORT_RANGE.join('-')}` : ''}`);
}

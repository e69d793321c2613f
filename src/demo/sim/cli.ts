// Writes a generated cluster to disk: OUT/log (a /var/log-shaped tree), OUT/truth.json (ground
// truth, with each root-cause line as rendered) and optionally OUT/capture.jsonl (every datagram the
// nodes sent, in xtriage's capture format).
//
//   node dist/demo/sim/cli.js --nodes 300 --seed 7 --out /tmp/cluster [--start 2026-11-24T10:00:00Z]
//                        [--failures default|none] [--consoles 0.2] [--packages N] [--capture]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCluster, renderDatagrams, renderTree, truthWithLines } from './cluster';
import { formatCaptureLine } from '../../sources/capture-format';

interface CliArgs {
  nodes: number;
  seed: number;
  out: string;
  start: Date;
  failures: 'default' | 'none';
  consoles: number | undefined;
  packages: number | undefined;
  capture: boolean;
}

const USAGE = 'usage: gen --nodes N --seed S --out DIR [--start ISO] [--failures default|none] [--consoles SHARE] [--packages N] [--capture]';

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    nodes: 300,
    seed: 1,
    out: '',
    start: new Date('2026-11-24T10:00:00Z'),
    failures: 'default',
    consoles: undefined,
    packages: undefined,
    capture: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return x;
    };
    switch (a) {
      case '--nodes':
        args.nodes = Number(v());
        break;
      case '--seed':
        args.seed = Number(v());
        break;
      case '--out':
        args.out = v();
        break;
      case '--start':
        args.start = new Date(v());
        break;
      case '--failures': {
        const f = v();
        if (f !== 'default' && f !== 'none') throw new Error(USAGE);
        args.failures = f;
        break;
      }
      case '--consoles':
        args.consoles = Number(v());
        break;
      case '--packages':
        args.packages = Number(v());
        break;
      case '--capture':
        args.capture = true;
        break;
      case '-h':
      case '--help':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  if (!args.out || !Number.isFinite(args.nodes) || args.nodes < 1 || !Number.isFinite(args.seed) || Number.isNaN(args.start.getTime())) throw new Error(USAGE);
  return args;
}

export function run(argv: readonly string[]): { seconds: number; events: number; dir: string } {
  const args = parseArgs(argv);
  const t0 = Date.now();
  const cluster = generateCluster({
    nodes: args.nodes,
    seed: args.seed,
    start: args.start,
    failures: args.failures,
    ...(args.consoles !== undefined ? { consoles: args.consoles } : {}),
    ...(args.packages !== undefined ? { packages: args.packages } : {}),
  });
  const logDir = path.join(args.out, 'log');
  fs.rmSync(logDir, { recursive: true, force: true });
  const result = renderTree(cluster, logDir);
  fs.writeFileSync(path.join(args.out, 'truth.json'), `${JSON.stringify(truthWithLines(cluster, result), null, 1)}\n`);
  if (args.capture) {
    const fd = fs.openSync(path.join(args.out, 'capture.jsonl'), 'w');
    let buf = '';
    for (const d of renderDatagrams(cluster)) {
      buf += formatCaptureLine({ at: d.at, from: d.from, msg: d.datagram });
      if (buf.length > 1 << 20) {
        fs.writeSync(fd, buf);
        buf = '';
      }
    }
    fs.writeSync(fd, buf);
    fs.closeSync(fd);
  }
  return { seconds: (Date.now() - t0) / 1000, events: result.events, dir: args.out };
}

if (require.main === module) {
  try {
    const r = run(process.argv.slice(2));
    process.stderr.write(`wrote ${r.dir}: ${r.events} events in ${r.seconds.toFixed(1)} s\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
}

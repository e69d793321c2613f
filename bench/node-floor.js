#!/usr/bin/env node
// What Node itself costs per line, before any analysis: the floor under xtriage's offline speed.
// Reads every file below DIR in 4 MiB chunks, page cache warm, in one of three ways:
//   newlines  find the newlines only (Buffer.indexOf), no string made
//   lines     decode each chunk as UTF-8 and cut it into one string per line (what a reader must do)
//   regex     the same, plus one regex per line (the Apache access_log parse of src/sources/kinds/access-log.ts)
// Prints {mode, lines, ms} as JSON. bench/offline.js runs it next to grep.
//
//   node bench/node-floor.js DIR lines
'use strict';

const fs = require('node:fs');
const { StringDecoder } = require('node:string_decoder');
const { walkFiles } = require('./lib');

const ACCESS = /^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+)(?: [^"]*)?" (\d{3}) (\S+)/;

function run(dir, mode) {
  if (!['newlines', 'lines', 'regex'].includes(mode)) throw new Error(`mode: newlines, lines or regex (not ${mode})`);
  const files = walkFiles(dir);
  const buf = Buffer.allocUnsafe(4 << 20);
  let lines = 0;
  let sink = 0; // keeps the work observable, so none of it can be optimised away
  const t0 = process.hrtime.bigint();
  for (const f of files) {
    const fd = fs.openSync(f, 'r');
    const dec = new StringDecoder('utf8');
    let carry = '';
    for (;;) {
      const k = fs.readSync(fd, buf, 0, buf.length, null);
      if (!k) break;
      if (mode === 'newlines') {
        let i = -1;
        while ((i = buf.indexOf(10, i + 1)) !== -1 && i < k) lines++;
        continue;
      }
      const s = carry + dec.write(buf.subarray(0, k));
      let p = 0;
      let i;
      while ((i = s.indexOf('\n', p)) !== -1) {
        const line = s.slice(p, i);
        p = i + 1;
        lines++;
        if (mode === 'regex') {
          if (ACCESS.exec(line)) sink++;
        } else sink += line.length;
      }
      carry = s.slice(p);
    }
    fs.closeSync(fd);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { mode, lines, ms, sink };
}

if (require.main === module) {
  const [dir, mode] = process.argv.slice(2);
  if (!dir || !mode) {
    process.stderr.write('usage: node bench/node-floor.js DIR newlines|lines|regex\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(run(dir, mode))}\n`);
}

module.exports = { run };

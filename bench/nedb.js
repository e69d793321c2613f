// NeDB under xtriaged's load: 10,000 session documents saved, then compacted; the longest
// event-loop stall meanwhile (what UDP reception would feel).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { StateDb } = require('../dist/store/state-db.js');

function sessionDoc(i) {
  return {
    id: `s${i.toString(16).padStart(8, '0')}`,
    mac: `52:54:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
    node: `cn${String(i).padStart(5, '0')}`,
    outcome: i % 10 ? 'succeeded' : 'failed',
    stage: 'booted',
    startedAt: '2026-11-24T10:00:00.000+00:00',
    endedAt: '2026-11-24T10:13:05.000+00:00',
    rootCause:
      i % 10
        ? null
        : {
            pattern: 'http.postscript-forbidden',
            title: 'httpd refused postscript `mlnx` (403)',
            remedy: 'chmod a+r /install/postscripts/mlnx',
            evidence: [
              {
                at: '2026-11-24T10:10:20.000+00:00',
                source: 'httpd/access_log',
                line: `10.0.0.13 - - [24/Nov/2026:10:10:20 +0000] "GET /install/postscripts/mlnx HTTP/1.1" 403 199 "-" "curl/7.76.1"`,
              },
            ],
          },
    symptoms: [],
    milestones: Array.from({ length: 16 }, (_, k) => ({ stage: `s${k}`, at: '2026-11-24T10:00:00.000+00:00' })),
    attempts: 1,
    unknownErrors: [],
  };
}

async function main() {
  const n = Number(process.env.NEDB_SESSIONS ?? 10000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtb-nedb-'));
  const db = await StateDb.open(dir, (l) => console.log(l));
  let maxStall = 0;
  let last = Date.now();
  const probe = setInterval(() => {
    const now = Date.now();
    maxStall = Math.max(maxStall, now - last - 10);
    last = now;
  }, 10);
  let t = Date.now();
  const docs = Array.from({ length: n }, (_, i) => sessionDoc(i));
  await db.save(docs, []);
  const saveMs = Date.now() - t;
  const stallSave = maxStall;
  // Every document updated again (a live cluster's sessions change), then compacted.
  await db.save(
    docs.map((d) => ({ ...d, outcome: 'succeeded' })),
    [],
  );
  maxStall = 0;
  last = Date.now();
  t = Date.now();
  await db.compact();
  const compactMs = Date.now() - t;
  clearInterval(probe);
  const size = fs.statSync(path.join(dir, 'sessions.db')).size;
  console.log('NeDB session store');
  console.log(`  sessions                 ${n}`);
  console.log(`  save all (upserts)       ${saveMs} ms (${Math.round(n / (saveMs / 1000))}/s), longest event-loop stall ${stallSave} ms`);
  console.log(`  compaction               ${compactMs} ms, longest event-loop stall ${maxStall} ms, file ${(size / 1048576).toFixed(1)} MiB`);
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
main();

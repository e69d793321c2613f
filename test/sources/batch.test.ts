// Messages cross from the reception thread to the engine as batches: columns and one byte buffer
// (BatchBuilder), transferred, read back one message at a time (BatchReader). What comes out must
// be what went in: text (any UTF-8, hostile bytes kept as the receiver gave them), time, sender,
// transport, the cut flag, and the batch must close when full.

import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { BatchBuilder, BatchReader, flagsOf, type Batch } from '../../src/sources/batch';
import type { ReceivedMessage } from '../../src/sources/syslog-receiver';

const sent: ReceivedMessage[] = [
  {
    at: 1795608168000.5,
    from: '10.0.1.16',
    msg: '<166>1 2026-11-25T12:00:00Z localhost xcat.deployment - - - Running postscript: confignetwork',
    transport: 'udp',
  },
  { at: 1795608168001, from: '2001:db8::7', msg: 'Grüße, 日本語 and an emoji 🧪 in a node line', transport: 'tcp' },
  { at: 1795608168002, from: '10.0.1.16', msg: 'escape \u001b[31mred\u001b[0m {bold}tags{/bold} "quotes" \\ backslash', transport: 'udp', truncated: true },
  { at: 1795608168003, from: '127.0.0.1', msg: '', transport: 'tcp' },
  { at: 1795608168004, from: '10.0.1.17', msg: 'x'.repeat(70_000), transport: 'tcp', truncated: true },
];

/** Posts the batch through a real MessageChannel with its buffers transferred, as the thread does. */
function transfer(b: BatchBuilder): Batch {
  const { port1, port2 } = new MessageChannel();
  const { batch, transfer: buffers } = b.take();
  port1.postMessage(batch, buffers);
  const got = receiveMessageOnPort(port2)!.message as Batch;
  port1.close();
  // Transferred, not copied: the sender's views are detached.
  expect(batch.bytes.byteLength).toBe(0);
  return got;
}

test('a batch gives back every message as it was added, in order', () => {
  const b = new BatchBuilder();
  for (const m of sent) expect(b.add(m.at, m.from, Buffer.from(m.msg, 'utf8'), flagsOf(m.transport, m.truncated === true))).toBe(false);
  expect(b.n).toBe(sent.length);
  const r = new BatchReader(transfer(b));
  expect(r.size).toBe(sent.length);
  const got: ReceivedMessage[] = [];
  while (r.left > 0) got.push(r.next());
  expect(got).toEqual(sent);
  expect(r.left).toBe(0);
  // The builder starts over: the next batch holds only what came after.
  b.add(1, '10.0.0.9', Buffer.from('next'), flagsOf('udp', false));
  const again = new BatchReader(transfer(b));
  expect(again.size).toBe(1);
  expect(again.next()).toEqual({ at: 1, from: '10.0.0.9', msg: 'next', transport: 'udp' });
});

test('invalid UTF-8 reads as replacement characters, never throws', () => {
  const b = new BatchBuilder();
  b.add(5, '10.0.0.1', Buffer.from([0x3c, 0x31, 0x3e, 0xff, 0xfe, 0x00, 0x41, 0xc3]), flagsOf('udp', false));
  const m = new BatchReader(transfer(b)).next();
  expect(m.msg).toBe('<1>\ufffd\ufffd\u0000A\ufffd');
});

test('a batch says it is full at 4096 messages or 4 MiB of bytes', () => {
  const b = new BatchBuilder();
  const small = Buffer.from('m');
  for (let i = 0; i < 4095; i++) expect(b.add(i, '10.0.0.1', small, 0)).toBe(false);
  expect(b.add(4095, '10.0.0.1', small, 0)).toBe(true);
  const r = new BatchReader(transfer(b));
  expect(r.size).toBe(4096);
  const big = Buffer.alloc(1 << 20, 0x61);
  for (let i = 0; i < 3; i++) expect(b.add(i, '10.0.0.2', big, 0)).toBe(false);
  expect(b.add(3, '10.0.0.2', big, 0)).toBe(true);
  const r2 = new BatchReader(transfer(b));
  let bytes = 0;
  while (r2.left > 0) bytes += r2.next().msg.length;
  expect(bytes).toBe(4 << 20);
});

// Unit tests of the browser client's channel mux: batching of sequenced bursts, as ChannelMuxTest.java.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BATCH_MAX_BYTES, DATA, encodeBatch, encodeData, parseFrame } from '../client/framing.js';
import { ChannelMux } from '../client/mux.js';

const OPTIONS = {
  queueMaxMessages: 100, resendMaxMessages: 1000, resendMaxBytes: 1 << 24, highWaterBytes: 1 << 20,
  lowPriorityHighWaterBytes: 1 << 18, ackEveryMessages: 64, relayRewindMs: 3000,
};

/** Two muxes wired back to back; `sent` holds the code-sync data frames a sent to b. */
function pair() {
  const delivered = [];
  const errors = [];
  const sent = [];
  const acks = [];
  const a = new ChannelMux(OPTIONS, { deliver: () => {}, protocolError: (l, r) => errors.push(r) }, () => 0);
  const b = new ChannelMux(OPTIONS, {
    deliver: (label, seq, payload) => delivered.push(`${seq}:${payload.length}`),
    protocolError: (label, reason) => errors.push(reason),
  }, () => 0);
  const wire = (to, record) => ({
    send: (label, f) => {
      if (record && label === 'code-sync' && f[0] !== 0x02) {
        sent.push(f);
      }
      if (!record && label === 'code-sync' && f[0] === 0x02) {
        acks.push(new DataView(f.buffer, f.byteOffset).getUint32(5));
      }
      to.onFrame(label, f);
      return true;
    },
    buffered: () => 0,
    ready: () => true,
  });
  a.usePath(wire(b, true));
  b.usePath(wire(a, false));
  return { a, b, acks, delivered, errors, sent, wire };
}

const messagesPerFrame = (sent) => sent.map((f) => {
  const parsed = parseFrame(f);
  return parsed.kind === 'batch' ? parsed.payloads.length : 1;
});

test('messages sent in one task leave together in batches once it ends', async () => {
  const { a, delivered, sent } = pair();
  for (let i = 0; i < 40; i++) {
    assert.equal(a.offer('code-sync', new Uint8Array(1020)), null);
  }
  assert.equal(sent.length, 0, 'nothing leaves while the task runs');
  await Promise.resolve();
  // 1,024 bytes per entry with its length: 15 fit in 16 KiB with the header.
  assert.deepEqual(messagesPerFrame(sent), [15, 15, 10]);
  assert.deepEqual(delivered, Array.from({ length: 40 }, (_, i) => `${i + 1}:1020`));
});

test('a message too big for a batch goes alone between batches', async () => {
  const { a, delivered, sent } = pair();
  for (const size of [10, BATCH_MAX_BYTES + 1, 10, 10]) {
    a.offer('code-sync', new Uint8Array(size));
  }
  await Promise.resolve();
  assert.deepEqual(messagesPerFrame(sent), [1, 1, 2]);
  assert.equal(sent[1][0], DATA);
  assert.equal(delivered.length, 4);
});

test('after a path switch the unacknowledged are resent in a batch, and its duplicates acked at once', async () => {
  const { a, b, delivered, sent, wire } = pair();
  for (let i = 0; i < 5; i++) {
    a.offer('code-sync', new Uint8Array(10));
  }
  await Promise.resolve();
  a.usePath(wire(b, true));
  assert.deepEqual(messagesPerFrame(sent), [5, 5], 'all five unacknowledged (acks every 64)');
  assert.equal(delivered.length, 5, 'the resent batch is all duplicates');
  a.usePath(wire(b, true));
  assert.equal(sent.length, 2, 'the duplicates were acknowledged: nothing to resend');
});

test('a malformed batch is a protocol error and delivers nothing', () => {
  const { b, delivered, errors } = pair();
  b.onFrame('code-sync', new Uint8Array([0x03, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4, 1, 2, 3]));
  assert.deepEqual(errors, ['a batch entry of 4 bytes, 3 left']);
  assert.equal(delivered.length, 0);
});

test('messages sent in the task that disposes still leave', async () => {
  const { a, delivered, sent } = pair();
  for (let i = 0; i < 3; i++) {
    a.offer('code-sync', new Uint8Array(10));
  }
  a.dispose(new Error('closing'));
  assert.deepEqual(messagesPerFrame(sent), [3]);
  assert.equal(delivered.length, 3);
  await Promise.resolve();
  assert.equal(sent.length, 1, 'the microtask finds nothing left');
});

test('only sequenced channels wait for the end of the task', () => {
  const { a, b } = pair();
  a.offer('presence', new Uint8Array([1, 2]));
  assert.equal(b.channelStats('presence').messagesIn, 1, 'nothing to batch: sent at once');
});

test('a batch holding a duplicate is acknowledged at once even when it fills a gap', () => {
  const { b, acks, delivered } = pair();
  b.onFrame('code-sync', encodeData(1, new Uint8Array(1)));
  b.onFrame('code-sync', encodeData(2, new Uint8Array(1)));
  assert.deepEqual(acks, [], 'in order: acks wait for 64 messages or the timer');
  b.onFrame('code-sync', encodeData(4, new Uint8Array(1)));
  assert.deepEqual(acks, [2], 'ahead of a gap: acknowledged at once');
  b.onFrame('code-sync', encodeBatch(2, [new Uint8Array(1), new Uint8Array(1)]));
  assert.equal(delivered.length, 4);
  assert.deepEqual(acks, [2, 4], '2 was a duplicate: the sender is resending');
});

test('after the remote starts over, sequenced channels number from 1 both ways; nothing changes before', () => {
  const got = [];
  const sink = { deliver: (label, seq, payload) => got.push(`${seq}:${new TextDecoder().decode(payload)}`),
    protocolError: (l, r) => { throw new Error(r); } };
  const enc = (t) => new TextEncoder().encode(t);
  const a = new ChannelMux(OPTIONS, sink, () => 0);
  a.offer('code-sync', enc('queued first'));
  assert.equal(a.startOver(), 0, 'nothing exchanged: nothing changes');
  const link = (to) => ({ send: (label, f) => { to.onFrame(label, f); return true; }, buffered: () => 0, ready: () => true });
  const old = new ChannelMux(OPTIONS, sink, () => 0);
  old.usePath(link(a));
  a.usePath(link(old));
  assert.deepEqual(got, ['1:queued first'], 'a path pumps what waits');

  // The old instance goes without acknowledging; a message is offered with no path; a new instance comes.
  a.usePath(null);
  a.offer('code-sync', enc('never sent'));
  assert.equal(a.startOver(), 1, 'the message the old instance never acknowledged is dropped');
  const fresh = new ChannelMux(OPTIONS, sink, () => 0);
  fresh.usePath(link(a));
  a.usePath(link(fresh));
  fresh.offer('ai-stream', enc('from the new one'));
  fresh.flushDue();
  assert.deepEqual(got, ['1:queued first', '1:never sent', '1:from the new one']);
});

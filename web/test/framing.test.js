// Unit tests of the browser client's framing (docs/PROTOCOL.md "Data channels"), as strict as Frames.java.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACK, ACKED, BATCH, BATCH_ENTRY_BYTES, DATA, FrameError, HEADER_BYTES, PRESENCE_HEARTBEAT, encodeAck, encodeBatch,
  encodeData, encodeHeartbeat, parseFrame, withAck,
} from '../client/framing.js';

const bytes = (text) => new TextEncoder().encode(text);
const text = (view) => new TextDecoder().decode(view);

/** A frame of `kind` with an 8-byte number, then `rest`. */
function frame(kind, high, low, rest = []) {
  const out = new Uint8Array(HEADER_BYTES + rest.length);
  const view = new DataView(out.buffer);
  out[0] = kind;
  view.setUint32(1, high);
  view.setUint32(5, low);
  out.set(rest, HEADER_BYTES);
  return out;
}

test('data and ack frames round-trip', () => {
  const data = parseFrame(encodeData(7, bytes('hello')));
  assert.equal(data.kind, 'data');
  assert.equal(data.seq, 7);
  assert.equal(text(data.payload), 'hello');
  assert.deepEqual(parseFrame(encodeAck(2 ** 40 + 3)), { kind: 'ack', upTo: 2 ** 40 + 3 });
});

test('a batch round-trips as consecutive messages; a batch of one is a data frame', () => {
  const wire = encodeBatch(5, [bytes('five'), bytes(''), bytes('seven')]);
  assert.equal(wire[0], BATCH);
  assert.equal(wire.length, HEADER_BYTES + 3 * 4 + 9);
  const batch = parseFrame(wire);
  assert.equal(batch.kind, 'batch');
  assert.equal(batch.firstSeq, 5);
  assert.deepEqual(batch.payloads.map(text), ['five', '', 'seven']);
  assert.equal(batch.payloads[2].buffer.byteLength, 5, 'each message is a copy, not a view of the frame');
  const alone = parseFrame(encodeBatch(3, [bytes('x')]));
  assert.equal(alone.kind, 'data');
  assert.equal(alone.seq, 3);
});

test('an ack rides on a data or batch frame', () => {
  const onData = parseFrame(withAck(41, encodeData(7, bytes('hi'))));
  assert.equal(onData.kind, 'acked');
  assert.equal(onData.upTo, 41);
  assert.equal(onData.carried.kind, 'data');
  assert.equal(onData.carried.seq, 7);
  assert.equal(text(onData.carried.payload), 'hi');
  const wire = withAck(0, encodeBatch(3, [bytes('a'), bytes('b')]));
  assert.equal(wire[0], ACKED);
  assert.equal(wire.length, 2 * HEADER_BYTES + 2 * BATCH_ENTRY_BYTES + 2);
  const onBatch = parseFrame(wire);
  assert.equal(onBatch.upTo, 0, 'nothing delivered yet is a valid ack');
  assert.equal(onBatch.carried.kind, 'batch');
  assert.equal(onBatch.carried.firstSeq, 3);
  assert.deepEqual(onBatch.carried.payloads.map(text), ['a', 'b']);
});

test('a heartbeat carries the send time and a flags byte saying we read acked frames', () => {
  const beat = encodeHeartbeat(2 ** 40 + 5);
  assert.equal(beat.length, HEADER_BYTES + 1);
  assert.equal(beat[0], PRESENCE_HEARTBEAT);
  const view = new DataView(beat.buffer);
  assert.equal(view.getUint32(1) * 2 ** 32 + view.getUint32(5), 2 ** 40 + 5);
  assert.equal(beat[HEADER_BYTES], 0x01);
});

const malformed = [
  ['shorter than a header', new Uint8Array(3), 'a frame has at least 9 bytes, got 3'],
  ['an unknown kind', frame(7, 0, 1), 'unknown frame kind 7'],
  ['data numbered 0', frame(0x01, 0, 0, [1]), 'data sequence numbers start at 1'],
  ['a negative number', frame(ACK, 0x80000000, 0), 'negative sequence number'],
  ['a number beyond 2^53', frame(ACK, 2 ** 21, 0), 'sequence number beyond 2^53'],
  ['an ack with a payload', frame(ACK, 0, 1, [0]), 'an ack carries no payload'],
  ['an empty batch', frame(BATCH, 0, 1), 'an empty batch'],
  ['a batch numbered 0', frame(BATCH, 0, 0, [0, 0, 0, 0]), 'data sequence numbers start at 1'],
  ['a batch entry past the end', frame(BATCH, 0, 1, [0, 0, 0, 4, 1, 2, 3]), 'a batch entry of 4 bytes, 3 left'],
  ['a partial entry length', frame(BATCH, 0, 1, [0, 0, 0, 0, 0, 0]),
    'a batch entry needs a 4-byte length, 2 bytes left'],
  ['a batch running past 2^53', frame(BATCH, 2 ** 21 - 1, 0xffffffff, [0, 0, 0, 0, 0, 0, 0, 0]),
    'sequence number beyond 2^53'],
  ['an acked frame carrying nothing', frame(ACKED, 0, 1), 'an acked frame carries a data or batch frame, got 0 bytes'],
  ['an acked frame carrying a partial header', frame(ACKED, 0, 1, [DATA, 0, 0, 0, 0, 0, 0, 1]),
    'an acked frame carries a data or batch frame, got 8 bytes'],
  ['an ack riding on an ack', withAck(1, encodeAck(2)), 'an acked frame carries a data or batch frame, not kind 2'],
  ['an ack riding on an acked frame', withAck(1, withAck(2, encodeData(1, [1]))),
    'an acked frame carries a data or batch frame, not kind 4'],
  ['an acked frame with a negative ack', frame(ACKED, 0x80000000, 5, encodeData(1, [1])), 'negative sequence number'],
  ['acked data numbered 0', withAck(1, frame(DATA, 0, 0, [1])), 'data sequence numbers start at 1'],
  ['an acked empty batch', withAck(1, frame(BATCH, 0, 1)), 'an empty batch'],
];

for (const [what, wire, reason] of malformed) {
  test(`refuses ${what}`, () => {
    assert.throws(() => parseFrame(wire), (e) => e instanceof FrameError && e.message === reason);
  });
}

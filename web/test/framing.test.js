// Unit tests of the browser client's framing (docs/PROTOCOL.md "Data channels"), as strict as Frames.java.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACK, BATCH, FrameError, HEADER_BYTES, encodeAck, encodeBatch, encodeData, parseFrame,
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
];

for (const [what, wire, reason] of malformed) {
  test(`refuses ${what}`, () => {
    assert.throws(() => parseFrame(wire), (e) => e instanceof FrameError && e.message === reason);
  });
}

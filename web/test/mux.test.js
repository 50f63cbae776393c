// Unit tests of the browser client's channel mux: batching of sequenced bursts, as ChannelMuxTest.java.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACK, ACKED, BATCH_MAX_BYTES, DATA, encodeAck, encodeBatch, encodeData, parseFrame, withAck,
} from '../client/framing.js';
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
  assert.deepEqual(a.startOver(), [], 'nothing exchanged: nothing changes');
  const link = (to) => ({ send: (label, f) => { to.onFrame(label, f); return true; }, buffered: () => 0, ready: () => true });
  const old = new ChannelMux(OPTIONS, sink, () => 0);
  old.usePath(link(a));
  a.usePath(link(old));
  assert.deepEqual(got, ['1:queued first'], 'a path pumps what waits');

  // The old instance goes without acknowledging; a message is offered with no path; a new instance comes.
  a.usePath(null);
  a.offer('code-sync', enc('never sent'));
  assert.deepEqual(a.unconfirmed().map((m) => `${m.channel}:${new TextDecoder().decode(m.data)}`),
    ['code-sync:queued first', 'code-sync:never sent'], 'neither was acknowledged');
  const dropped = a.startOver();
  assert.deepEqual(dropped.map((m) => `${m.channel}:${new TextDecoder().decode(m.data)}`),
    ['code-sync:queued first'], 'the message the old instance never acknowledged is dropped, and handed back');
  const fresh = new ChannelMux(OPTIONS, sink, () => 0);
  fresh.usePath(link(a));
  a.usePath(link(fresh));
  fresh.offer('ai-stream', enc('from the new one'));
  fresh.flushDue();
  assert.deepEqual(got, ['1:queued first', '1:never sent', '1:from the new one']);
});

// ---- acks riding on data (framing.js ACKED), as ChannelMuxTest.java ------------------------------------------

const utf8 = (t) => new TextEncoder().encode(t);

/**
 * Two muxes wired back to back, as ChannelMuxTest.java's pair: `wires[i]` is mux i's path and records the
 * code-sync frames it carried (`data`: data, batch and acked frames; `acks`: the numbers plain acks carried).
 */
function duplex() {
  const delivered = [];
  const errors = [];
  const sink = { deliver: (label, seq, payload) => delivered.push(`${seq}:${new TextDecoder().decode(payload)}`),
    protocolError: (label, reason) => errors.push(reason) };
  const m = [new ChannelMux(OPTIONS, sink, () => 0), new ChannelMux(OPTIONS, sink, () => 0)];
  const wires = m.map((_, i) => {
    const wire = { data: [], acks: [], buffered: () => 0, ready: () => true };
    wire.send = (label, f) => {
      if (label === 'code-sync') {
        (f[0] === ACK ? wire.acks : wire.data).push(f[0] === ACK ? parseFrame(f).upTo : f);
      }
      m[1 - i].onFrame(label, f);
      return true;
    };
    return wire;
  });
  m.forEach((mux, i) => mux.usePath(wires[i]));
  return { m, wires, delivered, errors };
}

/** Offers `t` on code-sync and sends it now, as the end of the task would. */
function send(mux, t) {
  assert.equal(mux.offer('code-sync', utf8(t)), null);
  mux.flushDue();
}

/** The last code-sync data frame `wire` carried: its kind byte and, for an acked one, the ack. */
function lastFrame(wire) {
  const f = wire.data.at(-1);
  return f[0] === ACKED ? `acked ${parseFrame(f).upTo}` : `kind ${f[0]}`;
}

const unacked = (mux) => mux.pending('code-sync');

/** A heartbeat of nine bytes, kind and send time: the flags byte came later (an older peer reads no acked frames). */
const NINE_BYTE_HEARTBEAT = new Uint8Array(9);

test('acks ride on data going back once the remote says it reads them', () => {
  const { m, wires, delivered, errors } = duplex();
  send(m[0], 'a');
  send(m[1], 'b');
  assert.equal(lastFrame(wires[1]), 'kind 1', 'no word from the remote yet: a plain data frame');
  m[0].flushAcks();
  m[1].flushAcks();
  assert.deepEqual(wires[0].acks, [1]);
  assert.deepEqual(wires[1].acks, [1]);
  ChannelMux.heartbeat(wires[0]);
  ChannelMux.heartbeat(wires[1]);
  send(m[0], 'c');
  send(m[1], 'd');
  assert.equal(lastFrame(wires[0]), 'kind 1', 'nothing was owed');
  assert.equal(lastFrame(wires[1]), 'acked 2', 'the ack of c rides on d');
  assert.equal(unacked(m[0]), 0);
  send(m[0], 'e');
  assert.equal(lastFrame(wires[0]), 'acked 2', 'and the ack of d on e');
  assert.equal(unacked(m[1]), 0);
  m[0].flushAcks();
  assert.deepEqual(wires[0].acks, [1], "d's ack rode on e: nothing to send on its own");
  m[1].flushAcks();
  assert.deepEqual(wires[1].acks, [1, 3], 'nothing goes back: e is acknowledged on its own');
  assert.deepEqual(delivered, ['1:a', '1:b', '2:c', '2:d', '3:e']);
  assert.equal(unacked(m[0]) + unacked(m[1]), 0);
  assert.deepEqual(errors, []);
});

test('a heartbeat without the flag or a start-over stops acks riding on data', () => {
  const { m, wires, delivered } = duplex();
  ChannelMux.heartbeat(wires[0]);
  send(m[0], 'a');
  send(m[1], 'b');
  assert.equal(lastFrame(wires[1]), 'acked 1');
  m[1].onFrame('presence', NINE_BYTE_HEARTBEAT);
  send(m[0], 'c');
  send(m[1], 'd');
  assert.equal(lastFrame(wires[1]), 'kind 1', 'a remote that does not read them gets none');
  ChannelMux.heartbeat(wires[0]);
  m[1].startOver();
  // The new instance's first message, before any heartbeat of its own: an ack is owed to it.
  m[1].onFrame('code-sync', encodeData(1, utf8('new')));
  send(m[1], 'f');
  assert.equal(lastFrame(wires[1]), 'kind 1', 'a new instance says again what it reads');
  assert.deepEqual(delivered.slice(-1), ['1:new']);
});

test('a batch keeps room for an ack riding on it, only for a remote that reads them', () => {
  const { m, wires } = duplex();
  const burst = () => {
    for (let i = 0; i < 16; i++) {
      m[1].offer('code-sync', new Uint8Array(1019));
    }
    m[1].flushDue();
  };
  const messages = (frames) => frames.map((f) => {
    const parsed = parseFrame(f);
    const carried = parsed.kind === 'acked' ? parsed.carried : parsed;
    return carried.kind === 'batch' ? carried.payloads.length : 1;
  });
  // 16 entries of 1,023 bytes and the header: 16,377 bytes, one batch; 9 bytes of ack more would pass 16 KiB.
  burst();
  assert.deepEqual(messages(wires[1].data), [16], 'a remote that reads no acked frames: no room kept');
  ChannelMux.heartbeat(wires[0]);
  send(m[0], 'owed');
  burst();
  const frames = wires[1].data.slice(1);
  assert.deepEqual(messages(frames), [15, 1]);
  assert.equal(lastFrame({ data: frames.slice(0, 1) }), 'acked 1');
  assert.ok(frames.every((f) => f.length <= BATCH_MAX_BYTES), `${frames.map((f) => f.length)} bytes`);
});

test('a message too big for a batch carries no ack: it goes alone and the ack on its own', () => {
  const { m, wires } = duplex();
  ChannelMux.heartbeat(wires[0]);
  send(m[0], 'owed');
  assert.equal(m[1].offer('code-sync', new Uint8Array(BATCH_MAX_BYTES)), null);
  m[1].flushDue();
  assert.equal(lastFrame(wires[1]), 'kind 1', 'near a transport limit, 9 bytes more could be refused for ever');
  m[1].flushAcks();
  assert.deepEqual(wires[1].acks, [1]);
});

test('a malformed acked frame is a protocol error and its ack counts for nothing', () => {
  const { m, delivered, errors } = duplex();
  send(m[0], 'a');
  m[0].onFrame('code-sync', withAck(1, encodeAck(1)));
  m[0].onFrame('code-sync', withAck(1, new Uint8Array([DATA, 0, 0, 0, 0, 0, 0, 0, 0, 1])));
  assert.deepEqual(errors, ['an acked frame carries a data or batch frame, not kind 2',
    'data sequence numbers start at 1']);
  assert.equal(unacked(m[0]), 1, 'the ack in a broken frame counts for nothing');
  assert.deepEqual(delivered, ['1:a']);
});

// ---- files pacing (client/pacer.js): a mux on a fake clock and fake timers, its peer a fake path ----------

/**
 * Timers on the fake clock, each firing `clock.late` ms after it asked (a throttled page); `advance` fires
 * what falls due, in order, moving the clock to each.
 */
function fakeTimers(clock) {
  const pending = new Map();
  let nextId = 1;
  return {
    pending,
    set: (fn, ms) => {
      pending.set(nextId, { at: clock.now + ms + (clock.late ?? 0), fn });
      return nextId++;
    },
    clear: (id) => pending.delete(id),
    advance(ms) {
      const until = clock.now + ms;
      for (;;) {
        let due = null;
        for (const [id, t] of pending) {
          if (t.at <= until && (due === null || t.at < due.at)) {
            due = { id, ...t };
          }
        }
        if (due === null) {
          break;
        }
        pending.delete(due.id);
        clock.now = Math.max(clock.now, due.at);
        due.fn();
      }
      clock.now = until;
    },
  };
}

const FRAME = 16 * 1024;
const BASE_RTT = 0.125;

/**
 * One mux on a link whose peer answers each probe after `peer.rtt` ms (Infinity: never). `sent` holds what
 * the mux put on the link, with the time.
 */
function pacedMux(filesPacing = true) {
  const clock = { now: 1000 };
  const timers = fakeTimers(clock);
  const sent = [];
  const peer = { rtt: BASE_RTT, buffered: 0 };
  const errors = [];
  const mux = new ChannelMux({ ...OPTIONS, filesPacing }, { deliver: () => {}, protocolError: (l, r) => errors.push(r) },
    () => clock.now, timers);
  const link = {
    send: (label, frame) => {
      sent.push({ label, frame, at: clock.now });
      if (label === 'presence' && frame[0] === 0x02 && peer.rtt !== Infinity) {
        const reply = frame.slice();
        reply[0] = 0x03;
        timers.set(() => mux.onFrame('presence', reply), peer.rtt);
      }
      return true;
    },
    buffered: (label) => (label === 'files' ? peer.buffered : 0),
    ready: () => true,
    lossy: false,
  };
  mux.usePath(link);
  const probes = () => sent.filter((s) => s.label === 'presence' && s.frame[0] === 0x02);
  const files = () => sent.filter((s) => s.label === 'files');
  return { clock, timers, sent, peer, mux, link, errors, probes, files };
}

test('probes go out on presence while files wait, and none while files is idle', () => {
  const { timers, mux, probes, files } = pacedMux();
  timers.advance(100);
  assert.equal(probes().length, 0, 'idle: no probes');
  assert.equal(timers.pending.size, 0, 'idle: no timer either');

  mux.offer('files', new Uint8Array(FRAME));
  assert.equal(probes().length, 1, 'a probe at once');
  assert.equal(files().length, 0, 'nothing before the first probe is answered');
  timers.advance(BASE_RTT);
  assert.equal(files().length, 1, 'the answer lets the frame go');
  timers.advance(100);
  assert.equal(probes().length, 1, 'the queue emptied: no more probes');
  assert.equal(timers.pending.size, 0);

  for (let i = 0; i < 30; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  timers.advance(50);
  // One probe per 5 ms while frames wait (each answered within the interval).
  assert.ok(probes().length >= 10 && probes().length <= 12, `${probes().length} probes`);
});

test('probe answers drive the pacer: no queue raises the rate, a growing round trip lowers it', () => {
  const { timers, mux, peer } = pacedMux();
  const pacer = mux.filesPacer;
  const initial = pacer.rateBytesPerSecond;
  for (let i = 0; i < 90; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  assert.equal(pacer.calibrated, false);
  timers.advance(BASE_RTT);
  assert.ok(pacer.calibrated);
  assert.equal(pacer.baseMs(), BASE_RTT, 'the answered probe measured the round trip');
  timers.advance(50);
  const raised = pacer.rateBytesPerSecond;
  assert.ok(raised > initial * 1.5, `rate ${raised} after answers without a queue`);

  peer.rtt = BASE_RTT + 5;
  timers.advance(200);
  assert.ok(pacer.rateBytesPerSecond < raised / 2, `rate ${pacer.rateBytesPerSecond} after answers 5 ms late`);
});

test('files frames leave at the paced rate while code-sync frames go at once', () => {
  const { clock, timers, mux, peer, files, sent } = pacedMux();
  for (let i = 0; i < 60; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  timers.advance(BASE_RTT);
  const start = clock.now;
  const rate = mux.filesPacer.rateBytesPerSecond;
  peer.rtt = Infinity; // no further answers: the rate stays where it is
  timers.advance(50);
  mux.offer('code-sync', new Uint8Array(10));
  mux.flushDue();
  const codeSync = sent.filter((s) => s.label === 'code-sync');
  assert.equal(codeSync.length, 1);
  assert.equal(codeSync[0].at, clock.now, 'code-sync does not wait behind files');
  timers.advance(50);
  // A frame goes whenever the allowance is not in debt: 100 ms at the rate, plus the frame that opened it.
  const expected = (rate * (clock.now - start)) / 1000 / FRAME + 1;
  assert.ok(Math.abs(files().length - expected) <= 1.5, `${files().length} frames, expected about ${expected}`);
  assert.ok(mux.pending('files') > 0, 'the rest waits');
  const gaps = files().slice(1).map((f, i) => f.at - files()[i].at);
  assert.ok(gaps.every((g) => g >= 3), `spread out, not in a burst: ${gaps}`);

  peer.buffered = OPTIONS.lowPriorityHighWaterBytes;
  const before = files().length;
  timers.advance(50);
  assert.equal(files().length, before, 'the high-water mark still holds files back');
});

test('with filesPacing off files leave at once, no probes go out and answers are ignored', () => {
  const { timers, mux, files, probes, errors, link } = pacedMux(false);
  assert.equal(mux.filesPacer, null);
  for (let i = 0; i < 10; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  assert.equal(files().length, 10);
  assert.equal(probes().length, 0);
  assert.equal(timers.pending.size, 0);
  mux.onFrame('presence', new Uint8Array([0x03, 1, 2, 3, 4, 5, 6, 7, 8]));
  mux.onFrame('presence', new Uint8Array([0x02, 1, 2, 3, 4, 5, 6, 7, 8]));
  assert.deepEqual(errors, []);
  mux.usePath(link);
  assert.equal(files().length, 10);
});

test('a new path calibrates again, and the signaling relay is not paced', () => {
  const { timers, mux, link, files, probes, sent } = pacedMux();
  for (let i = 0; i < 5; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  timers.advance(BASE_RTT);
  assert.equal(files().length, 1);
  mux.usePath({ ...link });
  assert.equal(mux.filesPacer.calibrated, false);
  assert.equal(probes().length, 2, 'a new probe on the new path');
  const relayed = [];
  mux.usePath({ send: (label, f) => relayed.push(label) > 0, buffered: () => 0, ready: () => true, lossy: true });
  assert.deepEqual(relayed.filter((l) => l === 'files').length, 4, 'the relay takes files at its own pace');
  assert.equal(relayed.filter((l) => l === 'presence').length, 0, 'no probes over the relay');
  assert.ok(sent.length > 0);
});

test('while the page timers run late, files are held back by the high-water mark only, until one is on time', () => {
  const { clock, timers, mux, peer, files, probes } = pacedMux();
  for (let i = 0; i < 40; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  timers.advance(10);
  const paced = files().length;
  assert.ok(paced < 5, `${paced} frames paced in 10 ms`);
  clock.late = 1000; // a hidden tab: timers once a second
  timers.advance(2000);
  assert.equal(files().length, 40, 'a timer a second late cannot pace: the rest went at once');
  const probesWhileLate = probes().length;

  clock.late = 0;
  peer.buffered = OPTIONS.lowPriorityHighWaterBytes;
  for (let i = 0; i < 20; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  assert.equal(files().length, 40, 'the high-water mark holds');
  timers.advance(10);
  assert.ok(probes().length > probesWhileLate, 'a timer on time again: pacing probes');
  peer.buffered = 0;
  timers.advance(20);
  const after = files().length - 40;
  assert.ok(after > 0 && after < 10, `${after} frames in 20 ms: paced again`);
});

test('a probe is answered on the path it came on, not the one in use; a closed path drops it', () => {
  const mux = new ChannelMux(OPTIONS, { deliver: () => {}, protocolError: (l, r) => { throw new Error(r); } }, () => 0);
  const recording = () => {
    const path = { sent: [], open: true, lossy: false, buffered: () => 0 };
    path.ready = () => path.open;
    path.send = (label, frame) => path.sent.push(`${label}:${frame[0]}`) > 0;
    return path;
  };
  const relay = recording();
  const link = recording();
  mux.usePath(relay); // our end is still degraded; the prober already switched to the WebRTC link
  const probe = new Uint8Array([0x02, 1, 2, 3, 4, 5, 6, 7, 8]);
  mux.onFrame('presence', probe, link);
  assert.deepEqual(link.sent, ['presence:3'], 'answered on the link the probe came on');
  assert.deepEqual(relay.sent, []);
  link.open = false;
  mux.onFrame('presence', probe, link);
  assert.deepEqual(link.sent, ['presence:3'], 'a closed link: dropped');
  assert.deepEqual(relay.sent, [], 'not sent on the path in use either');
});

test('late timers are forgotten once the files queue empties: the next transfer starts paced', () => {
  const { clock, timers, mux, files, probes } = pacedMux();
  for (let i = 0; i < 40; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  timers.advance(10);
  clock.late = 1000; // a hidden tab: timers once a second
  timers.advance(2000);
  assert.equal(files().length, 40, 'late timers: the rest went unpaced and the queue emptied');
  assert.equal(timers.pending.size, 0, 'nothing waits: no timer comes to find them on time again');

  clock.late = 0; // the tab is shown again
  const probesBefore = probes().length;
  for (let i = 0; i < 20; i++) {
    mux.offer('files', new Uint8Array(FRAME));
  }
  assert.ok(files().length - 40 <= 2, `${files().length - 40} of 20 frames at once: the new transfer is paced`);
  assert.ok(probes().length > probesBefore, 'and probes');
});

test('critical messages either way make the files pacer judge by them; presence, files and heartbeats do not', () => {
  const clock = { now: 1000 };
  const timers = fakeTimers(clock);
  const sink = { deliver: () => {}, protocolError: (l, r) => { throw new Error(r); } };
  const mux = (filesPacing) => new ChannelMux({ ...OPTIONS, filesPacing }, sink, () => clock.now, timers);
  const wire = (to) => ({ send: (label, f) => { to.onFrame(label, f); return true; }, buffered: () => 0,
    ready: () => true, lossy: false });
  const a = mux(true);
  const b = mux(true);
  const aToB = wire(b);
  a.usePath(aToB);
  b.usePath(wire(a));
  assert.equal(a.filesPacedForCritical(), false);

  ChannelMux.heartbeat(aToB);
  a.offer('presence', new TextEncoder().encode('here'));
  a.offer('files', new Uint8Array(FRAME));
  assert.equal(b.heartbeatsReceived, 1);
  assert.equal(b.channelStats('presence').messagesIn, 1);
  assert.ok(a.filesPacer.calibrated, 'a probe went out and its answer came back');
  assert.equal(b.channelStats('files').messagesIn, 1);
  assert.equal(a.filesPacedForCritical(), false, 'presence and files are no reason to hold files back');
  assert.equal(b.filesPacedForCritical(), false);

  a.offer('code-sync', new TextEncoder().encode('x'));
  assert.ok(a.filesPacedForCritical(), 'the sender of a code-sync message');
  a.flushDue();
  assert.equal(b.channelStats('code-sync').messagesIn, 1);
  assert.ok(b.filesPacedForCritical(), 'its receiver');
  clock.now += 2000 - 0.125;
  assert.ok(a.filesPacedForCritical(), 'not yet quiet for 2 s');
  clock.now += 0.125;
  assert.equal(a.filesPacedForCritical(), false, 'quiet for 2 s');
  assert.equal(b.filesPacedForCritical(), false);

  b.offer('cursor-pos', new TextEncoder().encode('1,2'));
  assert.ok(a.filesPacedForCritical(), 'cursor positions count too');
  clock.now += 2000;
  assert.equal(a.filesPacedForCritical(), false);
  b.offer('ai-stream', new TextEncoder().encode('token'));
  b.flushDue();
  assert.ok(a.filesPacedForCritical(), 'and ai-stream');

  const unpaced = mux(false);
  unpaced.offer('code-sync', new TextEncoder().encode('x'));
  assert.equal(unpaced.filesPacedForCritical(), false, 'no pacer, nothing to judge');
  unpaced.dispose(new Error('done'));
});

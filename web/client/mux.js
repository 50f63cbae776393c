/**
 * The five channels of one remote peer, independent of the path under them (the WebRTC link, or the
 * signaling relay in degraded mode): a port of supervisor/ChannelMux.java. Sequenced channels keep every
 * message until acknowledged and rewind after a recovery; receivers deliver each number once, in order.
 * Every queue is bounded; the caller hears a refusal code instead of memory growing.
 * @module mux
 */
import { CHANNELS } from './channels.js';
import {
  BATCH_ENTRY_BYTES, BATCH_MAX_BYTES, HEADER_BYTES, HEARTBEAT_READS_ACKED, PRESENCE_DATA, PRESENCE_HEARTBEAT,
  PRESENCE_PROBE, PRESENCE_PROBE_REPLY, encodeAck, encodeBatch, encodeHeartbeat, encodePresence, parseFrame,
  withAck, ReliableReceiver, ReliableSender, ResendBufferFull, ReorderOverflow,
} from './framing.js';
import { DelayPacer } from './pacer.js';
import { Deque } from './util.js';

/**
 * @typedef {object} Path where frames go
 * @property {(label: string, frame: Uint8Array) => boolean} send false: not now, try again later
 * @property {(label: string) => number} buffered bytes waiting in the transport (0 where there is none)
 * @property {(label: string) => boolean} ready
 * @property {boolean} [lossy] frames can be lost (the signaling relay): stalled acks rewind the sender
 */

/**
 * @typedef {object} Sink where delivered messages go
 * @property {(label: string, seq: number, payload: Uint8Array) => void} deliver
 * @property {(label: string, reason: string) => void} protocolError
 */

/** Refusal codes of {@link ChannelMux#offer}. */
export const QUEUE_FULL = 'queue-full';
export const RESEND_BUFFER_FULL = 'resend-buffer-full';

/**
 * Messages that must not wait behind `files`, either way (the supervisor's CRITICAL and HIGH priorities): while
 * they move, the files pacer judges by what they typically wait. Presence, files, heartbeats and probes do not.
 */
const CRITICAL_LABELS = new Set(['code-sync', 'ai-stream', 'cursor-pos']);

/** A pacing wake-up later than this means the page's timers are throttled (hidden tabs: once a second). */
const LATE_TIMER_MS = 50;

/** The wake-ups the files pacer needs; tests pass fakes. */
const TIMERS = Object.freeze({
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (id) => clearTimeout(id),
});

function emptyStats() {
  return { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, resent: 0, duplicates: 0, protocolErrors: 0 };
}

export class ChannelMux {
  /**
   * @param {object} o options (see PeerMeshClient: queueMaxMessages, resendMaxMessages, resendMaxBytes,
   *     highWaterBytes, lowPriorityHighWaterBytes, ackEveryMessages, relayRewindMs, filesPacing)
   * @param {Sink} sink
   * @param {() => number} [now] monotonic clock in ms
   * @param {{set: (fn: Function, ms: number) => any, clear: (id: any) => void}} [timers] for the files pacer
   */
  constructor(o, sink, now = () => performance.now(), timers = TIMERS) {
    this.o = o;
    this.sink = sink;
    this.now = now;
    this.timers = timers;
    /** Paces `files` by the delay it causes (docs/SUPERVISOR.md); null when `filesPacing` is off. */
    this.filesPacer = o.filesPacing === true ? new DelayPacer({}, now) : null;
    this._pacerTimer = null;
    this._pacerWakeAt = Infinity;
    /** The last pacing wake-up came far too late for pacing to work. */
    this._timersLate = false;
    /** @type {Path|null} */
    this.path = null;
    /** The remote's heartbeats say it reads acks riding on data (HEARTBEAT_READS_ACKED). */
    this.remoteReadsAcked = false;
    this.lastHeartbeatAt = now();
    this.heartbeatsReceived = 0;
    this.sequenced = new Map();
    this.queues = new Map();
    this.stats = new Map();
    /** @type {Map<string, Array<{max:number, resolve:Function, reject:Function}>>} */
    this.drainWaiters = new Map();
    /** Sequenced channels offered to in the current task; pumped together once it ends. */
    this._pumpDue = new Set();
    for (const spec of CHANNELS) {
      this.stats.set(spec.label, emptyStats());
      if (spec.sequenced) {
        this.sequenced.set(spec.label, {
          sender: new ReliableSender(o.resendMaxMessages, o.resendMaxBytes),
          receiver: new ReliableReceiver(o.resendMaxMessages, o.resendMaxBytes),
          nextToTransmit: 1,
          highestTransmitted: 0,
          deliveredSinceAck: 0,
          lastAckedSent: 0,
          lastAckProgressAt: now(),
        });
      } else {
        this.queues.set(spec.label, new Deque());
      }
    }
  }

  /**
   * The remote is a new instance (a restarted server-side connection, a peer that started over): it numbers from
   * 1. If anything was exchanged with the old one, every sequenced channel starts over at 1 both ways: what was
   * sent but not acknowledged is dropped, what was never sent is kept, renumbered. As the Java supervisor does.
   * @returns {Array<{channel: string, data: Uint8Array}>} the messages dropped, oldest first per channel
   */
  startOver() {
    // The new instance may be of another version: it says again in its heartbeats what it reads.
    this.remoteReadsAcked = false;
    const exchanged = [...this.sequenced.values()]
      .some((s) => s.highestTransmitted > 0 || s.receiver.deliveredUpTo > 0);
    if (!exchanged) {
      return [];
    }
    const dropped = [];
    for (const [label, old] of this.sequenced) {
      const fresh = {
        sender: new ReliableSender(this.o.resendMaxMessages, this.o.resendMaxBytes),
        receiver: new ReliableReceiver(this.o.resendMaxMessages, this.o.resendMaxBytes),
        nextToTransmit: 1,
        highestTransmitted: 0,
        deliveredSinceAck: 0,
        lastAckedSent: 0,
        lastAckProgressAt: this.now(),
      };
      for (let seq = old.sender.firstUnacked; seq < old.sender.nextSeq; seq++) {
        if (seq <= old.highestTransmitted) {
          dropped.push({ channel: label, data: old.sender.payload(seq) });
        } else {
          fresh.sender.enqueue(old.sender.payload(seq));
        }
      }
      this.sequenced.set(label, fresh);
    }
    return dropped;
  }

  /**
   * Every message of the sequenced channels not acknowledged by the remote (sent or waiting), oldest first per
   * channel: what a remote that is gone for good may or may not have had.
   * @returns {Array<{channel: string, data: Uint8Array}>}
   */
  unconfirmed() {
    const out = [];
    for (const [label, s] of this.sequenced) {
      for (let seq = s.sender.firstUnacked; seq < s.sender.nextSeq; seq++) {
        out.push({ channel: label, data: s.sender.payload(seq) });
      }
    }
    return out;
  }

  /** Switches paths (null: none). Sequenced channels rewind to their oldest unacknowledged message. */
  usePath(path) {
    this.path = path;
    if (this.filesPacer) {
      // The new path's round trip is its own: calibrate again before the next file byte.
      this.filesPacer.reset();
    }
    if (path) {
      for (const s of this.sequenced.values()) {
        s.nextToTransmit = s.sender.firstUnacked;
        s.lastAckProgressAt = this.now();
      }
      this.pumpAll();
    }
  }

  /**
   * Accepts an application message (a private copy) and sends it if the path allows: at once, or for
   * sequenced channels when the current task ends, so that messages sent in one go travel in batches.
   * @returns {null|'queue-full'|'resend-buffer-full'}
   */
  offer(label, payload) {
    this._noteCritical(label);
    const s = this.sequenced.get(label);
    if (s) {
      try {
        s.sender.enqueue(payload);
      } catch (e) {
        if (e instanceof ResendBufferFull) {
          return RESEND_BUFFER_FULL;
        }
        throw e;
      }
    } else {
      const queue = this.queues.get(label);
      const framed = label === 'presence' ? encodePresence(payload) : payload;
      if (label === 'cursor-pos') {
        // Latest wins: a position nobody has sent yet is obsolete once a newer one exists.
        queue.clear();
      } else if (queue.length >= this.o.queueMaxMessages) {
        return QUEUE_FULL;
      }
      queue.push(framed);
      this.pump(label);
      return null;
    }
    this._pumpSoon(label);
    return null;
  }

  _pumpSoon(label) {
    if (this._pumpDue.size === 0) {
      queueMicrotask(() => this.flushDue());
    }
    this._pumpDue.add(label);
  }

  /** Pumps what offers left for the microtask now (called by it, and before the path goes away). */
  flushDue() {
    const due = CHANNELS.filter((spec) => this._pumpDue.has(spec.label));
    this._pumpDue.clear();
    for (const spec of due) {
      this.pump(spec.label);
    }
  }

  /**
   * Sends a heartbeat on presence over `via`, ahead of any queued presence data. It goes over a link that is
   * not yet the data path too: a heartbeat answered proves the link carries data.
   */
  static heartbeat(via) {
    if (via.ready('presence')) {
      via.send('presence', encodeHeartbeat());
    }
  }

  /** Milliseconds since the last heartbeat arrived. */
  silenceMs() {
    return this.now() - this.lastHeartbeatAt;
  }

  /** Marks the path alive now (a new path gets a fresh silence window). */
  resetSilence() {
    this.lastHeartbeatAt = this.now();
  }

  /** Sends what the path and the buffer limits allow, highest priority first. */
  pumpAll() {
    for (const spec of CHANNELS) {
      this.pump(spec.label);
    }
  }

  pump(label) {
    const path = this.path;
    if (path && path.ready(label)) {
      const s = this.sequenced.get(label);
      if (s) {
        this._pumpSequenced(label, s, path);
      } else if (label === 'files' && this._pacing()) {
        this._pumpPaced(path);
      } else {
        const queue = this.queues.get(label);
        const stats = this.stats.get(label);
        while (queue.length > 0 && this._roomFor(label, path)) {
          const frame = queue.peek();
          if (!path.send(label, frame)) {
            break;
          }
          queue.shift();
          stats.messagesOut++;
          stats.bytesOut += label === 'presence' ? frame.length - 1 : frame.length;
        }
      }
    }
    if (label === 'files' && this.queues.get('files').length === 0) {
      this._filesQueueEmptied();
    }
    this._wakeDrainWaiters(label);
  }

  /**
   * Forgets that timers ran late: that described the last upload. The next one starts paced (a tab shown again
   * meanwhile must not send its first burst unpaced); if timers still run late, its first wake-up says so.
   */
  _filesQueueEmptied() {
    this._timersLate = false;
  }

  _pumpSequenced(label, s, path) {
    const stats = this.stats.get(label);
    while (s.nextToTransmit < s.sender.nextSeq && this._roomFor(label, path)) {
      // Acknowledged meanwhile (e.g. over the other path): skip ahead.
      s.nextToTransmit = Math.max(s.nextToTransmit, s.sender.firstUnacked);
      const batch = this._nextBatch(s, this.remoteReadsAcked ? HEADER_BYTES : 0);
      if (batch.length === 0) {
        return;
      }
      // An ack owed the other way rides on this frame: its own send (and a wake-up of the remote) is spared
      // while messages flow both ways.
      // Only on a frame within the batch limit: 9 more bytes must not push a message near a transport's limit
      // over it, where it would be refused for ever.
      const ackUpTo = s.receiver.deliveredUpTo;
      const frame = encodeBatch(s.nextToTransmit, batch);
      const carriesAck = this.remoteReadsAcked && ackUpTo > s.lastAckedSent
        && frame.length + HEADER_BYTES <= BATCH_MAX_BYTES;
      if (!path.send(label, carriesAck ? withAck(ackUpTo, frame) : frame)) {
        return;
      }
      if (carriesAck) {
        s.lastAckedSent = ackUpTo;
        s.deliveredSinceAck = 0;
      }
      for (const payload of batch) {
        if (s.nextToTransmit > s.highestTransmitted) {
          s.highestTransmitted = s.nextToTransmit;
          stats.messagesOut++;
          stats.bytesOut += payload.length;
        } else {
          stats.resent++;
        }
        s.nextToTransmit++;
      }
    }
  }

  /**
   * The payloads from `nextToTransmit` on that fit one batch (one at least, when there is one), leaving
   * `reserve` bytes of it for an ack riding on it.
   */
  _nextBatch(s, reserve) {
    const batch = [];
    let bytes = HEADER_BYTES + reserve;
    for (let seq = s.nextToTransmit; seq < s.sender.nextSeq; seq++) {
      const payload = s.sender.payload(seq);
      const cost = BATCH_ENTRY_BYTES + payload.length;
      if (batch.length > 0 && bytes + cost > BATCH_MAX_BYTES) {
        break;
      }
      batch.push(payload);
      bytes += cost;
    }
    return batch;
  }

  /**
   * Files are paced on a WebRTC link only: on the signaling relay probes every 5 ms would use up its message
   * budget, and its delay is the relay's, not a queue files could drain.
   */
  _pacing() {
    return this.filesPacer !== null && this.path !== null && !this.path.lossy;
  }

  /**
   * `files` as the pacer's rate allows, probing while frames wait; a timer comes back for the rest. While the
   * page's timers run late (a hidden tab runs them once a second) a timer cannot pace: only the high-water
   * mark holds files back then, and the timer keeps checking whether they are on time again.
   */
  _pumpPaced(path) {
    const queue = this.queues.get('files');
    if (queue.length === 0) {
      return;
    }
    const pacer = this._timersLate ? null : this.filesPacer;
    const stats = this.stats.get('files');
    if (pacer) {
      this._probe(path, pacer);
    }
    while (queue.length > 0 && this._roomFor('files', path) && (!pacer || pacer.maySend())) {
      const frame = queue.peek();
      if (!path.send('files', frame)) {
        break;
      }
      pacer?.sent(frame.length);
      queue.shift();
      stats.messagesOut++;
      stats.bytesOut += frame.length;
    }
    if (queue.length > 0) {
      // Back when tokens suffice, and at least once per probe interval so probes keep flowing.
      const every = this.filesPacer.settings.probeEveryMs;
      this._wakePacerIn(pacer ? Math.min(pacer.waitMs(), every) : every);
    }
  }

  /** A pacing probe on presence when one is due; it bypasses presence's queue, as heartbeats do. */
  _probe(path, pacer) {
    if (!path.ready('presence') || !pacer.probeDue()) {
      return;
    }
    const probe = new Uint8Array(HEADER_BYTES);
    probe[0] = PRESENCE_PROBE;
    // The stamp is opaque to the peer: a float64 of our clock comes back bit for bit.
    new DataView(probe.buffer).setFloat64(1, pacer.probeSent());
    if (!path.send('presence', probe)) {
      pacer.probeNotSent();
    }
  }

  _wakePacerIn(ms) {
    const delay = Math.ceil(Math.max(1, ms));
    const at = this.now() + delay;
    if (this._pacerTimer !== null) {
      if (this._pacerWakeAt <= at) {
        return;
      }
      this.timers.clear(this._pacerTimer);
    }
    this._pacerWakeAt = at;
    this._pacerTimer = this.timers.set(() => {
      this._timersLate = this.now() - at > LATE_TIMER_MS;
      this._pacerTimer = null;
      this._pacerWakeAt = Infinity;
      this.pump('files');
    }, delay);
  }

  _cancelPacerTimer() {
    if (this._pacerTimer !== null) {
      this.timers.clear(this._pacerTimer);
      this._pacerTimer = null;
      this._pacerWakeAt = Infinity;
    }
  }

  /** Pacing: pause while the transport holds more than the channel's high-water mark. */
  _roomFor(label, path) {
    const limit = label === 'files' ? this.o.lowPriorityHighWaterBytes : this.o.highWaterBytes;
    return path.buffered(label) < limit;
  }

  /** True when anything is still waiting to go out. */
  backlogged() {
    for (const s of this.sequenced.values()) {
      if (s.nextToTransmit < s.sender.nextSeq) {
        return true;
      }
    }
    for (const queue of this.queues.values()) {
      if (queue.length > 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * A frame arrived on `label` from any path.
   * @param {Path} [via] the path it came on (default: the current one); a pacing probe is answered there
   */
  onFrame(label, raw, via = this.path) {
    const s = this.sequenced.get(label);
    if (!s) {
      if (label === 'presence') {
        if (raw.length > 0 && raw[0] === PRESENCE_HEARTBEAT) {
          this.lastHeartbeatAt = this.now();
          this.heartbeatsReceived++;
          // Every heartbeat says it again: a 9-byte one (an older peer) has no flags.
          this.remoteReadsAcked = raw.length > HEADER_BYTES && (raw[HEADER_BYTES] & HEARTBEAT_READS_ACKED) !== 0;
          return;
        }
        if (raw.length > 0 && (raw[0] === PRESENCE_PROBE || raw[0] === PRESENCE_PROBE_REPLY)) {
          this._onProbe(raw, via);
          return;
        }
        if (raw.length === 0 || raw[0] !== PRESENCE_DATA) {
          this._protocolError(label, 'presence frame without a kind byte');
          return;
        }
        raw = raw.subarray(1);
      }
      this._delivered(label, 0, raw);
      return;
    }
    let frame;
    try {
      frame = parseFrame(raw);
    } catch (e) {
      this._protocolError(label, e.message);
      return;
    }
    if (frame.kind === 'acked') {
      this._onAck(label, s, frame.upTo);
      frame = frame.carried;
    }
    if (frame.kind === 'ack') {
      this._onAck(label, s, frame.upTo);
      return;
    }
    const frames = frame.kind === 'batch'
      ? frame.payloads.map((payload, i) => ({ seq: frame.firstSeq + i, payload }))
      : [frame];
    let deliveredNow = 0;
    // A duplicate (the sender is resending) or a frame ahead of a gap is acknowledged at once, as alone.
    let ackNow = false;
    for (const data of frames) {
      let ready;
      try {
        ready = s.receiver.onData(data.seq, data.payload);
      } catch (e) {
        if (e instanceof ReorderOverflow) {
          this._protocolError(label, e.message);
          return;
        }
        throw e;
      }
      let seq = s.receiver.deliveredUpTo - ready.length;
      for (const payload of ready) {
        this._delivered(label, ++seq, payload);
      }
      deliveredNow += ready.length;
      ackNow ||= ready.length === 0;
    }
    s.deliveredSinceAck += deliveredNow;
    if (s.deliveredSinceAck >= this.o.ackEveryMessages || ackNow) {
      // A duplicate means the sender is resending: acknowledge at once so it stops.
      this._sendAck(label, s);
    }
  }

  /** An ack from the remote, alone or riding on data: the sender forgets what it covers. */
  _onAck(label, s, upTo) {
    const before = s.sender.firstUnacked;
    s.sender.onAck(upTo);
    if (s.sender.firstUnacked > before) {
      s.lastAckProgressAt = this.now();
    }
    this._wakeDrainWaiters(label);
  }

  /** A message goes to the application: every delivery on every channel passes here. */
  _delivered(label, seq, payload) {
    this._noteCritical(label);
    const stats = this.stats.get(label);
    stats.messagesIn++;
    stats.bytesIn += payload.length;
    this.sink.deliver(label, seq, payload);
  }

  /** Whether the files pacer now judges by what critical messages typically wait (false without pacing). */
  filesPacedForCritical() {
    return this.filesPacer !== null && this.filesPacer.judgesByMedian();
  }

  /** Critical messages, either way, make the files pacer judge by what they typically wait. */
  _noteCritical(label) {
    if (this.filesPacer !== null && CRITICAL_LABELS.has(label)) {
      this.filesPacer.criticalActivity();
    }
  }

  /**
   * Acknowledges whatever was delivered since the last ack (called every ackDelayMs). On a lossy path (the
   * signaling relay) a sender whose acks stall while frames are outstanding rewinds and sends them again.
   */
  flushAcks() {
    for (const [label, s] of this.sequenced) {
      if (s.receiver.deliveredUpTo > s.lastAckedSent) {
        this._sendAck(label, s);
      }
      if (this.path && this.path.lossy && s.sender.unackedCount > 0
          && s.nextToTransmit > s.sender.firstUnacked
          && this.now() - s.lastAckProgressAt > this.o.relayRewindMs) {
        s.nextToTransmit = s.sender.firstUnacked;
        s.lastAckProgressAt = this.now();
      }
    }
  }

  _sendAck(label, s) {
    const path = this.path;
    if (!path || !path.ready(label)) {
      return;
    }
    if (path.send(label, encodeAck(s.receiver.deliveredUpTo))) {
      s.lastAckedSent = s.receiver.deliveredUpTo;
      s.deliveredSinceAck = 0;
    }
  }

  /**
   * A peer's pacing probe (docs/PROTOCOL.md) is answered at once on the path it came on, whichever path we use:
   * right after a path switch the two ends may use different paths, and the prober listens on the one it probed
   * (an answer on ours may be refused or dropped). A closed path drops it; the prober sends another. An answer
   * to one of ours feeds the files pacer, which may now let frames go.
   */
  _onProbe(raw, via) {
    if (raw.length !== HEADER_BYTES) {
      this._protocolError('presence', `probe frame of ${raw.length} bytes, expected ${HEADER_BYTES}`);
      return;
    }
    if (raw[0] === PRESENCE_PROBE) {
      if (via && via.ready('presence')) {
        const reply = raw.slice();
        reply[0] = PRESENCE_PROBE_REPLY;
        via.send('presence', reply);
      }
      return;
    }
    if (this.filesPacer) {
      this.filesPacer.probeAnswered(new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getFloat64(1));
      this.pump('files');
    }
  }

  _protocolError(label, reason) {
    this.stats.get(label).protocolErrors++;
    this.sink.protocolError(label, reason);
  }

  /** Messages waiting: unacknowledged ones on sequenced channels, queued ones elsewhere. */
  pending(label) {
    const s = this.sequenced.get(label);
    return s ? s.sender.unackedCount : this.queues.get(label).length;
  }

  /**
   * Resolves once at most `max` messages of `label` wait to be sent (used to pace file chunks without
   * filling the bounded queue). Rejected by {@link ChannelMux#dispose}.
   */
  whenDrained(label, max) {
    if (this._waiting(label) <= max) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      let list = this.drainWaiters.get(label);
      if (!list) {
        list = [];
        this.drainWaiters.set(label, list);
      }
      list.push({ max, resolve, reject });
    });
  }

  _waiting(label) {
    const s = this.sequenced.get(label);
    return s ? s.sender.nextSeq - s.nextToTransmit : this.queues.get(label).length;
  }

  _wakeDrainWaiters(label) {
    const list = this.drainWaiters.get(label);
    if (!list || list.length === 0) {
      return;
    }
    const waiting = this._waiting(label);
    const keep = [];
    for (const w of list) {
      if (waiting <= w.max) {
        w.resolve();
      } else {
        keep.push(w);
      }
    }
    this.drainWaiters.set(label, keep);
  }

  /** Per-channel counters plus what is waiting. */
  channelStats(label) {
    const s = this.sequenced.get(label);
    return {
      ...this.stats.get(label),
      duplicates: s ? s.receiver.duplicates : 0,
      pending: this.pending(label),
    };
  }

  /** Drops every queue and rejects drain waiters (the peer is gone). */
  dispose(error) {
    this.flushDue();
    this._cancelPacerTimer();
    for (const queue of this.queues.values()) {
      queue.clear();
    }
    for (const list of this.drainWaiters.values()) {
      for (const w of list) {
        w.reject(error);
      }
    }
    this.drainWaiters.clear();
    this.path = null;
  }
}

/**
 * Channel framing (docs/PROTOCOL.md "Data channels"), a port of shared/.../channel/{Frames,
 * ReliableSender,ReliableReceiver}.java. Big-endian:
 * <pre>
 *   sequenced  DATA: 0x01, seq (8 bytes, from 1), payload      ACK: 0x02, upTo (8 bytes)
 *              BATCH: 0x03, seq of the first (8 bytes), then per message: length (4 bytes), payload
 *              ACKED: 0x04, upTo (8 bytes), then a DATA or BATCH frame = an ACK riding on data
 *   presence   0x00, send time in ms (8 bytes), flags (1 byte; 0x01: reads ACKED) = heartbeat
 *              0x01, payload = application data
 *              0x02, 8 opaque bytes = pacing probe             0x03, the probe's 8 bytes = its answer
 * </pre>
 * An ACKED frame spares the ack its own send when messages flow both ways; it goes only to a peer whose
 * heartbeats say it reads it (docs/PROTOCOL.md).
 * @module framing
 */

export const DATA = 0x01;
export const ACK = 0x02;
export const BATCH = 0x03;
export const ACKED = 0x04;
export const BATCH_ENTRY_BYTES = 4;
export const HEADER_BYTES = 9;
export const PRESENCE_HEARTBEAT = 0x00;
export const PRESENCE_DATA = 0x01;
export const PRESENCE_PROBE = 0x02;
export const PRESENCE_PROBE_REPLY = 0x03;
/** A heartbeat's tenth byte holds flags: this one says the sender reads ACKED frames (none: 9 bytes). */
export const HEARTBEAT_READS_ACKED = 0x01;

const TWO_32 = 2 ** 32;
/** Sequence numbers above this cannot be held exactly in a JS number. */
const MAX_SAFE_HIGH = 2 ** 21;

/** A frame that does not follow the format: the peer is broken or hostile. */
export class FrameError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FrameError';
  }
}

function writeU64(view, offset, value) {
  view.setUint32(offset, Math.floor(value / TWO_32));
  view.setUint32(offset + 4, value >>> 0);
}

function readU64(view, offset) {
  const high = view.getUint32(offset);
  if (high >= 0x80000000) {
    throw new FrameError('negative sequence number');
  }
  if (high >= MAX_SAFE_HIGH) {
    throw new FrameError('sequence number beyond 2^53');
  }
  return high * TWO_32 + view.getUint32(offset + 4);
}

/** DATA frame: 0x01 + seq + payload. */
export function encodeData(seq, payload) {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  out[0] = DATA;
  writeU64(view, 1, seq);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Bytes a batch may hold (ChannelMux.java BATCH_MAX_BYTES); one bigger message goes alone. */
export const BATCH_MAX_BYTES = 16 * 1024;

/** Consecutive messages from `firstSeq` in one frame: a DATA frame for one, else BATCH. */
export function encodeBatch(firstSeq, payloads) {
  if (payloads.length === 1) {
    return encodeData(firstSeq, payloads[0]);
  }
  let size = HEADER_BYTES;
  for (const payload of payloads) {
    size += BATCH_ENTRY_BYTES + payload.length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = BATCH;
  writeU64(view, 1, firstSeq);
  let offset = HEADER_BYTES;
  for (const payload of payloads) {
    view.setUint32(offset, payload.length);
    out.set(payload, offset + BATCH_ENTRY_BYTES);
    offset += BATCH_ENTRY_BYTES + payload.length;
  }
  return out;
}

/** ACK frame: 0x02 + upTo. */
export function encodeAck(upTo) {
  const out = new Uint8Array(HEADER_BYTES);
  out[0] = ACK;
  writeU64(new DataView(out.buffer), 1, upTo);
  return out;
}

/** ACKED frame: 0x04 + upTo, then `frame` (an encoded DATA or BATCH frame) that the ack rides on. */
export function withAck(upTo, frame) {
  const out = new Uint8Array(HEADER_BYTES + frame.length);
  out[0] = ACKED;
  writeU64(new DataView(out.buffer), 1, upTo);
  out.set(frame, HEADER_BYTES);
  return out;
}

/**
 * Parses one sequenced frame, exactly as strict as Frames.parse.
 * @param {Uint8Array} bytes
 * @returns {{kind:'data', seq:number, payload:Uint8Array}|{kind:'ack', upTo:number}
 *   |{kind:'batch', firstSeq:number, payloads:Uint8Array[]}|{kind:'acked', upTo:number, carried:object}}
 * @throws {FrameError}
 */
export function parseFrame(bytes) {
  if (bytes.length < HEADER_BYTES) {
    throw new FrameError(`a frame has at least ${HEADER_BYTES} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = bytes[0];
  const seq = readU64(view, 1);
  if (kind === DATA) {
    if (seq === 0) {
      throw new FrameError('data sequence numbers start at 1');
    }
    return { kind: 'data', seq, payload: bytes.subarray(HEADER_BYTES) };
  }
  if (kind === ACK) {
    if (bytes.length > HEADER_BYTES) {
      throw new FrameError('an ack carries no payload');
    }
    return { kind: 'ack', upTo: seq };
  }
  if (kind === BATCH) {
    return parseBatch(bytes, view, seq);
  }
  if (kind === ACKED) {
    return parseAcked(bytes.subarray(HEADER_BYTES), seq);
  }
  throw new FrameError(`unknown frame kind ${kind}`);
}

/** Consecutive messages the server sent together (Frames.java BATCH); payloads are views into `bytes`. */
function parseBatch(bytes, view, firstSeq) {
  if (firstSeq === 0) {
    throw new FrameError('data sequence numbers start at 1');
  }
  const payloads = [];
  let offset = HEADER_BYTES;
  while (offset < bytes.length) {
    const left = bytes.length - offset;
    if (left < BATCH_ENTRY_BYTES) {
      throw new FrameError(`a batch entry needs a ${BATCH_ENTRY_BYTES}-byte length, ${left} bytes left`);
    }
    const length = view.getUint32(offset);
    offset += BATCH_ENTRY_BYTES;
    if (length > bytes.length - offset) {
      throw new FrameError(`a batch entry of ${length} bytes, ${bytes.length - offset} left`);
    }
    if (!Number.isSafeInteger(firstSeq + payloads.length)) {
      throw new FrameError('sequence number beyond 2^53');
    }
    // A copy each: a view would keep the whole frame alive (and visible through .buffer) for every message.
    payloads.push(bytes.slice(offset, offset + length));
    offset += length;
  }
  if (payloads.length === 0) {
    throw new FrameError('an empty batch');
  }
  return { kind: 'batch', firstSeq, payloads };
}

/** An ack (`upTo`) with the DATA or BATCH frame it rides on (`carried`, parsed by the usual rules). */
function parseAcked(carried, upTo) {
  if (carried.length < HEADER_BYTES) {
    throw new FrameError(`an acked frame carries a data or batch frame, got ${carried.length} bytes`);
  }
  if (carried[0] !== DATA && carried[0] !== BATCH) {
    throw new FrameError(`an acked frame carries a data or batch frame, not kind ${carried[0]}`);
  }
  return { kind: 'acked', upTo, carried: parseFrame(carried) };
}

/** Presence heartbeat: 0x00 + send time (ms since the epoch) + flags: we read ACKED frames. */
export function encodeHeartbeat(nowMs = Date.now()) {
  const out = new Uint8Array(HEADER_BYTES + 1);
  out[0] = PRESENCE_HEARTBEAT;
  writeU64(new DataView(out.buffer), 1, Math.max(0, Math.floor(nowMs)));
  out[HEADER_BYTES] = HEARTBEAT_READS_ACKED;
  return out;
}

/** Presence application data: 0x01 + payload. */
export function encodePresence(payload) {
  const out = new Uint8Array(payload.length + 1);
  out[0] = PRESENCE_DATA;
  out.set(payload, 1);
  return out;
}

/** The resend buffer cannot take the message. */
export class ResendBufferFull extends Error {}

/**
 * Sender half of a sequenced channel: numbers each message and keeps it until acknowledged, bounded by
 * count and bytes; when full, {@link ReliableSender#enqueue} refuses instead of dropping anything.
 */
export class ReliableSender {
  constructor(maxMessages, maxBytes) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    /** @type {Uint8Array[]} unacknowledged payloads; index 0 has sequence number `_first` */
    this._items = [];
    this._start = 0;
    this._first = 1;
    this._next = 1;
    this._bytes = 0;
  }

  /**
   * Numbers `payload` (kept, not copied: the caller hands over a private copy).
   * @returns {number} its sequence number
   * @throws {ResendBufferFull}
   */
  enqueue(payload) {
    if (this.unackedCount >= this.maxMessages || this._bytes + payload.length > this.maxBytes) {
      throw new ResendBufferFull(`resend buffer full: ${this.unackedCount} unacknowledged, ${this._bytes} bytes`);
    }
    this._items.push(payload);
    this._bytes += payload.length;
    return this._next++;
  }

  /** Forgets everything up to `upTo`; acks for numbers never sent are clamped. */
  onAck(upTo) {
    while (this._first <= upTo && this._first < this._next) {
      this._bytes -= this._items[this._start].length;
      this._items[this._start] = undefined;
      this._start++;
      this._first++;
    }
    if (this._start > 1024 && this._start * 2 > this._items.length) {
      this._items = this._items.slice(this._start);
      this._start = 0;
    }
  }

  /** The unacknowledged payload with `seq`, or null. */
  payload(seq) {
    if (seq < this._first || seq >= this._next) {
      return null;
    }
    return this._items[this._start + (seq - this._first)];
  }

  /** Lowest unacknowledged sequence number, or nextSeq when everything is acknowledged. */
  get firstUnacked() {
    return this._first;
  }

  /** The number the next message gets. */
  get nextSeq() {
    return this._next;
  }

  get unackedCount() {
    return this._next - this._first;
  }

  get unackedBytes() {
    return this._bytes;
  }
}

/** Too many frames arrived ahead of a gap. */
export class ReorderOverflow extends Error {}

/**
 * Receiver half of a sequenced channel: delivers each sequence number once and in order; frames ahead of a
 * gap wait in a reorder buffer bounded by count and bytes.
 */
export class ReliableReceiver {
  constructor(maxReorder, maxReorderBytes) {
    this.maxReorder = maxReorder;
    this.maxReorderBytes = maxReorderBytes;
    /** @type {Map<number, Uint8Array>} */
    this._ahead = new Map();
    this._aheadBytes = 0;
    this._delivered = 0;
    this.duplicates = 0;
  }

  /**
   * @returns {Uint8Array[]} payloads deliverable now, in order; empty for a duplicate or a frame ahead of a gap
   * @throws {ReorderOverflow}
   */
  onData(seq, payload) {
    if (seq <= this._delivered || this._ahead.has(seq)) {
      this.duplicates++;
      return [];
    }
    if (seq !== this._delivered + 1) {
      if (this._ahead.size >= this.maxReorder || this._aheadBytes + payload.length > this.maxReorderBytes) {
        throw new ReorderOverflow(`frame ${seq} arrived while waiting for ${this._delivered + 1} and the reorder buffer is full`);
      }
      this._ahead.set(seq, payload);
      this._aheadBytes += payload.length;
      return [];
    }
    const ready = [payload];
    this._delivered = seq;
    for (;;) {
      const next = this._ahead.get(this._delivered + 1);
      if (next === undefined) {
        break;
      }
      this._ahead.delete(this._delivered + 1);
      this._aheadBytes -= next.length;
      ready.push(next);
      this._delivered++;
    }
    return ready;
  }

  /** Every number up to this one was delivered: the value to acknowledge. */
  get deliveredUpTo() {
    return this._delivered;
  }

  get waiting() {
    return this._ahead.size;
  }
}

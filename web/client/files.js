/**
 * File transfer over the `files` channel (reliable, ordered, paced below the other channels).
 *
 * Chunk protocol, version 1 (also in FILES.md). Every frame on `files` is one of:
 *
 *   control  a UTF-8 JSON object (first byte '{' = 0x7B) with a string field "t":
 *     {"t":"offer","v":1,"id","name","size","type","sha256","chunkSize"}  sender -> receiver
 *     {"t":"accept","id","offset"}     receiver -> sender: "I hold `offset` bytes, send from there"
 *     {"t":"end","id"}                 sender -> receiver: every byte up to `size` was sent
 *     {"t":"result","id","ok","sha256"} receiver -> sender: SHA-256 it computed, ok = it matches the offer
 *     {"t":"cancel","id","reason"}     either side: the transfer is over without a result
 *   chunk    0x01 | id (16 bytes) | offset (8 bytes, big-endian) | data
 *
 * `id` is 16 random bytes (32 hex digits in JSON), `sha256` 64 hex digits of the whole file.
 * Resume: the receiver answers every offer with `accept` carrying the bytes it already holds, also for an
 * offer with a new id when it kept a partial copy of the same content (same sha256 and size) from an
 * interrupted transfer. It takes only the chunk whose offset equals what it holds (ignoring duplicates and
 * answering a gap with a fresh `accept`); the sender restarts from any `accept` it gets. The sender offers
 * again after every recovery of the link and whenever no answer came for a while, so chunks lost with a
 * replaced connection are sent again. The receiver verifies SHA-256 as soon as it holds `size` bytes and
 * remembers recent results, so a repeated offer of a finished transfer is answered with its `result`.
 * @module files
 */
import { ErrorCode, PeerMeshError } from './errors.js';
import { fromUtf8, utf8 } from './channels.js';
import { sha256Hex } from './sha256.js';
import { bytesToHex, guard, hexToBytes, randomHex } from './util.js';

const CHUNK = 0x01;
const LEFT_BRACE = 0x7b;
const ID_BYTES = 16;
export const CHUNK_HEADER_BYTES = 1 + ID_BYTES + 8;
const ID = /^[0-9a-f]{32}$/;
const SHA = /^[0-9a-f]{64}$/;
const CONTROL = new Set(['offer', 'accept', 'end', 'result', 'cancel']);
/** Chunks waiting in the channel queue per transfer; bufferedAmount pacing does the rest. */
const IN_FLIGHT_CHUNKS = 4;
const PROGRESS_EVERY_MS = 100;
/** Offer again when the receiver has not answered for this long while the link is usable. */
const REOFFER_MS = 5000;
const GAP_REPEAT_MS = 2000;
const MAX_COMPLETED = 64;
const MAX_PARTIALS = 4;
const PARTIAL_TTL_MS = 10 * 60 * 1000;

function frameChunk(idBytes, offset, data) {
  const out = new Uint8Array(CHUNK_HEADER_BYTES + data.length);
  out[0] = CHUNK;
  out.set(idBytes, 1);
  const view = new DataView(out.buffer);
  view.setUint32(1 + ID_BYTES, Math.floor(offset / 2 ** 32));
  view.setUint32(1 + ID_BYTES + 4, offset >>> 0);
  out.set(data, CHUNK_HEADER_BYTES);
  return out;
}

export class FileTransfers {
  /** @param {import('./peermesh.js').PeerMeshClient} client */
  constructor(client) {
    this.client = client;
    this.o = client.options;
    /** @type {Map<string, object>} `${peer}/${id}` */
    this.outgoing = new Map();
    /** @type {Map<string, object>} `${peer}/${id}` */
    this.incoming = new Map();
    /** @type {Map<string, {ok:boolean, sha256:string}>} recent results, `${peer}/${id}` */
    this.completed = new Map();
    /** @type {Map<string, object>} interrupted downloads by content: `${sha256}/${size}` */
    this.partials = new Map();
    this.timer = setInterval(() => guard(() => this._sweep()), 1000);
  }

  // ---- sending -------------------------------------------------------------------------------------------

  /**
   * Sends a file to one, several or all peers (see PeerMeshClient#sendFile).
   * @returns {Promise<Object<string, {ok:boolean, sha256:string, error?:PeerMeshError}>>}
   */
  async send(input, opts = {}) {
    let bytes;
    if (input instanceof Uint8Array) {
      bytes = input;
    } else if (input instanceof ArrayBuffer) {
      bytes = new Uint8Array(input);
    } else if (typeof Blob !== 'undefined' && input instanceof Blob) {
      if (input.size > this.o.maxFileBytes) {
        throw new PeerMeshError(ErrorCode.FILE_TOO_LARGE, `${input.size} bytes exceed maxFileBytes ${this.o.maxFileBytes}`);
      }
      bytes = new Uint8Array(await input.arrayBuffer());
    } else {
      throw new PeerMeshError(ErrorCode.BAD_DATA, 'sendFile takes a File, a Blob, a Uint8Array or an ArrayBuffer');
    }
    if (bytes.length > this.o.maxFileBytes) {
      throw new PeerMeshError(ErrorCode.FILE_TOO_LARGE, `${bytes.length} bytes exceed maxFileBytes ${this.o.maxFileBytes}`);
    }
    const maxChunk = this.o.maxMessageBytes - CHUNK_HEADER_BYTES;
    const chunkSize = Math.max(1024, Math.min(maxChunk, Math.floor(opts.chunkSize ?? 16384)));
    const name = String(opts.name ?? input.name ?? 'file.bin').slice(0, 255) || 'file.bin';
    const type = String(opts.type ?? input.type ?? '').slice(0, 255) || 'application/octet-stream';
    const targets = this.client._targets(opts.to);
    const sha256 = await sha256Hex(bytes);
    const results = {};
    await Promise.all(targets.map((peer) => this._sendTo(peer, { bytes, name, type, sha256, chunkSize }, opts)
      .then(
        () => { results[peer] = { ok: true, sha256 }; },
        (error) => { results[peer] = { ok: false, sha256, error }; },
      )));
    return results;
  }

  _sendTo(peer, file, opts) {
    const id = randomHex(ID_BYTES);
    const t = {
      id, idBytes: hexToBytes(id), peer, ...file, size: file.bytes.length, offset: 0, restartFrom: null,
      accepted: false, sentEnd: false, finished: false, lastHeardAt: performance.now(), lastProgressAt: 0,
      onProgress: opts.onProgress, wake: null,
    };
    const key = `${peer}/${id}`;
    this.outgoing.set(key, t);
    const done = new Promise((resolve, reject) => {
      t.resolve = resolve;
      t.reject = reject;
    });
    if (opts.signal) {
      const abort = () => {
        this._control(peer, { t: 'cancel', id, reason: 'aborted' });
        this._finishOut(t, new PeerMeshError('aborted', 'the transfer was aborted', { peer }));
      };
      if (opts.signal.aborted) {
        abort();
        return done;
      }
      opts.signal.addEventListener('abort', abort, { once: true });
    }
    this._offer(t);
    this._run(t).catch((e) => this._finishOut(t, e));
    return done;
  }

  _offer(t) {
    this._control(t.peer, { t: 'offer', v: 1, id: t.id, name: t.name, size: t.size, type: t.type, sha256: t.sha256,
      chunkSize: t.chunkSize });
  }

  _signal(t) {
    const wake = t.wake;
    t.wake = null;
    wake?.();
  }

  _sleep(t) {
    return new Promise((resolve) => {
      t.wake = resolve;
    });
  }

  async _run(t) {
    const mux = this.client._muxOf(t.peer);
    while (!t.finished) {
      if (!t.accepted) {
        await this._sleep(t);
        continue;
      }
      if (t.restartFrom !== null) {
        t.offset = t.restartFrom;
        t.restartFrom = null;
        t.sentEnd = false;
      }
      if (t.offset < t.size) {
        await mux.whenDrained('files', IN_FLIGHT_CHUNKS);
        if (t.finished || t.restartFrom !== null) {
          continue;
        }
        const end = Math.min(t.size, t.offset + t.chunkSize);
        const refusal = this.client._sendRaw(t.peer, 'files', frameChunk(t.idBytes, t.offset, t.bytes.subarray(t.offset, end)));
        if (refusal === ErrorCode.QUEUE_FULL) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (refusal) {
          throw new PeerMeshError(refusal, `sending to ${t.peer}: ${refusal}`, { peer: t.peer });
        }
        t.offset = end;
        this._progress(t, end === t.size);
        continue;
      }
      if (!t.sentEnd) {
        t.sentEnd = true;
        this._control(t.peer, { t: 'end', id: t.id });
      }
      await this._sleep(t);
    }
  }

  _progress(t, force) {
    const now = performance.now();
    if (!force && now - t.lastProgressAt < PROGRESS_EVERY_MS) {
      return;
    }
    t.lastProgressAt = now;
    const detail = { direction: 'out', peer: t.peer, id: t.id, name: t.name, size: t.size, transferred: t.offset };
    if (t.onProgress) {
      guard(() => t.onProgress(detail));
    }
    this.client._emit('file-progress', detail);
  }

  _finishOut(t, error) {
    if (t.finished) {
      return;
    }
    t.finished = true;
    this.outgoing.delete(`${t.peer}/${t.id}`);
    this._signal(t);
    if (error) {
      t.reject(error);
    } else {
      t.resolve();
    }
  }

  // ---- receiving -----------------------------------------------------------------------------------------

  /**
   * A frame arrived on `files`.
   * @returns {boolean} true when it belonged to the file protocol
   */
  handle(from, bytes) {
    if (bytes.length >= CHUNK_HEADER_BYTES && bytes[0] === CHUNK) {
      this._onChunk(from, bytes);
      return true;
    }
    if (bytes.length === 0 || bytes[0] !== LEFT_BRACE) {
      return false;
    }
    let m;
    try {
      m = JSON.parse(fromUtf8(bytes));
    } catch {
      return false;
    }
    if (m === null || typeof m !== 'object' || !CONTROL.has(m.t)) {
      return false;
    }
    if (typeof m.id !== 'string' || !ID.test(m.id)) {
      this.client._count('files.bad-control');
      return true;
    }
    switch (m.t) {
      case 'offer': this._onOffer(from, m); break;
      case 'accept': this._onAccept(from, m); break;
      case 'end': this._onEnd(from, m); break;
      case 'result': this._onResult(from, m); break;
      default: this._onCancel(from, m);
    }
    return true;
  }

  _onOffer(from, m) {
    const key = `${from}/${m.id}`;
    const done = this.completed.get(key);
    if (done) {
      this._control(from, { t: 'result', id: m.id, ok: done.ok, sha256: done.sha256 });
      return;
    }
    let t = this.incoming.get(key);
    if (!t) {
      if (!Number.isSafeInteger(m.size) || m.size < 0 || typeof m.sha256 !== 'string' || !SHA.test(m.sha256)
          || typeof m.name !== 'string') {
        this.client._count('files.bad-offer');
        this._control(from, { t: 'cancel', id: m.id, reason: 'bad-offer' });
        return;
      }
      const refusal = this._admit(from, m);
      if (refusal) {
        this._control(from, { t: 'cancel', id: m.id, reason: refusal });
        return;
      }
      const contentKey = `${m.sha256}/${m.size}`;
      const partial = this.partials.get(contentKey);
      this.partials.delete(contentKey);
      t = {
        from, id: m.id, name: m.name.slice(0, 255) || 'file.bin', size: m.size,
        type: typeof m.type === 'string' ? m.type.slice(0, 255) : 'application/octet-stream',
        sha256: m.sha256, chunks: partial ? partial.chunks : [], received: partial ? partial.received : 0,
        verifying: false, requested: -1, requestedAt: 0, lastProgressAt: 0, lastHeardAt: performance.now(),
      };
      this.incoming.set(key, t);
      this._progressIn(t, true);
    }
    t.lastHeardAt = performance.now();
    this._requestFrom(t, true);
    if (t.received === t.size) {
      this._verify(t).catch(() => this.client._count('files.verify-failed'));
    }
  }

  /** Admission: size, concurrency and memory limits, and the application's acceptFile hook. */
  _admit(from, m) {
    if (m.size > this.o.maxFileBytes) {
      return 'file-too-large';
    }
    let mine = 0;
    let bytes = 0;
    for (const t of this.incoming.values()) {
      bytes += t.size;
      if (t.from === from) {
        mine++;
      }
    }
    if (mine >= this.o.maxIncomingFilesPerPeer || bytes + m.size > this.o.maxIncomingBytes) {
      return 'busy';
    }
    if (this.o.acceptFile) {
      const info = { from, id: m.id, name: m.name, size: m.size, type: m.type, sha256: m.sha256 };
      if (guard(() => this.o.acceptFile(info)) !== true) {
        return 'declined';
      }
    }
    return null;
  }

  /** Asks the sender for the bytes from what we hold (at most once per GAP_REPEAT_MS unless forced). */
  _requestFrom(t, force) {
    const now = performance.now();
    if (!force && t.requested === t.received && now - t.requestedAt < GAP_REPEAT_MS) {
      return;
    }
    t.requested = t.received;
    t.requestedAt = now;
    this._control(t.from, { t: 'accept', id: t.id, offset: t.received });
  }

  _onChunk(from, bytes) {
    const id = bytesToHex(bytes.subarray(1, 1 + ID_BYTES));
    const t = this.incoming.get(`${from}/${id}`);
    if (!t || t.verifying) {
      this.client._count('files.stray-chunks');
      return;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const offset = view.getUint32(1 + ID_BYTES) * 2 ** 32 + view.getUint32(1 + ID_BYTES + 4);
    let data = bytes.subarray(CHUNK_HEADER_BYTES);
    t.lastHeardAt = performance.now();
    if (offset > t.received) {
      // A gap: chunks were lost with a replaced connection. Ask for the rest from what we hold.
      this._requestFrom(t, false);
      return;
    }
    if (offset + data.length <= t.received) {
      this.client._count('files.duplicate-chunks');
      return;
    }
    data = data.subarray(t.received - offset);
    if (t.received + data.length > t.size) {
      this._dropIncoming(t, 'more data than announced');
      return;
    }
    t.chunks.push(data);
    t.received += data.length;
    this._progressIn(t, t.received === t.size);
    if (t.received === t.size) {
      this._verify(t).catch(() => this.client._count('files.verify-failed'));
    }
  }

  _onEnd(from, m) {
    const key = `${from}/${m.id}`;
    const done = this.completed.get(key);
    if (done) {
      this._control(from, { t: 'result', id: m.id, ok: done.ok, sha256: done.sha256 });
      return;
    }
    const t = this.incoming.get(key);
    if (t && !t.verifying && t.received < t.size) {
      this._requestFrom(t, false);
    }
  }

  _progressIn(t, force) {
    const now = performance.now();
    if (!force && now - t.lastProgressAt < PROGRESS_EVERY_MS) {
      return;
    }
    t.lastProgressAt = now;
    this.client._emit('file-progress', { direction: 'in', peer: t.from, from: t.from, id: t.id, name: t.name,
      size: t.size, transferred: t.received });
  }

  async _verify(t) {
    if (t.verifying) {
      return;
    }
    t.verifying = true;
    const whole = new Uint8Array(t.size);
    let at = 0;
    for (const c of t.chunks) {
      whole.set(c, at);
      at += c.length;
    }
    t.chunks = [];
    let actual;
    try {
      actual = await sha256Hex(whole);
    } catch (e) {
      actual = '';
    }
    const ok = actual === t.sha256;
    const key = `${t.from}/${t.id}`;
    this.incoming.delete(key);
    this.completed.set(key, { ok, sha256: actual });
    if (this.completed.size > MAX_COMPLETED) {
      this.completed.delete(this.completed.keys().next().value);
    }
    this._control(t.from, { t: 'result', id: t.id, ok, sha256: actual });
    const blob = ok && typeof Blob !== 'undefined' ? new Blob([whole], { type: t.type }) : null;
    this.client._emit('file', { from: t.from, id: t.id, name: t.name, size: t.size, type: t.type,
      sha256: t.sha256, actualSha256: actual, ok, blob, bytes: ok ? whole : null });
  }

  _dropIncoming(t, reason) {
    this.incoming.delete(`${t.from}/${t.id}`);
    this._control(t.from, { t: 'cancel', id: t.id, reason });
    this.client._count('files.dropped');
  }

  // ---- answers to the sender -----------------------------------------------------------------------------

  _onAccept(from, m) {
    const t = this.outgoing.get(`${from}/${m.id}`);
    if (!t) {
      return;
    }
    if (!Number.isSafeInteger(m.offset) || m.offset < 0 || m.offset > t.size) {
      this._control(from, { t: 'cancel', id: t.id, reason: 'bad-offset' });
      this._finishOut(t, new PeerMeshError(ErrorCode.FILE_REJECTED, `${from} asked for offset ${m.offset}`, { peer: from }));
      return;
    }
    t.lastHeardAt = performance.now();
    t.accepted = true;
    t.restartFrom = m.offset;
    this._signal(t);
  }

  _onResult(from, m) {
    const t = this.outgoing.get(`${from}/${m.id}`);
    if (!t) {
      return;
    }
    if (m.ok === true) {
      t.offset = t.size;
      this._progress(t, true);
      this._finishOut(t, null);
    } else {
      this._finishOut(t, new PeerMeshError(ErrorCode.FILE_CHECKSUM_MISMATCH,
        `${from} computed ${m.sha256}, expected ${t.sha256}`, { peer: from }));
    }
  }

  _onCancel(from, m) {
    const key = `${from}/${m.id}`;
    const out = this.outgoing.get(key);
    const reason = typeof m.reason === 'string' ? m.reason.slice(0, 200) : 'cancelled';
    if (out) {
      this._finishOut(out, new PeerMeshError(ErrorCode.FILE_REJECTED, `${from} cancelled: ${reason}`, { peer: from }));
    }
    const t = this.incoming.get(key);
    if (t && !t.verifying) {
      this.incoming.delete(key);
      this._keepPartial(t);
    }
  }

  // ---- link events, housekeeping -------------------------------------------------------------------------

  /**
   * The link to `peer` became usable again after a recovery: offer every unfinished transfer again so the
   * receiver reports what it holds (chunks in flight on a replaced connection are lost).
   */
  onPeerRecovered(peer) {
    for (const t of this.outgoing.values()) {
      if (t.peer === peer && !t.finished) {
        t.lastHeardAt = performance.now();
        this._offer(t);
      }
    }
  }

  /** The peer left: its uploads to us become partials (resumable), our transfers to it fail. */
  onPeerGone(peer, reason) {
    for (const t of [...this.outgoing.values()]) {
      if (t.peer === peer) {
        this._finishOut(t, new PeerMeshError(ErrorCode.PEER_LEFT, `${peer} left (${reason})`, { peer }));
      }
    }
    for (const [key, t] of [...this.incoming]) {
      if (t.from === peer && !t.verifying) {
        this.incoming.delete(key);
        this._keepPartial(t);
      }
    }
  }

  _keepPartial(t) {
    if (t.received === 0) {
      return;
    }
    this.partials.set(`${t.sha256}/${t.size}`, { chunks: t.chunks, received: t.received, at: performance.now() });
    while (this.partials.size > MAX_PARTIALS) {
      this.partials.delete(this.partials.keys().next().value);
    }
  }

  /** Every second: offers nobody answered are repeated; old partials expire. */
  _sweep() {
    const now = performance.now();
    for (const t of this.outgoing.values()) {
      const waiting = !t.accepted || (t.sentEnd && t.offset >= t.size);
      if (waiting && now - t.lastHeardAt > REOFFER_MS && this.client._usable(t.peer)) {
        t.lastHeardAt = now;
        this._offer(t);
      }
    }
    for (const [key, p] of [...this.partials]) {
      if (now - p.at > PARTIAL_TTL_MS) {
        this.partials.delete(key);
      }
    }
  }

  _control(peer, message) {
    const refusal = this.client._sendRaw(peer, 'files', utf8(JSON.stringify(message)));
    if (refusal) {
      this.client._count('files.control-refused');
    }
  }

  /** Fails every transfer (the client closes). */
  dispose() {
    clearInterval(this.timer);
    for (const t of [...this.outgoing.values()]) {
      this._finishOut(t, new PeerMeshError(ErrorCode.CLOSED, 'the client was closed', { peer: t.peer }));
    }
    this.incoming.clear();
    this.partials.clear();
  }
}

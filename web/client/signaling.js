/**
 * The client's seat in a room: the WebSocket protocol of docs/PROTOCOL.md, like supervisor/SignalingLink.java.
 * When the socket drops it reconnects to the same URL and resumes with the resume token (the room sees no
 * flap); after the grace period (`resume-failed`) it joins afresh. Outgoing messages wait in a bounded outbox
 * drained through a token bucket kept below the server's rate limit; relay frames (degraded mode) only use
 * spare tokens so they never starve offers, candidates or pings. Every inbound frame is validated; bad ones
 * are counted and ignored.
 * @module signaling
 */
import { ErrorCode, PeerMeshError } from './errors.js';
import { Deque, TokenBucket, guard } from './util.js';

/** Field types of every server message the client reads ('?' = optional). Extra fields are ignored. */
const SCHEMA = {
  joined: { v: 'integer', room: 'string', peer: 'string', peers: 'array', iceServers: 'array?', resumeToken: 'string',
    heartbeatMs: 'integer', resumeGraceMs: 'integer?', resumed: 'boolean?' },
  'peer-joined': { peer: 'string', room: 'string?' },
  'peer-left': { peer: 'string', room: 'string?', reason: 'string?' },
  offer: { from: 'string', sdp: 'string', connection: 'integer?' },
  answer: { from: 'string', sdp: 'string', connection: 'integer?' },
  candidate: { from: 'string', candidate: 'string?', sdpMid: 'string?', sdpMLineIndex: 'integer?', connection: 'integer?' },
  state: { from: 'string', state: 'string', previous: 'string?', reason: 'string?', attempt: 'integer?' },
  relay: { from: 'string', channel: 'string', data: 'string' },
  pong: { ref: 'string?', ts: 'integer?', serverTime: 'integer?' },
  error: { code: 'string', message: 'string?', field: 'string?', ref: 'string?' },
};

const PEER_ID = /^[A-Za-z0-9._-]{1,64}$/;

function typeOk(value, type) {
  const optional = type.endsWith('?');
  if (value === undefined || value === null) {
    return optional;
  }
  switch (optional ? type.slice(0, -1) : type) {
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    default: return false;
  }
}

/**
 * Checks one parsed server message against {@link SCHEMA}.
 * @returns {string|null} what is wrong, or null
 */
export function validateServerMessage(m) {
  const schema = SCHEMA[m.type];
  if (!schema) {
    return `unknown type ${m.type}`;
  }
  for (const [field, type] of Object.entries(schema)) {
    if (!typeOk(m[field], type)) {
      return `${m.type}.${field} must be ${type}`;
    }
  }
  for (const field of ['from', 'peer']) {
    if (typeof m[field] === 'string' && !PEER_ID.test(m[field])) {
      return `${m.type}.${field} is not a peer id`;
    }
  }
  if (m.type === 'joined' && !m.peers.every((p) => p && typeof p.peer === 'string' && PEER_ID.test(p.peer))) {
    return 'joined.peers must list {peer} objects';
  }
  return null;
}

/** Close codes after which reconnecting is pointless. */
const FATAL_CLOSE = new Map([[4001, 'auth-failed'], [4009, ErrorCode.REPLACED]]);
/** Join errors that end connect() (other ones are retried). */
const FATAL_JOIN = new Set(['auth-failed', 'token-expired', 'room-forbidden', 'unsupported-version', 'wrong-type',
  'missing-field', 'unknown-field', 'room-full', 'peer-id-in-use']);
/** Delivery errors that are retried (a session moving between nodes answers unknown-peer for a few ms). */
const RETRIED = new Set(['unknown-peer', 'peer-unreachable']);

export class SignalingLink {
  /**
   * @param {object} o
   * @param {string} o.url ws(s) URL of /signal
   * @param {object} o.join the join message without `resume`
   * @param {Function} [o.WebSocketImpl]
   * @param {{perSecond:number, burst:number}} o.rate
   * @param {number} o.maxQueued outbox bound
   * @param {number} o.maxFrameBytes server maxFrameBytes
   * @param {number} o.connectAttempts attempts before connect() gives up (before the first join)
   * @param {object} h handlers: onJoined(msg), onMessage(msg), onError(PeerMeshError), onStatus(status, info),
   *     count(name), isPresent(peer)
   */
  constructor(o, h) {
    this.o = o;
    this.h = h;
    this.WebSocketImpl = o.WebSocketImpl ?? globalThis.WebSocket;
    this.bucket = new TokenBucket(o.rate.perSecond, o.rate.burst);
    this.outbox = new Deque();
    /** @type {Map<string, {message: object, tries: number}>} recent addressed messages, for retries */
    this.sent = new Map();
    this.nextId = 1;
    this.ws = null;
    this.joined = null;
    this.resumeToken = null;
    this.everJoined = false;
    this.closed = false;
    this.status = 'idle';
    this.attempt = 0;
    this.rttMs = null;
    this._timers = new Set();
    this._pingTimer = null;
    this._drainTimer = null;
    this._first = null;
  }

  /** Connects and joins; resolves with the first `joined`. */
  open() {
    if (!this._first) {
      this._first = {};
      this._first.promise = new Promise((resolve, reject) => {
        this._first.resolve = resolve;
        this._first.reject = reject;
      });
      this._connect();
    }
    return this._first.promise;
  }

  get isJoined() {
    return this.ws !== null && this.joined !== null && !this.closed;
  }

  _setStatus(status, info) {
    if (this.status !== status) {
      this.status = status;
      guard(() => this.h.onStatus(status, info));
    }
  }

  _connect() {
    if (this.closed) {
      return;
    }
    this._setStatus(this.everJoined ? 'reconnecting' : 'connecting', { attempt: this.attempt });
    let ws;
    try {
      ws = new this.WebSocketImpl(this.o.url);
    } catch (e) {
      this._lost(null, 0, `cannot open ${this.o.url}: ${e.message}`);
      return;
    }
    this.ws = ws;
    this.joined = null;
    this.lastSeen = performance.now();
    const joinTimer = this._later(this.o.joinTimeoutMs, () => {
      if (this.ws === ws && this.joined === null) {
        this._drop(ws, 'no joined in time');
      }
    });
    ws.onopen = () => guard(() => {
      if (this.ws === ws) {
        this._sendJoin(ws);
      }
    }, (e) => this._internal(e));
    ws.onmessage = (event) => guard(() => this._onFrame(ws, event.data), (e) => this._internal(e));
    ws.onclose = (event) => guard(() => {
      clearTimeout(joinTimer);
      this._timers.delete(joinTimer);
      if (this.ws === ws) {
        this._lost(ws, event.code, event.reason);
      }
    }, (e) => this._internal(e));
    ws.onerror = () => {};
  }

  _sendJoin(ws) {
    const join = { ...this.o.join };
    if (this.resumeToken) {
      join.resume = this.resumeToken;
    }
    this.bucket.tryTake();
    ws.send(JSON.stringify(join));
  }

  _onFrame(ws, data) {
    if (this.ws !== ws) {
      return;
    }
    this.lastSeen = performance.now();
    if (typeof data !== 'string') {
      this.h.count('signal.binary');
      return;
    }
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      this.h.count('signal.bad-json');
      return;
    }
    if (m === null || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string') {
      this.h.count('signal.bad-json');
      return;
    }
    const problem = validateServerMessage(m);
    if (problem) {
      // Strict but quiet: counted (PeerMeshClient#counters) and ignored, never thrown.
      this.h.count(SCHEMA[m.type] ? 'signal.bad-message' : 'signal.unknown-type');
      this.lastProblem = problem;
      return;
    }
    switch (m.type) {
      case 'joined':
        this._onJoined(ws, m);
        break;
      case 'error':
        this._onError(ws, m);
        break;
      case 'pong':
        if (Number.isInteger(m.ts)) {
          this.rttMs = Math.max(0, Date.now() - m.ts);
        }
        break;
      default:
        if (this.joined === null) {
          this.h.count('signal.before-joined');
          return;
        }
        this.h.onMessage(m);
    }
  }

  _onJoined(ws, m) {
    if (this.joined !== null) {
      this.h.count('signal.duplicate-joined');
      return;
    }
    this.joined = m;
    this.resumeToken = m.resumeToken;
    this.everJoined = true;
    this.attempt = 0;
    this.heartbeatMs = Math.max(100, m.heartbeatMs);
    this._startPings(ws);
    this._setStatus('open', { resumed: m.resumed === true });
    this.h.onJoined(m);
    this._drain();
    if (this._first) {
      this._first.resolve(m);
    }
  }

  _onError(ws, m) {
    const error = new PeerMeshError(m.code, m.message ?? m.code, { field: m.field, ref: m.ref, fatal: false });
    if (this.joined === null) {
      if (m.code === 'resume-failed') {
        // The session ended (grace period over): join afresh on this socket.
        this.resumeToken = null;
        this._sendJoin(ws);
        return;
      }
      if (m.code === 'not-joined' || m.code === 'rate-limited') {
        this.h.onError(error);
        return;
      }
      // peer-id-in-use right after a close of the same id (React StrictMode, a quick reload) clears within
      // moments, so it is retried twice before it counts as a real clash.
      const clashMayClear = m.code === 'peer-id-in-use' && this.attempt < 2;
      // Authentication failures end the client even when resuming (an expired token will not get better);
      // the application makes a new client with a fresh token.
      const authFailed = ['auth-failed', 'token-expired', 'room-forbidden'].includes(m.code);
      if (authFailed || (FATAL_JOIN.has(m.code) && !this.everJoined && !clashMayClear)) {
        error.fatal = true;
        this._fail(error);
        return;
      }
      // Join refused while reconnecting (for instance the id is still held): try again later.
      this.h.onError(error);
      this._drop(ws, `join refused: ${m.code}`);
      return;
    }
    const original = m.ref !== undefined ? this.sent.get(m.ref) : undefined;
    if (original && RETRIED.has(m.code) && original.tries < 3 && this.h.isPresent(original.message.to)) {
      original.tries++;
      this._later(100 * original.tries, () => {
        if (this.h.isPresent(original.message.to)) {
          this._enqueue(original.message);
        }
      });
      return;
    }
    if (['auth-failed', 'token-expired', 'room-forbidden'].includes(m.code)) {
      error.fatal = true;
    }
    this.h.onError(error);
  }

  _startPings(ws) {
    clearInterval(this._pingTimer);
    const deadAfter = 2 * this.heartbeatMs + 2000;
    this._pingTimer = setInterval(() => guard(() => {
      if (this.ws !== ws) {
        return;
      }
      if (performance.now() - this.lastSeen > deadAfter) {
        // Nothing, not even a pong, for two heartbeats: the socket is dead even if the browser has not noticed.
        this._drop(ws, 'signaling silent');
        return;
      }
      // Straight out, ahead of any backlog: a ping stuck behind the outbox would starve the watchdog above.
      this.bucket.tryTake();
      ws.send(JSON.stringify({ type: 'ping', ts: Date.now() }));
    }, (e) => this._internal(e)), this.heartbeatMs);
  }

  /** Gives up a socket now (handlers detached) and reconnects. */
  _drop(ws, reason) {
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close(4000, reason.slice(0, 100));
    } catch {
      // already closing
    }
    if (this.ws === ws) {
      this._lost(ws, 0, reason);
    }
  }

  _lost(ws, code, reason) {
    this.ws = null;
    this.joined = null;
    clearInterval(this._pingTimer);
    this._pingTimer = null;
    if (this.closed) {
      return;
    }
    if (FATAL_CLOSE.has(code)) {
      this._fail(new PeerMeshError(FATAL_CLOSE.get(code), `signaling closed the socket: ${code} ${reason ?? ''}`,
        { fatal: true }));
      return;
    }
    // Always try to resume, even after a 1000 from the server: `resume-failed` says when to join afresh.
    this.attempt++;
    if (!this.everJoined && this.attempt >= this.o.connectAttempts) {
      this._fail(new PeerMeshError(ErrorCode.SIGNALING_UNAVAILABLE,
        `could not join through ${this.o.url} after ${this.attempt} attempts (${code} ${reason ?? ''})`,
        { fatal: true }));
      return;
    }
    // Full jitter, 250 ms doubling up to 10 s: a node restart does not bring every client back at once.
    const ceiling = Math.min(10000, 250 * 2 ** Math.min(this.attempt - 1, 10));
    this._setStatus(this.everJoined ? 'reconnecting' : 'connecting', { attempt: this.attempt, code, reason });
    this._later(Math.round(Math.random() * ceiling), () => this._connect());
  }

  _fail(error) {
    const ws = this.ws;
    this.closed = true;
    this.ws = null;
    this.joined = null;
    this._clearTimers();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close();
      } catch {
        // ignore
      }
    }
    this._setStatus('closed', { error });
    if (this._first) {
      this._first.reject(error);
    }
    this.h.onError(error);
  }

  /**
   * Queues a control message (offer, answer, candidate, state, ping) in the bounded outbox. Messages with
   * `to` get an `id` so an `unknown-peer` caused by a session moving between nodes can be retried.
   * @returns {boolean} false when the outbox is full (the message is dropped)
   */
  send(message) {
    if (this.closed) {
      return false;
    }
    if (message.to !== undefined) {
      message.id = `m${this.nextId++}`;
      this.sent.set(message.id, { message, tries: 0 });
      if (this.sent.size > 256) {
        this.sent.delete(this.sent.keys().next().value);
      }
    }
    return this._enqueue(message);
  }

  _enqueue(message) {
    if (this.outbox.length >= this.o.maxQueued) {
      this.h.count('signal.outbox-full');
      this.h.onError(new PeerMeshError(ErrorCode.SIGNALING_QUEUE_FULL,
        `signaling outbox holds ${this.o.maxQueued} messages; dropped a ${message.type}`, { fatal: false }));
      return false;
    }
    this.outbox.push(JSON.stringify(message));
    this._drain();
    return true;
  }

  /**
   * Sends a relay frame now if the socket is joined, nothing else waits and a spare token exists.
   * @returns {boolean} false: try again later (the channel keeps the frame)
   */
  trySendRelay(to, channel, data) {
    const ws = this.ws;
    if (!ws || this.joined === null || this.outbox.length > 0 || ws.bufferedAmount > 256 * 1024) {
      return false;
    }
    const text = JSON.stringify({ type: 'relay', to, channel, data });
    if (text.length > this.o.maxFrameBytes) {
      this.h.count('signal.relay-too-large');
      return false;
    }
    if (!this.bucket.tryTake(Math.floor(this.o.rate.burst / 5))) {
      return false;
    }
    ws.send(text);
    return true;
  }

  _drain() {
    const ws = this.ws;
    if (!ws || this.joined === null || this._drainTimer !== null) {
      return;
    }
    while (this.outbox.length > 0 && this.bucket.tryTake()) {
      const text = this.outbox.shift();
      try {
        ws.send(text);
      } catch {
        this.h.count('signal.send-failed');
      }
    }
    if (this.outbox.length > 0) {
      this._drainTimer = setTimeout(() => {
        this._drainTimer = null;
        guard(() => this._drain(), (e) => this._internal(e));
      }, Math.max(5, this.bucket.waitMs()));
    }
  }

  _later(delay, fn) {
    const id = setTimeout(() => {
      this._timers.delete(id);
      guard(fn, (e) => this._internal(e));
    }, delay);
    this._timers.add(id);
    return id;
  }

  _clearTimers() {
    for (const id of this._timers) {
      clearTimeout(id);
    }
    this._timers.clear();
    clearInterval(this._pingTimer);
    clearTimeout(this._drainTimer);
    this._pingTimer = null;
    this._drainTimer = null;
  }

  _internal(e) {
    this.h.count('signal.internal');
    this.h.onError(new PeerMeshError(ErrorCode.INTERNAL, `signaling handler failed: ${e?.message ?? e}`,
      { fatal: false }));
  }

  /** Leaves the room (`leave`, then the server closes with 1000) and stops reconnecting. */
  close() {
    if (this.closed) {
      return;
    }
    const ws = this.ws;
    this.closed = true;
    this._clearTimers();
    this.ws = null;
    this.joined = null;
    this._setStatus('closed', {});
    if (this._first) {
      this._first.reject(new PeerMeshError(ErrorCode.CLOSED, 'closed before joining'));
      this._first.promise.catch(() => {});
    }
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        if (ws.readyState === 1) {
          ws.send(JSON.stringify({ type: 'leave' }));
        }
        ws.close(1000, 'leave');
      } catch {
        // already closed
      }
    }
  }
}

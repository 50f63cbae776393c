/**
 * PeerMesh browser client: joins a room through the signaling service (docs/PROTOCOL.md) and keeps one
 * RTCPeerConnection with the five negotiated channels to every other peer of the room, browsers and
 * server-side peers alike, recovering each one with the same ladder as a server-side supervisor
 * (docs/SUPERVISOR.md).
 *
 * ```js
 * import { PeerMeshClient } from '/client/peermesh.js';
 * const client = new PeerMeshClient({ url: 'wss://mesh.example.org/signal', room: 'demo', token });
 * client.addEventListener('message', (e) => console.log(e.detail.from, e.detail.channel, e.detail.data));
 * await client.connect();
 * client.send('code-sync', JSON.stringify({ from: 0, to: 0, text: 'hello' }));
 * ```
 *
 * Events (CustomEvent, data in `event.detail`):
 * - `joined`       {room, peer, peers, resumed}      after every (re)join of the signaling session
 * - `peer-joined`  {peer}                            a peer entered the room
 * - `peer-left`    {peer, reason}                    left | timeout | node-lost | gone
 * - `peers`        {peers: PeerInfo[]}               membership or any link state changed
 * - `state`        {peer, from, to, reason, attempt, attemptsInRecovery, path}   a link changed state
 * - `remote-state` {peer, state, previous, reason, attempt}   a peer's own report (`state` message)
 * - `message`      {from, channel, data: Uint8Array, seq}   seq: sequence number on code-sync/ai-stream, else 0
 * - `file-progress` {direction: 'in'|'out', peer, id, name, size, transferred}
 * - `file`         {from, id, name, size, type, sha256, actualSha256, ok, blob, bytes}
 * - `unconfirmed`  {peer, reason, messages: [{channel, data}]}   code-sync/ai-stream messages the peer never
 *                  acknowledged, when it left for good (reason as `peer-left`), came back as a new instance
 *                  (`started-over`), declined a link (`declined`), its failed link was started over (`replaced`),
 *                  or our signaling session could not be resumed and a fresh one began (`new-session`: the peers
 *                  take us for a new instance): it may or may not have had them (with a routed relay: the room
 *                  did not); resend what still matters
 * - `signaling`    {state: connecting|open|reconnecting|closed, attempt?, resumed?}
 * - `error`        {code, message, fatal, peer?, ref?}
 * - `closed`       {reason}
 * @module peermesh
 */
import { CHANNELS, CHANNEL_LABELS, channelByLabel, toBytes } from './channels.js';
import { ErrorCode, PeerMeshError } from './errors.js';
import { FileTransfers } from './files.js';
import { QUEUE_FULL, RESEND_BUFFER_FULL } from './mux.js';
import { RECONNECT_DEFAULTS, State, isRecovering, isTerminal, isUsable, reconnectConfig } from './reconnect.js';
import { RemotePeer } from './remote-peer.js';
import { SignalingLink } from './signaling.js';
import { guard } from './util.js';

export { CHANNELS, CHANNEL_LABELS, ErrorCode, PeerMeshError, RECONNECT_DEFAULTS, State };
export { DISPLAY_STATES, describeState, displayState, summarize } from './status.js';

/** Defaults of every option besides url, room, token and peer (supervisor.connection in conf/peermesh.json). */
export const CLIENT_DEFAULTS = Object.freeze({
  /** Extra ICE servers, added to those `joined` hands out. */
  iceServers: [],
  /** Reconnect ladder overrides (keys of RECONNECT_DEFAULTS). */
  reconnect: {},
  /**
   * Every connection uses TURN relays only (iceTransportPolicy 'relay'), never a direct path: for networks
   * that must not expose addresses. Needs TURN servers (from `joined` or iceServers).
   */
  relayOnly: false,
  heartbeatMs: 500,
  deadAfterMs: 2000,
  ackEveryMessages: 64,
  ackDelayMs: 20,
  resendMaxMessages: 100000,
  resendMaxBytes: 64 * 1024 * 1024,
  queueMaxMessages: 10000,
  highWaterBytes: 1024 * 1024,
  lowPriorityHighWaterBytes: 256 * 1024,
  /**
   * Pace `files` by the queueing delay it adds to the other channels (probes on presence, as the supervisor's
   * `filesPacing`); off, only lowPriorityHighWaterBytes holds it back.
   */
  filesPacing: true,
  /** Largest application message: its frame must still fit a `relay` message under maxFrameBytes. */
  maxMessageBytes: 46000,
  /** Degraded mode: unacknowledged relay frames are sent again after this long without ack progress. */
  relayRewindMs: 3000,
  /** Kept below the server's maxMessagesPerSecond 100 / burstMessages 200. */
  signalingRate: Object.freeze({ perSecond: 80, burst: 160 }),
  signalingQueueMax: 4096,
  /** The server's maxFrameBytes. */
  maxFrameBytes: 65536,
  joinTimeoutMs: 10000,
  /** Socket attempts before connect() gives up; after the first join the client retries without end. */
  connectAttempts: 6,
  maxFileBytes: 256 * 1024 * 1024,
  maxIncomingBytes: 512 * 1024 * 1024,
  maxIncomingFilesPerPeer: 4,
  /** (offer: {from, id, name, size, type, sha256}) => boolean; null accepts every file within the limits. */
  acceptFile: null,
  /**
   * Peer ids this client links with, for instance only its server-side relay (docs/ROUTER.md); null: every
   * peer of the room (a mesh). Peers left out get no link and no peer-joined/peer-left events.
   */
  connectTo: null,
  /** Test seams. */
  WebSocketImpl: undefined,
  RTCPeerConnectionImpl: undefined,
});

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const POSITIVE = ['heartbeatMs', 'deadAfterMs', 'ackEveryMessages', 'ackDelayMs', 'resendMaxMessages', 'resendMaxBytes',
  'queueMaxMessages', 'highWaterBytes', 'lowPriorityHighWaterBytes', 'maxMessageBytes', 'relayRewindMs',
  'signalingQueueMax', 'maxFrameBytes', 'joinTimeoutMs', 'connectAttempts', 'maxFileBytes', 'maxIncomingBytes',
  'maxIncomingFilesPerPeer'];

/** ws(s)://<this page's host>/signal, or undefined outside a page. */
export function defaultSignalUrl() {
  if (typeof location === 'undefined') {
    return undefined;
  }
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signal`;
}

function resolveUrl(url) {
  const bad = () => new PeerMeshError(ErrorCode.BAD_CONFIG, `url must be a ws:, wss:, http: or https: URL, was ${url}`);
  const raw = url ?? defaultSignalUrl();
  if (typeof raw !== 'string') {
    throw bad();
  }
  let parsed;
  try {
    parsed = typeof location === 'undefined' ? new URL(raw) : new URL(raw, location.href);
  } catch {
    throw bad();
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw bad();
  }
  return parsed.href;
}

function validate(options) {
  const bad = (message) => new PeerMeshError(ErrorCode.BAD_CONFIG, message);
  if (options === null || typeof options !== 'object') {
    throw bad('options must be an object');
  }
  const { url, room, token, peer, resume, ...rest } = options;
  for (const key of Object.keys(rest)) {
    if (!(key in CLIENT_DEFAULTS)) {
      throw bad(`unknown option ${key}`);
    }
  }
  if (typeof room !== 'string' || !NAME.test(room)) {
    throw bad('room must be 1-64 characters of A-Z a-z 0-9 . _ -');
  }
  if (peer !== undefined && peer !== null && (typeof peer !== 'string' || !NAME.test(peer))) {
    throw bad('peer must be 1-64 characters of A-Z a-z 0-9 . _ -');
  }
  if (token !== undefined && token !== null && typeof token !== 'string') {
    throw bad('token must be a string');
  }
  if (resume !== undefined && resume !== null && typeof resume !== 'string') {
    throw bad('resume must be a string');
  }
  const o = { ...CLIENT_DEFAULTS, ...rest };
  for (const key of POSITIVE) {
    if (!Number.isFinite(o[key]) || o[key] <= 0) {
      throw bad(`${key} must be a positive number, was ${o[key]}`);
    }
  }
  if (!Array.isArray(o.iceServers) || !o.iceServers.every((s) => s && typeof s === 'object' && 'urls' in s)) {
    throw bad('iceServers must be an array of RTCIceServer objects');
  }
  const rate = o.signalingRate;
  if (!rate || !(rate.perSecond > 0) || !(rate.burst >= 1)) {
    throw bad('signalingRate must be {perSecond > 0, burst >= 1}');
  }
  if (typeof o.relayOnly !== 'boolean') {
    throw bad('relayOnly must be true or false');
  }
  if (typeof o.filesPacing !== 'boolean') {
    throw bad('filesPacing must be true or false');
  }
  if (o.acceptFile !== null && typeof o.acceptFile !== 'function') {
    throw bad('acceptFile must be a function or null');
  }
  if (o.connectTo !== null && !(Array.isArray(o.connectTo) && o.connectTo.every((p) => typeof p === 'string'
      && NAME.test(p)))) {
    throw bad('connectTo must be null or an array of peer ids');
  }
  o.connectTo = o.connectTo === null ? null : Object.freeze([...o.connectTo]);
  reconnectConfig(o.reconnect);
  return { url: resolveUrl(url), room, token: token ?? null, peer: peer ?? null, resume: resume || null,
    options: Object.freeze(o) };
}

/**
 * @typedef {object} PeerInfo
 * @property {string} peer
 * @property {string} state one of State
 * @property {number} attempt attempt id of the state machine (what `state` messages carry)
 * @property {number} attemptsInRecovery attempts made in the current recovery (what a user calls "attempt n")
 * @property {string} reason
 * @property {'direct'|'relay'|'signaling'} path
 * @property {boolean} polite
 * @property {number} connection current connection generation
 * @property {{state:string, previous:?string, reason:?string, attempt:?number}|null} remoteState
 */

/** Mesh client; see the module documentation for the events. */
export class PeerMeshClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string} [options.url] signaling URL (ws/wss, or http/https converted); default ws(s)://<host>/signal
   * @param {string} options.room room to join
   * @param {string} [options.token] JWT (required unless the server runs in dev mode)
   * @param {string} [options.peer] peer id (dev mode; with a token it must equal the token's sub)
   * @param {string} [options.resume] resumeToken of an earlier session of this peer (for instance kept in
   *     sessionStorage across a reload): the first join resumes it, or joins afresh when it has ended
   * @param {RTCIceServer[]} [options.iceServers] added to the servers `joined` hands out
   * @param {object} [options.reconnect] recovery ladder overrides, keys of RECONNECT_DEFAULTS
   * @throws {PeerMeshError} bad-config
   */
  constructor(options) {
    super();
    const v = validate(options);
    this.url = v.url;
    this.room = v.room;
    this.token = v.token;
    this.requestedPeer = v.peer;
    this._initialResume = v.resume;
    this.options = v.options;
    /** @type {string|null} our peer id, known after `joined` */
    this.peerId = null;
    /** @type {Map<string, RemotePeer>} */
    this.remotes = new Map();
    /**
     * Peers that declined a link with us (their connectTo): left alone until they rejoin, offer, or report a link
     * to us (a page that resumed its session with another connectTo).
     */
    this.declinedBy = new Set();
    /** @type {RTCIceServer[]} */
    this.iceServers = [];
    this.relayAvailable = false;
    /** @type {SignalingLink|null} */
    this.signaling = null;
    this.signalingState = 'idle';
    this.closed = false;
    this.everJoined = false;
    this._counters = {};
    this._connecting = null;
    this._timers = [];
    // Generations this client offers start above any it can have used before (seconds since 2024): a
    // reloaded page's first offer is never taken for a stale one by a polite peer that remembers us.
    this.generationBase = Math.max(1, Math.floor((Date.now() - Date.UTC(2024, 0, 1)) / 1000));
    this.files = new FileTransfers(this);
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  /**
   * Opens the signaling socket and joins the room.
   * @returns {Promise<{room:string, peer:string, peers:string[], resumed:boolean}>} on `joined`
   * @throws {PeerMeshError} the server's join error (auth-failed, peer-id-in-use, room-full, ...) or
   *     signaling-unavailable
   */
  connect() {
    if (this.closed) {
      return Promise.reject(new PeerMeshError(ErrorCode.CLOSED, 'the client is closed'));
    }
    if (!this._connecting) {
      const join = { type: 'join', v: 1, room: this.room };
      if (this.token !== null) {
        join.token = this.token;
      }
      if (this.requestedPeer !== null) {
        join.peer = this.requestedPeer;
      }
      this.signaling = new SignalingLink({
        url: this.url, join, WebSocketImpl: this.options.WebSocketImpl, rate: this.options.signalingRate,
        maxQueued: this.options.signalingQueueMax, maxFrameBytes: this.options.maxFrameBytes,
        joinTimeoutMs: this.options.joinTimeoutMs, connectAttempts: this.options.connectAttempts,
      }, {
        onJoined: (m) => guard(() => this._onJoined(m), (e) => this._internal(e)),
        onMessage: (m) => guard(() => this._onSignal(m), (e) => this._internal(e)),
        onError: (e) => guard(() => this._onSignalingError(e), (err) => this._internal(err)),
        onStatus: (state, info) => {
          this.signalingState = state;
          this._emit('signaling', { state, ...info });
        },
        count: (name) => this._count(name),
        isPresent: (peer) => this.remotes.has(peer),
      });
      this.signaling.resumeToken = this._initialResume;
      this._connecting = this.signaling.open().then((m) => ({
        room: m.room, peer: m.peer, peers: m.peers.map((p) => p.peer), resumed: m.resumed === true,
      }));
    }
    return this._connecting;
  }

  /**
   * The current session's resume token (null before `joined`). Keep it (sessionStorage) and pass it as
   * `resume` after a reload to take the session over instead of waiting out its grace period.
   */
  get resumeToken() {
    return this.signaling?.resumeToken ?? null;
  }

  /** Leaves the room and closes every connection. Idempotent. */
  close() {
    this._shutdown('closed by the application');
  }

  _shutdown(reason) {
    if (this.closed) {
      return;
    }
    this.closed = true;
    for (const remote of this.remotes.values()) {
      guard(() => remote.close(reason));
    }
    this.files.dispose();
    for (const id of this._timers) {
      clearInterval(id);
    }
    this._timers = [];
    this.signaling?.close();
    this._emit('peers', { peers: this.peers() });
    this._emit('closed', { reason });
  }

  // ---- signaling -----------------------------------------------------------------------------------------

  _onJoined(m) {
    const freshSession = !m.resumed;
    this.peerId = m.peer;
    this.iceServers = [...(m.iceServers ?? []).filter((s) => s && typeof s === 'object'), ...this.options.iceServers];
    // Relay-only attempts make sense only when signaling handed out TURN credentials (as the supervisor does).
    this.relayAvailable = this.iceServers.some((s) => typeof s.username === 'string');
    const listed = new Set(m.peers.map((p) => p.peer).filter((p) => p !== m.peer));
    const before = new Set(this.remotes.keys());
    for (const peer of [...this.declinedBy]) {
      if (!listed.has(peer)) {
        this.declinedBy.delete(peer);
      }
    }
    for (const peer of before) {
      if (!listed.has(peer)) {
        this._removePeer(peer, 'gone');
      }
    }
    const unconfirmed = freshSession ? this._startOverWithEveryPeer() : [];
    for (const peer of listed) {
      this._addPeer(peer, !before.has(peer));
    }
    // Once the new links exist, so that the application can send them again at once.
    for (const { peer, messages } of unconfirmed) {
      this._unconfirmed(peer, 'new-session', messages);
    }
    if (!this.everJoined) {
      this.everJoined = true;
      this._timers.push(setInterval(() => this._eachPeer((r) => r.tick()), this.options.heartbeatMs));
      this._timers.push(setInterval(() => this._eachPeer((r) => r.flush()), this.options.ackDelayMs));
    }
    this._emit('joined', { room: m.room, peer: m.peer, peers: [...listed], resumed: m.resumed === true });
    this._emit('peers', { peers: this.peers() });
  }

  /**
   * Our old signaling session ended (the server forgot us): the others saw us leave and come back, so every link
   * starts over, quietly (the room must not hear `closed` from links it already dropped).
   * @returns {Array<{peer: string, messages: Array<{channel: string, data: Uint8Array}>}>} what each peer never
   *     acknowledged: it takes us for a new instance now, so none of it will be resent
   */
  _startOverWithEveryPeer() {
    const unconfirmed = [];
    for (const remote of this.remotes.values()) {
      remote.controller.listener = null;
      unconfirmed.push({ peer: remote.remote, messages: remote.mux.unconfirmed() });
      remote.close('signaling session replaced');
      this.files.onPeerGone(remote.remote, 'session replaced');
    }
    this.remotes.clear();
    return unconfirmed;
  }

  /** True when this client links with `peer` once both are in the room (option `connectTo`). */
  linksWith(peer) {
    return this.options.connectTo === null || this.options.connectTo.includes(peer);
  }

  _eachPeer(fn) {
    for (const remote of this.remotes.values()) {
      guard(() => fn(remote), (e) => this._internal(e));
    }
  }

  _addPeer(peer, announce, generationFloor = this.generationBase) {
    if (this.remotes.has(peer) || peer === this.peerId || this.closed || !this.linksWith(peer)
        || this.declinedBy.has(peer)) {
      return this.remotes.get(peer);
    }
    const remote = new RemotePeer(this, peer, generationFloor);
    this.remotes.set(peer, remote);
    if (announce) {
      this._emit('peer-joined', { peer });
    }
    remote.start();
    this._emit('peers', { peers: this.peers() });
    return remote;
  }

  _removePeer(peer, reason) {
    const remote = this.remotes.get(peer);
    if (!remote) {
      if (this.declinedBy.delete(peer)) {
        this._emit('peer-left', { peer, reason });
      }
      return;
    }
    this.remotes.delete(peer);
    const unconfirmed = remote.mux.unconfirmed();
    remote.close(`remote left: ${reason}`);
    this._unconfirmed(peer, reason, unconfirmed);
    this.files.onPeerGone(peer, reason);
    this._emit('peer-left', { peer, reason });
    this._emit('peers', { peers: this.peers() });
  }

  /** Hands the application the messages a peer never acknowledged (event `unconfirmed`), if any. */
  _unconfirmed(peer, reason, messages) {
    if (messages.length > 0) {
      this._emit('unconfirmed', { peer, reason, messages });
    }
  }

  _onSignal(m) {
    switch (m.type) {
      case 'peer-joined':
        this.declinedBy.delete(m.peer);
        this._addPeer(m.peer, true);
        return;
      case 'peer-left':
        this._removePeer(m.peer, m.reason ?? 'left');
        return;
      default:
    }
    let remote = this.remotes.get(m.from);
    if (m.type === 'offer') {
      // A peer that declined us may want us after all: its offer says so.
      const declinedUs = this.declinedBy.delete(m.from);
      if (!remote) {
        // The offer overtook its peer-joined (they travel different ways between nodes), or a peer that declined
        // us (the application heard its peer-joined already, and no peer-left) offers after all.
        remote = this._addPeer(m.from, !declinedUs);
      } else if (remote.terminal && !remote.impolite && (m.connection ?? 0) > remote.generation) {
        // The remote still wants us after our side gave up: start over on its new connection.
        remote = this._replacePeer(remote);
      }
    }
    if (!remote && this._declinerWantsUs(m)) {
      // It took us into its connectTo. A page that resumed its session with a new one sends no peer-joined, and
      // when polite it only reports its state and waits for our offer.
      this.declinedBy.delete(m.from);
      remote = this._addPeer(m.from, false);
    }
    if (!remote && !this.linksWith(m.from)
        && (m.type === 'offer' || (m.type === 'state' && m.state !== 'declined'))) {
      // Not a peer of ours (connectTo): say so, or it offers (or waits for our offer) again and again.
      this.signaling?.send({ type: 'state', to: m.from, state: 'declined', reason: 'not in connectTo' });
      this._count('signal.declined');
      return;
    }
    if (!remote) {
      this._count('signal.unknown-sender');
      return;
    }
    if (m.type === 'state' && m.state === 'declined') {
      // It links with other peers only (its connectTo): no link is made until it joins again or offers itself.
      this._count('signal.declined-by-peer');
      this.remotes.delete(m.from);
      this.declinedBy.add(m.from);
      const unconfirmed = remote.mux.unconfirmed();
      remote.close(`declined by ${m.from}`);
      this.files.onPeerGone(m.from, 'declined');
      this._unconfirmed(m.from, 'declined', unconfirmed);
      this._emit('peers', { peers: this.peers() });
      return;
    }
    if (m.type === 'state') {
      this._emit('remote-state', { peer: m.from, state: m.state, previous: m.previous ?? null,
        reason: m.reason ?? null, attempt: m.attempt ?? null });
    }
    remote.onSignal(m);
  }

  /** True when `m` is a report of a live link to us from a peer that declined us: it wants one now. */
  _declinerWantsUs(m) {
    return m.type === 'state' && this.declinedBy.has(m.from) && m.state !== 'declined' && !isTerminal(m.state);
  }

  _replacePeer(old) {
    const floor = Math.max(old.generation + 1, this.generationBase);
    this.remotes.delete(old.remote);
    const unconfirmed = old.mux.unconfirmed();
    old.close('replaced');
    this._unconfirmed(old.remote, 'replaced', unconfirmed);
    return this._addPeer(old.remote, false, floor);
  }

  _onSignalingError(error) {
    this._error(error.code, error.message, { ref: error.ref, field: error.field, fatal: error.fatal === true });
    if (error.fatal === true) {
      this._shutdown(`signaling: ${error.code}`);
    }
  }

  // ---- data ----------------------------------------------------------------------------------------------

  /**
   * Sends one message on a channel.
   * @param {'code-sync'|'cursor-pos'|'ai-stream'|'presence'|'files'} channel
   * @param {string|ArrayBuffer|ArrayBufferView} data strings are sent as UTF-8
   * @param {{to?: string|string[], throwOnRefusal?: boolean}} [opts] `to`: one peer or a list; without it
   *     every peer whose link has not failed
   * @returns {boolean} true when every addressed peer accepted it (queued or sent); false when at least one
   *     refused because its bounded queue is full (queue-full, resend-buffer-full); with throwOnRefusal a
   *     PeerMeshError with that code (and `refused: {peer: code}`) is thrown instead
   * @throws {PeerMeshError} unknown-channel, bad-data, message-too-large, unknown-peer, not-joined, closed,
   *     failed (a peer named in `to` whose link gave up)
   */
  send(channel, data, opts = {}) {
    const spec = channelByLabel(channel);
    if (!spec) {
      throw new PeerMeshError(ErrorCode.UNKNOWN_CHANNEL, `unknown channel ${channel}; one of ${CHANNEL_LABELS.join(', ')}`);
    }
    const bytes = toBytes(data);
    if (bytes.length > this.options.maxMessageBytes) {
      throw new PeerMeshError(ErrorCode.MESSAGE_TOO_LARGE,
        `${bytes.length} bytes exceed maxMessageBytes ${this.options.maxMessageBytes}`);
    }
    const targets = this._targets(opts.to);
    const refused = {};
    let full = null;
    let hard = null;
    for (const peer of targets) {
      const code = this.remotes.get(peer).send(spec.label, bytes);
      if (code) {
        refused[peer] = code;
        if (code === QUEUE_FULL || code === RESEND_BUFFER_FULL) {
          full = full ?? code;
        } else {
          hard = hard ?? code;
        }
      }
    }
    if (hard && opts.to !== undefined) {
      throw new PeerMeshError(hard, `not sent: ${JSON.stringify(refused)}`, { refused });
    }
    if (full) {
      if (opts.throwOnRefusal) {
        throw new PeerMeshError(full, `refused by ${Object.keys(refused).join(', ')}`, { refused });
      }
      return false;
    }
    return true;
  }

  /**
   * Sends a file over the `files` channel (protocol in FILES.md): resumable, SHA-256 verified by the receiver.
   * @param {File|Blob|Uint8Array|ArrayBuffer} file
   * @param {object} [opts]
   * @param {string|string[]} [opts.to] default: every peer whose link has not failed
   * @param {number} [opts.chunkSize=16384] bytes per chunk (1 KiB up to maxMessageBytes - 25)
   * @param {(p: {direction:'out', peer, id, name, size, transferred}) => void} [opts.onProgress]
   * @param {string} [opts.name] default: file.name or 'file.bin'
   * @param {string} [opts.type] MIME type; default file.type
   * @param {AbortSignal} [opts.signal] cancels the transfer
   * @returns {Promise<Object<string, {ok:boolean, sha256:string, error?:PeerMeshError}>>} per peer, once
   *     each receiver reported its checksum result (or the transfer to it failed)
   */
  sendFile(file, opts = {}) {
    return this.files.send(file, opts);
  }

  /** @returns {PeerInfo[]} every remote peer of the room */
  peers() {
    return [...this.remotes.values()].map((r) => r.info());
  }

  /** @returns {PeerInfo|null} */
  peer(id) {
    return this.remotes.get(id)?.info() ?? null;
  }

  /**
   * Per-peer statistics: {state, attempt, reason, path, channels: {label: {messagesIn, messagesOut, bytesIn,
   * bytesOut, buffered, pending, resent, duplicates, protocolErrors}}, candidatePair: 'host'|'srflx'|'prflx'|
   * 'relay'|null, counters} keyed by peer id. candidatePair is the selected pair's local candidate type.
   * @returns {Promise<Object<string, object>>}
   */
  async stats() {
    const out = {};
    await Promise.all([...this.remotes].map(async ([peer, remote]) => {
      out[peer] = await remote.stats();
    }));
    return out;
  }

  /** Counters of ignored input and refusals (signal.unknown-type, signal.bad-message, files.*, ...). */
  counters() {
    return { ...this._counters };
  }

  /**
   * Starts over with a peer whose link failed (state `failed`): a new state machine and connection.
   * @returns {boolean} false when the peer is unknown or its link has not failed
   */
  reconnectPeer(peer) {
    const remote = this.remotes.get(peer);
    if (!remote || remote.state !== State.FAILED || this.closed) {
      return false;
    }
    this._replacePeer(remote);
    return true;
  }

  // ---- internals used by RemotePeer and FileTransfers ----------------------------------------------------

  _targets(to) {
    if (this.closed) {
      throw new PeerMeshError(ErrorCode.CLOSED, 'the client is closed');
    }
    if (!this.everJoined) {
      throw new PeerMeshError(ErrorCode.NOT_JOINED, 'connect() first');
    }
    if (to === undefined || to === null) {
      return [...this.remotes.values()].filter((r) => !r.terminal).map((r) => r.remote);
    }
    const list = Array.isArray(to) ? [...new Set(to)] : [to];
    for (const peer of list) {
      if (typeof peer !== 'string' || !this.remotes.has(peer)) {
        throw new PeerMeshError(ErrorCode.UNKNOWN_PEER, `${peer} is not in room ${this.room}`, { peer });
      }
    }
    return list;
  }

  /** @returns {null|string} refusal code */
  _sendRaw(peer, label, bytes) {
    const remote = this.remotes.get(peer);
    return remote ? remote.send(label, bytes) : ErrorCode.UNKNOWN_PEER;
  }

  _muxOf(peer) {
    const remote = this.remotes.get(peer);
    if (!remote) {
      throw new PeerMeshError(ErrorCode.UNKNOWN_PEER, `${peer} is not in room ${this.room}`, { peer });
    }
    return remote.mux;
  }

  _usable(peer) {
    const remote = this.remotes.get(peer);
    return remote !== undefined && isUsable(remote.state);
  }

  _deliver(from, label, seq, data) {
    if (label === 'files' && this.files.handle(from, data)) {
      return;
    }
    // A view past a frame header becomes a compact copy, so `data.buffer` holds exactly the message.
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    this._emit('message', { from, channel: label, data: own, seq });
  }

  _peerStateChanged(remote, from, to, machine) {
    if (this.remotes.get(remote.remote) !== remote) {
      return;
    }
    this._emit('state', {
      peer: remote.remote, from, to, reason: machine.lastReason, attempt: machine.attempt,
      attemptsInRecovery: machine.attemptsInRecovery, path: remote.path,
    });
    if (isUsable(to) && isRecovering(from)) {
      this.files.onPeerRecovered(remote.remote);
    } else if (isTerminal(to)) {
      this.files.onPeerGone(remote.remote, machine.lastReason);
    }
    this._emit('peers', { peers: this.peers() });
  }

  _emit(type, detail) {
    try {
      this.dispatchEvent(new CustomEvent(type, { detail }));
    } catch {
      // dispatchEvent reports listener errors itself; nothing may escape into our callers.
    }
  }

  _error(code, message, extra = {}) {
    this._count(`error.${code}`);
    this._emit('error', { code, message, fatal: false, ...extra });
  }

  _count(name) {
    this._counters[name] = (this._counters[name] ?? 0) + 1;
  }

  _internal(e) {
    this._error(ErrorCode.INTERNAL, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Everything the client keeps for one remote peer: its channels ({@link ChannelMux}), its RTCPeerConnection
 * ({@link PeerLink}) and the reconnection state machine driving recovery. A port of
 * supervisor/SupervisorVerticle.java, so a browser behaves exactly like a server-side peer:
 *
 * - the peer whose id sorts last (impolite) makes every offer: the first, ICE restarts (createOffer with
 *   iceRestart on the same connection), and offers for a new connection (`connection` generation + 1);
 *   the polite peer answers, replaces its connection when an offer names a higher generation and ignores
 *   lower ones;
 * - a heartbeat goes out on presence every heartbeatMs; silence for deadAfterMs while connected, ICE
 *   `disconnected`/`failed` or a closed channel is a lost transport;
 * - a recovery is done when all five channels are open and a heartbeat arrived after the attempt began;
 *   then every unacknowledged sequenced frame is resent;
 * - every state change goes to the room as a `state` message (before the effects run, so a `relay-only`
 *   report precedes the offer it announces); a remote `relay-only`/`reconnecting` report tells a polite peer
 *   which iceTransportPolicy the next connection uses;
 * - degraded: frames travel as `relay` messages over signaling; probes try WebRTC again.
 * @module remote-peer
 */
import { channelByLabel, fromBase64, toBase64 } from './channels.js';
import { ErrorCode, PeerMeshError } from './errors.js';
import { PeerLink } from './link.js';
import { ChannelMux } from './mux.js';
import { ReconnectController, State, isTerminal, reconnectConfig } from './reconnect.js';
import { guard } from './util.js';

const MAX_REASON = 500;
const INT_MAX = 2 ** 31 - 1;

export class RemotePeer {
  /**
   * @param {import('./peermesh.js').PeerMeshClient} client
   * @param {string} remote the remote peer id
   * @param {number} generationFloor lowest generation this side may offer (see PeerMeshClient)
   */
  constructor(client, remote, generationFloor) {
    this.client = client;
    this.o = client.options;
    this.remote = remote;
    this.impolite = client.peerId > remote;
    this.generationFloor = generationFloor;
    /** Generation of the current link; a higher one in an offer replaces it. */
    this.generation = 0;
    /** @type {PeerLink|null} */
    this.link = null;
    this.openChannels = new Set();
    this.degraded = false;
    this.relayOnlyNext = false;
    this.ending = false;
    this.heartbeatsAtAttempt = 0;
    this.timers = new Set();
    this.counters = {};
    this.remoteState = null;
    /** Set when the remote reported a brand-new link: its next offer replaces ours whatever its generation. */
    this.acceptNextOffer = false;
    this._lastErrorAt = 0;
    this.mux = new ChannelMux(this.o, {
      deliver: (label, seq, payload) => client._deliver(remote, label, seq, payload),
      protocolError: (label, reason) => this._protocolError(label, reason),
    });
    const config = reconnectConfig({ relayAvailable: client.relayAvailable, ...this.o.reconnect });
    this.controller = new ReconnectController(config, { now: () => performance.now() });
    this.controller.listener = (t, s) => this._announce(t, s);
    this.linkPath = {
      send: (label, frame) => this.link !== null && this.link.send(label, frame),
      buffered: (label) => (this.link === null ? 0 : this.link.bufferedAmount(label)),
      ready: (label) => this.link !== null && this.openChannels.has(label),
      lossy: false,
    };
    /** Degraded mode: frames travel over the signaling socket as `relay` messages. */
    this.relayPath = {
      send: (label, frame) => client.signaling.trySendRelay(remote, label, toBase64(frame)),
      buffered: () => 0,
      ready: () => client.signaling !== null && client.signaling.isJoined,
      lossy: true,
    };
  }

  /** Begins the first connection attempt. */
  start() {
    this._fire({ type: 'start' });
  }

  get state() {
    return this.controller.state;
  }

  get terminal() {
    return isTerminal(this.controller.state);
  }

  /** 'signaling' in degraded mode, 'relay' for a TURN-only connection, else 'direct'. */
  get path() {
    return this.degraded ? 'signaling' : this.relayOnlyNext || this.o.relayOnly ? 'relay' : 'direct';
  }

  // ---- the state machine's effects ---------------------------------------------------------------------

  _fire(event) {
    if (this.ending) {
      return;
    }
    let outcome;
    try {
      outcome = this.controller.fire(event);
    } catch (e) {
      this._internal(e);
      return;
    }
    this._run(outcome);
  }

  _run(outcome) {
    for (const effect of outcome.effects) {
      guard(() => this._apply(effect), (e) => this._internal(e));
    }
    if (outcome.from !== outcome.to) {
      this.client._peerStateChanged(this, outcome.from, outcome.to, this.controller.current);
    }
  }

  _apply(effect) {
    switch (effect.type) {
      case 'schedule-timer': {
        const id = setTimeout(() => {
          this.timers.delete(id);
          this._fire({ type: effect.kind, attempt: effect.attempt });
        }, Math.max(1, effect.delayMs));
        this.timers.add(id);
        break;
      }
      case 'cancel-timers':
        this._cancelTimers();
        break;
      case 'start-ice-restart':
        this.heartbeatsAtAttempt = this.mux.heartbeatsReceived;
        if (this.impolite && this.link !== null) {
          const link = this.link;
          link.createOffer(true)
            .then((sdp) => this._sendDescription(link, 'offer', sdp))
            .catch((e) => this._attemptFailed(link, effect.attempt, `ice restart: ${describe(e)}`));
        }
        break;
      case 'start-relay-only':
        this.relayOnlyNext = true;
        this._startLink(effect.attempt);
        break;
      case 'start-new-connection':
        this.relayOnlyNext = false;
        this._startLink(effect.attempt);
        break;
      case 'enter-degraded':
        this.degraded = true;
        this.mux.usePath(this.relayPath);
        break;
      case 'leave-degraded':
        this.degraded = false;
        this.mux.usePath(this._linkReady() ? this.linkPath : null);
        break;
      case 'fail':
        setTimeout(() => this._end(effect.reason), 0);
        break;
      default:
        // emit-status: announced by the transition listener.
    }
  }

  _attemptFailed(link, attempt, reason) {
    link.releaseCandidates();
    if (link === this.link) {
      // A stale attempt id (the machine moved on meanwhile) is dropped by the machine itself.
      this._fire({ type: 'attempt-failed', attempt, reason });
    }
  }

  /** A new peer connection (the impolite side offers it; the polite side waits for that offer). */
  _startLink(attempt) {
    this.heartbeatsAtAttempt = this.mux.heartbeatsReceived;
    if (!this.impolite) {
      return;
    }
    if (!this._replaceLink(Math.max(this.generation + 1, this.generationFloor))) {
      setTimeout(() => this._fire({ type: 'attempt-failed', attempt, reason: 'cannot create a peer connection' }), 0);
      return;
    }
    const link = this.link;
    link.createOffer(false)
      .then((sdp) => this._sendDescription(link, 'offer', sdp))
      .catch((e) => this._attemptFailed(link, attempt, `offer: ${describe(e)}`));
  }

  _replaceLink(generation) {
    if (this.link !== null) {
      this.link.close();
      this.link = null;
    }
    this.generation = generation;
    this.openChannels.clear();
    if (!this.degraded) {
      this.mux.usePath(null);
    }
    try {
      const link = new PeerLink({
        iceServers: this.client.iceServers,
        relayOnly: this.o.relayOnly || this.relayOnlyNext,
        limits: this.o,
        RTCPeerConnectionImpl: this.o.RTCPeerConnectionImpl,
      }, null);
      link.listener = this._listener(link, generation);
      this.link = link;
      this._count('links');
      return true;
    } catch (e) {
      this.client._error(ErrorCode.INTERNAL, `cannot create a peer connection: ${describe(e)}`, { peer: this.remote });
      return false;
    }
  }

  _sendDescription(link, type, sdp) {
    if (link === this.link && !this.ending) {
      this.client.signaling.send({ type, to: this.remote, sdp, connection: this.generation });
    }
    link.releaseCandidates();
  }

  // ---- signaling -----------------------------------------------------------------------------------------

  /** A signaling message from this remote (already validated). */
  onSignal(m) {
    if (this.ending) {
      return;
    }
    switch (m.type) {
      case 'offer':
        this._onOffer(m);
        break;
      case 'answer':
        this._onAnswer(m);
        break;
      case 'candidate':
        if (this.link !== null && m.candidate && (m.connection ?? this.generation) === this.generation) {
          this.link.addRemoteCandidate({
            candidate: m.candidate, sdpMid: m.sdpMid ?? null, sdpMLineIndex: m.sdpMLineIndex ?? 0,
          });
        } else if (m.candidate) {
          this._count('ignored-candidates');
        }
        break;
      case 'relay':
        this._onRelay(m);
        break;
      case 'state':
        this.remoteState = { state: m.state, previous: m.previous ?? null, reason: m.reason ?? null,
          attempt: m.attempt ?? null };
        if (m.state === State.RELAY_ONLY) {
          this.relayOnlyNext = true;
        } else if (m.state === State.RECONNECTING) {
          this.relayOnlyNext = false;
        } else if (m.state === State.CONNECTING && m.previous === State.IDLE) {
          // A new instance of the remote's end numbers from 1 (a restarted bot connection): so do we, once
          // anything was exchanged with the old one.
          const dropped = this.mux.startOver();
          for (let i = 0; i < dropped.length; i++) {
            this._count('dropped-on-start-over');
          }
          this.client._unconfirmed(this.remote, 'started-over', dropped);
          this._remoteStartedOver();
        }
        break;
      default:
        this._count('ignored-signals');
    }
  }

  /**
   * The remote reports a brand-new link to us (a reloaded page that resumed its session: no leave was seen).
   * Our link's other end is gone. The impolite side offers a new connection at once rather than waiting out
   * silence, grace and ICE restarts; the polite side takes the next offer whatever its generation (a page
   * reloaded within the same second offers the generation its predecessor used).
   */
  _remoteStartedOver() {
    if (!this.impolite) {
      this.acceptNextOffer = true;
      return;
    }
    const state = this.controller.state;
    const linked = state === State.CONNECTED || state === State.DISCONNECTED || state === State.ICE_RESTARTING;
    if (!linked || this.link === null || this.ending) {
      return;
    }
    this._count('remote-restarts');
    this.heartbeatsAtAttempt = this.mux.heartbeatsReceived;
    this.mux.resetSilence();
    if (!this._replaceLink(Math.max(this.generation + 1, this.generationFloor))) {
      return;
    }
    const link = this.link;
    link.createOffer(false)
      .then((sdp) => this._sendDescription(link, 'offer', sdp))
      .catch((e) => {
        if (link === this.link) {
          this._transportDown(`offer after the remote started over: ${describe(e)}`);
        }
      });
  }

  _onOffer(m) {
    if (this.impolite) {
      // Perfect negotiation: the impolite peer ignores a colliding offer; compliant peers never send one.
      this._count('ignored-offers');
      return;
    }
    const offered = m.connection ?? this.generation;
    const fresh = this.acceptNextOffer;
    this.acceptNextOffer = false;
    if (offered < this.generation && !fresh) {
      this._count('stale-offers');
      return;
    }
    if ((fresh || offered > this.generation || this.link === null) && !this._replaceLink(offered)) {
      return;
    }
    const link = this.link;
    link.acceptOffer(m.sdp)
      .then((answer) => this._sendDescription(link, 'answer', answer))
      .catch((e) => {
        link.releaseCandidates();
        if (link === this.link) {
          this._transportDown(`offer rejected: ${describe(e)}`);
        }
      });
  }

  _onAnswer(m) {
    if (this.link === null || (m.connection ?? this.generation) !== this.generation) {
      this._count('stale-answers');
      return;
    }
    const link = this.link;
    link.acceptAnswer(m.sdp)
      .then((applied) => {
        if (!applied) {
          this._count('late-answers');
        }
      })
      .catch((e) => {
        if (link === this.link) {
          this._transportDown(`answer rejected: ${describe(e)}`);
        }
      });
  }

  _onRelay(m) {
    const spec = channelByLabel(m.channel);
    if (!spec) {
      this._count('relay-unknown-channel');
      return;
    }
    const bytes = fromBase64(m.data);
    if (bytes === null) {
      this._count('relay-bad-base64');
      return;
    }
    this._count('relay-in');
    this.mux.onFrame(spec.label, bytes, this.relayPath);
  }

  // ---- liveness ------------------------------------------------------------------------------------------

  /** Every heartbeatMs: a heartbeat on presence, and the silence check. */
  tick() {
    if (this.ending || this.terminal) {
      return;
    }
    ChannelMux.heartbeat(this.linkPath);
    const silent = this.mux.silenceMs();
    if (this.controller.state === State.CONNECTED && silent > this.o.deadAfterMs) {
      this._transportDown(`no heartbeat for ${Math.round(silent)} ms`);
    }
  }

  /** Every ackDelayMs: pending acks out, queues pumped. */
  flush() {
    if (!this.ending) {
      this.mux.flushAcks();
      this.mux.pumpAll();
    }
  }

  _transportDown(reason) {
    if (this.ending) {
      return;
    }
    if (!this.degraded) {
      this.mux.usePath(null);
    }
    let outcome;
    try {
      outcome = this.controller.transportDown(reason.slice(0, MAX_REASON));
    } catch (e) {
      this._internal(e);
      return;
    }
    this._run(outcome);
  }

  /** The link carries data again: channels open and a heartbeat arrived since the attempt began. */
  _maybeUp() {
    if (!this._linkReady() || this.mux.heartbeatsReceived <= this.heartbeatsAtAttempt) {
      return;
    }
    if (this.controller.state !== State.CONNECTED) {
      let outcome;
      try {
        outcome = this.controller.transportUp();
      } catch (e) {
        this._internal(e);
        return;
      }
      if (!this.degraded || this.controller.state === State.CONNECTED) {
        this.mux.usePath(this.linkPath);
      }
      this._run(outcome);
    } else if (this.mux.path === null) {
      // A link replaced while connected (the remote started over) carries data again.
      this.mux.usePath(this.linkPath);
      this.client.files.onPeerRecovered(this.remote);
    }
  }

  _linkReady() {
    return this.link !== null && this.openChannels.size === 5;
  }

  /** Listens to one link; events of a replaced link are ignored. */
  _listener(link, generation) {
    const current = () => link === this.link && generation === this.generation && !this.ending;
    return {
      onLocalCandidate: (c) => {
        if (!current()) {
          return;
        }
        const message = { type: 'candidate', to: this.remote, connection: generation };
        if (c) {
          message.candidate = c.candidate;
          if (typeof c.sdpMid === 'string') {
            message.sdpMid = c.sdpMid;
          }
          if (Number.isInteger(c.sdpMLineIndex)) {
            message.sdpMLineIndex = c.sdpMLineIndex;
          }
        }
        this.client.signaling.send(message);
      },
      onConnectionState: (state) => {
        if (current() && (state === 'failed' || state === 'disconnected')) {
          this._transportDown(`ice ${state}`);
        }
      },
      onChannelOpen: (label) => {
        if (current()) {
          this.openChannels.add(label);
          if (this._linkReady()) {
            this.mux.resetSilence();
            ChannelMux.heartbeat(this.linkPath);
          }
        }
      },
      onChannelClosed: (label) => {
        if (current()) {
          this.openChannels.delete(label);
          this._transportDown(`channel ${label} closed`);
        }
      },
      onMessage: (label, data) => {
        if (!current()) {
          return;
        }
        const before = this.mux.heartbeatsReceived;
        this.mux.onFrame(label, data, this.linkPath);
        if (this.mux.heartbeatsReceived > before) {
          this._maybeUp();
        }
      },
      onBufferedAmountLow: (label) => {
        if (current() && this.mux.path === this.linkPath) {
          this.mux.pump(label);
        }
      },
      onCandidateRejected: () => this._count('rejected-candidates'),
      onError: (e) => this._internal(e),
    };
  }

  // ---- data ----------------------------------------------------------------------------------------------

  /**
   * Queues an application message.
   * @returns {null|string} null when accepted, else the refusal code
   */
  send(label, payload) {
    if (this.ending || this.terminal) {
      return this.controller.state === State.FAILED ? ErrorCode.FAILED : ErrorCode.CLOSED;
    }
    return this.mux.offer(label, payload);
  }

  _protocolError(label, reason) {
    this._count('protocol-errors');
    const now = performance.now();
    if (now - this._lastErrorAt > 1000) {
      this._lastErrorAt = now;
      this.client._error(ErrorCode.PROTOCOL_ERROR, `${this.remote} on ${label}: ${reason}`, { peer: this.remote });
    }
  }

  // ---- status --------------------------------------------------------------------------------------------

  _announce(t, s) {
    this.client.signaling?.send({
      // Addressed: the report is about our link to this peer, not to anyone else in the room.
      type: 'state', to: this.remote, state: t.to, previous: t.from, attempt: Math.min(INT_MAX, s.attemptsInRecovery),
      reason: s.lastReason.slice(0, MAX_REASON),
    });
  }

  /** What the UI shows about this peer. */
  info() {
    const s = this.controller.current;
    return {
      peer: this.remote,
      state: s.state,
      attempt: s.attempt,
      attemptsInRecovery: s.attemptsInRecovery,
      reason: s.lastReason,
      path: this.path,
      polite: !this.impolite,
      connection: this.generation,
      remoteState: this.remoteState,
    };
  }

  /** Per-peer statistics (see PeerMeshClient#stats). */
  async stats() {
    const channels = {};
    for (const label of this.mux.stats.keys()) {
      const c = this.mux.channelStats(label);
      channels[label] = {
        messagesIn: c.messagesIn, messagesOut: c.messagesOut, bytesIn: c.bytesIn, bytesOut: c.bytesOut,
        buffered: this.link === null ? 0 : this.link.bufferedAmount(label),
        pending: c.pending, resent: c.resent, duplicates: c.duplicates, protocolErrors: c.protocolErrors,
      };
    }
    const live = this.link !== null && this._linkReady() && !this.degraded;
    return {
      ...this.info(),
      channels,
      candidatePair: live ? await this.link.candidatePairType() : null,
      counters: { ...this.counters },
    };
  }

  _count(name) {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  _internal(e) {
    this._count('internal-errors');
    this.client._error(ErrorCode.INTERNAL, `${this.remote}: ${describe(e)}`, { peer: this.remote });
  }

  _cancelTimers() {
    for (const id of this.timers) {
      clearTimeout(id);
    }
    this.timers.clear();
  }

  /** Recovery gave up (state failed): release the connection; queued messages are refused from now on. */
  _end(reason) {
    if (this.ending) {
      return;
    }
    if (!this.terminal) {
      this._fire({ type: 'close', reason });
    }
    this.ending = true;
    this._release(new PeerMeshError(ErrorCode.FAILED, reason, { peer: this.remote }));
  }

  /** Closes this peer for good (it left, or the client closes): state `closed`, announced to the room. */
  close(reason) {
    // Messages sent in the task that closes still leave, before the link goes.
    this.mux.flushDue();
    if (!this.ending && !this.terminal) {
      this._fire({ type: 'close', reason });
    }
    this.ending = true;
    this._release(new PeerMeshError(ErrorCode.CLOSED, reason, { peer: this.remote }));
  }

  _release(error) {
    this._cancelTimers();
    if (this.link !== null) {
      this.link.close();
      this.link = null;
    }
    this.openChannels.clear();
    this.mux.dispose(error);
  }
}

function describe(e) {
  return e instanceof Error ? e.message : String(e);
}

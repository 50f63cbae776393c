/**
 * One RTCPeerConnection with the five negotiated channels: the browser twin of supervisor/rtc/PeerLink.java.
 * Description and candidate operations run one at a time, in arrival order; remote candidates wait until the
 * remote description is set; local candidates are held back until the description they belong to has been
 * signalled. Listener callbacks never throw into the browser.
 * @module link
 */
import { CHANNELS } from './channels.js';
import { guard } from './util.js';

/** Bound of remote candidates waiting for a remote description. */
const MAX_PENDING_CANDIDATES = 256;

/**
 * @typedef {object} LinkListener
 * @property {(candidate: RTCIceCandidateInit|null) => void} onLocalCandidate null = end-of-candidates
 * @property {(state: RTCPeerConnectionState) => void} onConnectionState
 * @property {(label: string) => void} onChannelOpen
 * @property {(label: string) => void} onChannelClosed
 * @property {(label: string, data: Uint8Array) => void} onMessage
 * @property {(label: string) => void} onBufferedAmountLow
 * @property {(error: Error) => void} onError a listener threw, or a WebRTC call failed unexpectedly
 */

export class PeerLink {
  /**
   * @param {object} o
   * @param {RTCIceServer[]} o.iceServers
   * @param {boolean} o.relayOnly iceTransportPolicy 'relay'
   * @param {{highWaterBytes:number, lowPriorityHighWaterBytes:number}} o.limits
   * @param {Function} [o.RTCPeerConnectionImpl]
   * @param {LinkListener} listener
   */
  constructor(o, listener) {
    this.listener = listener;
    this.closed = false;
    this.remoteDescriptionSet = false;
    this.pendingRemote = [];
    this.heldLocal = [];
    this.holdLocal = 0;
    this._ops = Promise.resolve();
    const Impl = o.RTCPeerConnectionImpl ?? globalThis.RTCPeerConnection;
    this.pc = new Impl({ iceServers: o.iceServers, iceTransportPolicy: o.relayOnly ? 'relay' : 'all' });
    /** @type {Map<string, RTCDataChannel>} */
    this.channels = new Map();
    for (const spec of CHANNELS) {
      const init = { negotiated: true, id: spec.id, ordered: spec.ordered, priority: spec.priority };
      if (spec.maxRetransmits !== null) {
        init.maxRetransmits = spec.maxRetransmits;
      }
      const channel = this.pc.createDataChannel(spec.label, init);
      channel.binaryType = 'arraybuffer';
      // Half the pause threshold: sending resumes with room to spare.
      channel.bufferedAmountLowThreshold = (spec.label === 'files'
        ? o.limits.lowPriorityHighWaterBytes : o.limits.highWaterBytes) / 2;
      channel.onopen = () => this._call(() => this.listener.onChannelOpen(spec.label));
      channel.onclose = () => this._call(() => this.listener.onChannelClosed(spec.label));
      channel.onmessage = (event) => this._call(() => this._onMessage(spec.label, event.data));
      channel.onbufferedamountlow = () => this._call(() => this.listener.onBufferedAmountLow(spec.label));
      this.channels.set(spec.label, channel);
    }
    this.pc.onicecandidate = (event) => this._call(() => this._onLocalCandidate(event.candidate));
    this.pc.onconnectionstatechange = () => this._call(() => this.listener.onConnectionState(this.pc.connectionState));
  }

  _call(fn) {
    if (!this.closed) {
      guard(fn, (e) => guard(() => this.listener.onError(e)));
    }
  }

  _onMessage(label, data) {
    if (data instanceof ArrayBuffer) {
      this.listener.onMessage(label, new Uint8Array(data));
    } else if (typeof data === 'string') {
      // Peers send binary frames only; a text frame is passed on as UTF-8 so the framing layer judges it.
      this.listener.onMessage(label, new TextEncoder().encode(data));
    }
  }

  _onLocalCandidate(candidate) {
    // Chrome ends each gathering generation with an empty candidate and finally with null.
    const init = candidate && candidate.candidate ? candidate.toJSON() : null;
    if (init === null && candidate) {
      return;
    }
    if (this.holdLocal > 0) {
      this.heldLocal.push(init);
    } else {
      this.listener.onLocalCandidate(init);
    }
  }

  /** Runs description/candidate operations one at a time, in order. */
  _serial(op) {
    const run = this._ops.then(() => {
      if (this.closed) {
        throw new Error('link closed');
      }
      return op();
    });
    this._ops = run.catch(() => {});
    return run;
  }

  /** Local candidates wait until the description they belong to went out (call {@link releaseCandidates}). */
  _hold() {
    this.holdLocal++;
  }

  /** Sends the local candidates held back while a description was being made. */
  releaseCandidates() {
    if (this.holdLocal > 0) {
      this.holdLocal--;
    }
    if (this.holdLocal === 0 && !this.closed) {
      const held = this.heldLocal;
      this.heldLocal = [];
      for (const c of held) {
        this._call(() => this.listener.onLocalCandidate(c));
      }
    }
  }

  /**
   * Creates an offer (with new ICE credentials when `iceRestart`) and sets it locally. Candidates are held
   * until {@link releaseCandidates}.
   * @returns {Promise<string>} the offer's SDP
   */
  createOffer(iceRestart) {
    this._hold();
    return this._serial(async () => {
      const offer = await this.pc.createOffer({ iceRestart });
      await this.pc.setLocalDescription(offer);
      return offer.sdp;
    });
  }

  /** Sets the remote offer (rolling back a colliding local one), answers and sets the answer locally. */
  acceptOffer(sdp) {
    this._hold();
    return this._serial(async () => {
      if (this.pc.signalingState === 'have-local-offer') {
        // Perfect negotiation, polite side: our own offer loses.
        await this.pc.setLocalDescription({ type: 'rollback' });
      }
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      this._remoteSet();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      return answer.sdp;
    });
  }

  /**
   * Sets the remote answer. Resolves false (nothing done) when no offer of ours is outstanding: a late or
   * duplicate answer.
   */
  acceptAnswer(sdp) {
    return this._serial(async () => {
      if (this.pc.signalingState !== 'have-local-offer') {
        return false;
      }
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
      this._remoteSet();
      return true;
    });
  }

  _remoteSet() {
    this.remoteDescriptionSet = true;
    const pending = this.pendingRemote;
    this.pendingRemote = [];
    for (const c of pending) {
      this.pc.addIceCandidate(c).catch(() => this._call(() => this.listener.onCandidateRejected?.()));
    }
  }

  /** Adds a remote candidate now, or once the remote description is set (bounded). */
  addRemoteCandidate(candidate) {
    this._serial(async () => {
      if (!this.remoteDescriptionSet) {
        if (this.pendingRemote.length < MAX_PENDING_CANDIDATES) {
          this.pendingRemote.push(candidate);
        }
        return;
      }
      try {
        await this.pc.addIceCandidate(candidate);
      } catch {
        // A candidate of an ICE generation already replaced; harmless.
        this._call(() => this.listener.onCandidateRejected?.());
      }
    }).catch(() => {});
  }

  /** Sends one frame; false when the channel is not open or the send failed. */
  send(label, frame) {
    const channel = this.channels.get(label);
    if (this.closed || !channel || channel.readyState !== 'open') {
      return false;
    }
    try {
      channel.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  bufferedAmount(label) {
    const channel = this.channels.get(label);
    return this.closed || !channel ? 0 : channel.bufferedAmount;
  }

  isOpen(label) {
    return !this.closed && this.channels.get(label)?.readyState === 'open';
  }

  get connectionState() {
    return this.closed ? 'closed' : this.pc.connectionState;
  }

  /**
   * Type of the selected candidate pair's local candidate.
   * @returns {Promise<'host'|'srflx'|'prflx'|'relay'|null>}
   */
  async candidatePairType() {
    if (this.closed) {
      return null;
    }
    try {
      const report = await this.pc.getStats();
      let pairId = null;
      report.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          pairId = s.selectedCandidatePairId;
        }
      });
      let pair = pairId ? report.get(pairId) : null;
      if (!pair) {
        report.forEach((s) => {
          if (!pair && s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded'))) {
            pair = s;
          }
        });
      }
      const local = pair ? report.get(pair.localCandidateId) : null;
      const type = local?.candidateType;
      return ['host', 'srflx', 'prflx', 'relay'].includes(type) ? type : null;
    } catch {
      return null;
    }
  }

  /** Closes channels and connection once; no listener call happens afterwards. */
  close() {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.pendingRemote = [];
    this.heldLocal = [];
    for (const channel of this.channels.values()) {
      channel.onopen = channel.onclose = channel.onmessage = channel.onbufferedamountlow = null;
      guard(() => channel.close());
    }
    this.pc.onicecandidate = this.pc.onconnectionstatechange = null;
    guard(() => this.pc.close());
  }
}

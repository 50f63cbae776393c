/**
 * The five negotiated data channels (docs/PROTOCOL.md "Data channels") and byte helpers.
 * Mirrors shared/.../channel/ChannelSpec.java and the priority mapping of rtc/PeerLink.java.
 * @module channels
 */
import { PeerMeshError, ErrorCode } from './errors.js';

/**
 * @typedef {object} ChannelSpec
 * @property {string} label
 * @property {number} id SCTP stream id (negotiated: true on both sides)
 * @property {boolean} ordered
 * @property {number|null} maxRetransmits null: fully reliable; 0: never retransmitted
 * @property {RTCPriorityType} priority
 * @property {boolean} sequenced DATA/ACK framing with exactly-once delivery
 */

/** @type {ReadonlyArray<ChannelSpec>} in priority order (the order the sender pumps them) */
export const CHANNELS = Object.freeze([
  Object.freeze({ label: 'code-sync', id: 0, ordered: true, maxRetransmits: null, priority: 'high', sequenced: true }),
  Object.freeze({ label: 'cursor-pos', id: 1, ordered: false, maxRetransmits: 0, priority: 'medium', sequenced: false }),
  Object.freeze({ label: 'ai-stream', id: 2, ordered: true, maxRetransmits: null, priority: 'high', sequenced: true }),
  Object.freeze({ label: 'presence', id: 3, ordered: true, maxRetransmits: null, priority: 'low', sequenced: false }),
  Object.freeze({ label: 'files', id: 4, ordered: true, maxRetransmits: null, priority: 'very-low', sequenced: false }),
]);

/** Channel labels, in the order above. */
export const CHANNEL_LABELS = Object.freeze(CHANNELS.map((c) => c.label));

const BY_LABEL = new Map(CHANNELS.map((c) => [c.label, c]));

/** @returns {ChannelSpec|undefined} */
export function channelByLabel(label) {
  return typeof label === 'string' ? BY_LABEL.get(label) : undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 encode. */
export function utf8(text) {
  return encoder.encode(text);
}

/** UTF-8 decode (invalid sequences become U+FFFD). */
export function fromUtf8(bytes) {
  return decoder.decode(bytes);
}

/**
 * A private copy of `data` as bytes (the caller may reuse its buffer afterwards).
 * @param {string|ArrayBuffer|ArrayBufferView} data
 * @returns {Uint8Array}
 * @throws {PeerMeshError} bad-data
 */
export function toBytes(data) {
  if (typeof data === 'string') {
    return encoder.encode(data);
  }
  if (data instanceof ArrayBuffer) {
    return new Uint8Array(data.slice(0));
  }
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  }
  throw new PeerMeshError(ErrorCode.BAD_DATA, 'data must be a string, an ArrayBuffer or an ArrayBufferView');
}

/** Standard base64 with padding (what Java's Base64.getEncoder() writes). */
export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

// Padding optional, as Java's Base64.getDecoder() accepts.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/**
 * Strict base64 decode (standard alphabet, no whitespace).
 * @returns {Uint8Array|null} null when `text` is not canonical base64
 */
export function fromBase64(text) {
  if (typeof text !== 'string' || !BASE64.test(text)) {
    return null;
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    out[i] = binary.charCodeAt(i);
  }
  return out;
}

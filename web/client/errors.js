/**
 * Errors of the PeerMesh browser client. Every error carries a stable `code`; server error codes
 * (docs/PROTOCOL.md) pass through unchanged, the client adds its own below.
 * @module errors
 */

/** Codes the client itself produces (server codes such as `auth-failed` pass through as they are). */
export const ErrorCode = Object.freeze({
  /** `send()` named a channel that is not one of the five. */
  UNKNOWN_CHANNEL: 'unknown-channel',
  /** `send()` got data that is not a string, ArrayBuffer or ArrayBufferView. */
  BAD_DATA: 'bad-data',
  /** A message is larger than `maxMessageBytes` (it could not be relayed over signaling). */
  MESSAGE_TOO_LARGE: 'message-too-large',
  /** `to` names a peer that is not in the room. */
  UNKNOWN_PEER: 'unknown-peer',
  /** The client has not joined yet. */
  NOT_JOINED: 'not-joined',
  /** The client (or the peer link) is closed. */
  CLOSED: 'closed',
  /** The link to the peer gave up (recovery ladder exhausted); see the `state` event's reason. */
  FAILED: 'failed',
  /** The channel's bounded send queue is full (not for cursor-pos: latest wins). */
  QUEUE_FULL: 'queue-full',
  /** A sequenced channel holds its maximum of unacknowledged messages. */
  RESEND_BUFFER_FULL: 'resend-buffer-full',
  /** A constructor option has an invalid value or an unknown key. */
  BAD_CONFIG: 'bad-config',
  /** The bounded signaling outbox overflowed; a signaling message was dropped. */
  SIGNALING_QUEUE_FULL: 'signaling-queue-full',
  /** A remote peer broke the channel framing (logged and counted; the message is dropped). */
  PROTOCOL_ERROR: 'protocol-error',
  /** The signaling server sent something outside the protocol (counted and ignored). */
  BAD_SIGNAL: 'bad-signal',
  /** Another socket resumed this session (close code 4009); this client stops. */
  REPLACED: 'replaced',
  /** The signaling socket could not be (re)opened. */
  SIGNALING_UNAVAILABLE: 'signaling-unavailable',
  /** A file is larger than `maxFileBytes`. */
  FILE_TOO_LARGE: 'file-too-large',
  /** The receiver refused or cancelled a file. */
  FILE_REJECTED: 'file-rejected',
  /** The receiver computed another SHA-256 than the sender announced. */
  FILE_CHECKSUM_MISMATCH: 'file-checksum-mismatch',
  /** The peer left while a transfer or a request addressed to it was pending. */
  PEER_LEFT: 'peer-left',
  /**
   * Writing to a Storage failed (full: QuotaExceededError, or not allowed); AiAnswers goes on without that write
   * and reports it once until a write succeeds again.
   */
  STORAGE_FAILED: 'storage-failed',
  /** A bug in the client: an event was handled in a state that does not allow it. */
  INTERNAL: 'internal',
});

/** An error with a machine-readable `code` and optional details (`peer`, `refused`, ...). */
export class PeerMeshError extends Error {
  /**
   * @param {string} code one of {@link ErrorCode} or a server error code
   * @param {string} [message] human-readable text
   * @param {object} [details] extra fields copied onto the error
   */
  constructor(code, message, details) {
    super(message || code);
    this.name = 'PeerMeshError';
    /** @type {string} */
    this.code = code;
    if (details) {
      Object.assign(this, details);
    }
  }
}

package io.peermesh.shared.protocol;

/** WebSocket close codes the signaling service uses; documented in docs/PROTOCOL.md. */
public final class CloseCodes {
  /** The client sent {@code leave}. */
  public static final short NORMAL = 1000;
  /** A frame exceeded the size limit (RFC 6455 "message too big"). */
  public static final short FRAME_TOO_LARGE = 1009;
  /** The node is at its socket or room capacity (RFC 6455 "try again later"). */
  public static final short TRY_AGAIN_LATER = 1013;
  /** The token was missing, forged, expired or did not grant the room. */
  public static final short AUTH_FAILED = 4001;
  /** A newer socket took this peer id over with the resume token. */
  public static final short REPLACED = 4009;
  /** No join arrived within the join timeout. */
  public static final short JOIN_TIMEOUT = 4008;
  /** No message (not even a ping) arrived within the idle timeout; the session may resume. */
  public static final short IDLE_TIMEOUT = 4002;
  /** The socket exceeded its message rate. */
  public static final short RATE_LIMITED = 4029;

  private CloseCodes() {}
}

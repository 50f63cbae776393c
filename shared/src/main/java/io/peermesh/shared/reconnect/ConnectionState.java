package io.peermesh.shared.reconnect;

/**
 * Where one server-side peer connection stands in its life and in the recovery ladder (see the
 * package documentation for the order in which the recovering states are tried).
 */
public enum ConnectionState {
  /** Created, {@link ConnectionEvent.Start} not received yet. */
  IDLE,
  /** First connection attempt in flight. */
  CONNECTING,
  /** WebRTC transport up; data channels carry the traffic. */
  CONNECTED,
  /**
   * Path lost; waiting a short grace period because libwebrtc often recovers by itself (tens of
   * milliseconds when the path comes back quickly) and any action of ours would only disturb it.
   */
  DISCONNECTED,
  /** ICE restart on the same peer connection in flight; its data channels survive. */
  ICE_RESTARTING,
  /** Waiting (jittered backoff) before the next rung of the ladder, so peers and TURN are not hammered. */
  BACKOFF,
  /** New peer connection restricted to TURN relay candidates in flight (for hostile NATs and firewalls). */
  RELAY_ONLY,
  /** Brand-new peer connection with new data channels in flight. */
  RECONNECTING,
  /**
   * No WebRTC transport: data channel messages travel over the signaling socket, and periodic probes
   * try to upgrade back to a peer connection.
   */
  DEGRADED,
  /** Terminal: recovery gave up; the reason is in {@link MachineState#lastReason()}. */
  FAILED,
  /** Terminal: closed on request. */
  CLOSED;

  /** True for FAILED and CLOSED: no event can leave these states (only stale events and Close are accepted). */
  public boolean isTerminal() {
    return this == FAILED || this == CLOSED;
  }

  /**
   * True when application messages can be delivered right now: CONNECTED over data channels, and
   * DEGRADED "via signaling" (slower, but nothing is lost, which is why the ladder ends there).
   */
  public boolean isUsable() {
    return this == CONNECTED || this == DEGRADED;
  }

  /**
   * True while the machine works at getting a WebRTC transport back after a loss or failure:
   * DISCONNECTED, ICE_RESTARTING, BACKOFF, RELAY_ONLY, RECONNECTING, and DEGRADED (usable, yet still
   * probing to upgrade). CONNECTING is the first attempt, not a recovery.
   */
  public boolean isRecovering() {
    return switch (this) {
      case DISCONNECTED, ICE_RESTARTING, BACKOFF, RELAY_ONLY, RECONNECTING, DEGRADED -> true;
      default -> false;
    };
  }
}

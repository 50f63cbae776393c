package io.peermesh.shared.protocol;

/**
 * What a client may send to the signaling service (docs/PROTOCOL.md, version 1). Every message may carry an
 * optional {@code id}; an error caused by the message echoes it as {@code ref}.
 */
public sealed interface ClientMessage {

  /** Optional client-chosen correlation id. */
  String id();

  /** The wire {@code type}. */
  String type();

  /** Joins one room. {@code token} is a JWT (optional only in dev mode); {@code resume} resumes a session. */
  record Join(String id, int v, String room, String token, String resume, String peer) implements ClientMessage {
    public String type() {
      return "join";
    }
  }

  /**
   * An SDP offer for peer {@code to}. {@code connection}: optional generation of the peer connection it
   * belongs to; a higher generation replaces the current connection, a lower one is stale.
   */
  record Offer(String id, String to, String sdp, Integer connection) implements ClientMessage {
    public String type() {
      return "offer";
    }
  }

  /** An SDP answer for peer {@code to}. */
  record Answer(String id, String to, String sdp, Integer connection) implements ClientMessage {
    public String type() {
      return "answer";
    }
  }

  /** One trickled ICE candidate for {@code to}, or end-of-candidates when {@code candidate} is null. */
  record Candidate(String id, String to, String candidate, String sdpMid, Integer sdpMLineIndex,
      Integer connection) implements ClientMessage {
    public String type() {
      return "candidate";
    }
  }

  /** Leaves the room; the server closes the socket with 1000. */
  record Leave(String id) implements ClientMessage {
    public String type() {
      return "leave";
    }
  }

  /** Application heartbeat; answered with {@code pong} carrying the same {@code ts}. */
  record Ping(String id, Long ts) implements ClientMessage {
    public String type() {
      return "ping";
    }
  }

  /** A connection-state report for the room (sent by supervisors and clients). */
  record State(String id, String to, String state, String previous, String reason, Integer attempt)
      implements ClientMessage {
    public String type() {
      return "state";
    }
  }

  /**
   * A data-channel message carried over signaling while WebRTC is unavailable (degraded mode). {@code data}
   * is the channel frame, base64 encoded.
   */
  record Relay(String id, String to, String channel, String data) implements ClientMessage {
    public String type() {
      return "relay";
    }
  }
}

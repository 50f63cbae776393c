package io.peermesh.shared.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * What the signaling service sends to a client (docs/PROTOCOL.md, version 1). {@code type} is written from
 * each record's constant and ignored when a Java client reads a message back into its record.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true)
public sealed interface ServerMessage {

  @JsonProperty("type")
  String type();

  /** One ICE server entry in the form RTCPeerConnection accepts. */
  record IceServer(List<String> urls, String username, String credential) {}

  /** Another peer of the room. */
  record PeerInfo(String peer) {}

  /** Reply to a successful {@code join} (or resume, then {@code resumed} is true). */
  @JsonPropertyOrder({"type"})
  record Joined(String ref, int v, String room, String peer, List<PeerInfo> peers, List<IceServer> iceServers,
      String resumeToken, long heartbeatMs, long resumeGraceMs, boolean resumed) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "joined";
    }
  }

  @JsonPropertyOrder({"type"})
  record PeerJoined(String room, String peer) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "peer-joined";
    }
  }

  /** {@code reason}: left, timeout (resume grace expired), node-lost, replaced. */
  @JsonPropertyOrder({"type"})
  record PeerLeft(String room, String peer, String reason) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "peer-left";
    }
  }

  @JsonPropertyOrder({"type"})
  record Offer(String from, String sdp, Integer connection) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "offer";
    }
  }

  @JsonPropertyOrder({"type"})
  record Answer(String from, String sdp, Integer connection) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "answer";
    }
  }

  /** A trickled candidate; {@code candidate} null means end-of-candidates. */
  @JsonPropertyOrder({"type"})
  record Candidate(String from, String candidate, String sdpMid, Integer sdpMLineIndex, Integer connection)
      implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "candidate";
    }
  }

  @JsonPropertyOrder({"type"})
  record Pong(String ref, Long ts, long serverTime) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "pong";
    }
  }

  @JsonPropertyOrder({"type"})
  record State(String from, String state, String previous, String reason, Integer attempt) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "state";
    }
  }

  @JsonPropertyOrder({"type"})
  record Relay(String from, String channel, String data) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "relay";
    }
  }

  /** {@code field}: the offending field when there is one; {@code ref}: the message's id, or its type. */
  @JsonPropertyOrder({"type"})
  record Error(String code, String message, String field, String ref) implements ServerMessage {
    @JsonProperty("type")
    public String type() {
      return "error";
    }

    public static Error of(ProtocolException e) {
      return new Error(e.code().wire(), e.getMessage(), e.field(), e.ref());
    }
  }
}

package io.peermesh.shared.protocol;

/** Every error a client can receive, with its wire code. docs/PROTOCOL.md lists them with examples. */
public enum ErrorCode {
  BAD_JSON("bad-json", "the frame is not a JSON object"),
  DUPLICATE_KEY("duplicate-key", "a key appears twice in the message"),
  UNKNOWN_TYPE("unknown-type", "the message type is not part of the protocol"),
  MISSING_FIELD("missing-field", "a required field is absent"),
  WRONG_TYPE("wrong-type", "a field has the wrong JSON type or an invalid value"),
  UNKNOWN_FIELD("unknown-field", "the message carries a field the protocol does not define"),
  UNSUPPORTED_VERSION("unsupported-version", "the join names a protocol version this server does not speak"),
  NOT_JOINED("not-joined", "the socket must join a room first"),
  ALREADY_JOINED("already-joined", "the socket already joined a room"),
  AUTH_FAILED("auth-failed", "the token is missing, forged or malformed"),
  TOKEN_EXPIRED("token-expired", "the token has expired"),
  ROOM_FORBIDDEN("room-forbidden", "the token does not grant this room"),
  PEER_ID_IN_USE("peer-id-in-use", "another socket holds this peer id; present its resume token to take over"),
  RESUME_FAILED("resume-failed", "the resume token is unknown, expired or belongs to another peer"),
  UNKNOWN_PEER("unknown-peer", "the addressed peer is not in your room"),
  PEER_UNREACHABLE("peer-unreachable", "the addressed peer's node did not accept the message in time"),
  ROOM_FULL("room-full", "the room holds its maximum number of peers"),
  TOO_MANY_ROOMS("too-many-rooms", "this node holds its maximum number of rooms"),
  TOO_MANY_SOCKETS("too-many-sockets", "this node holds its maximum number of sockets"),
  FRAME_TOO_LARGE("frame-too-large", "the frame exceeds the size limit"),
  RATE_LIMITED("rate-limited", "the socket sent more messages per second than allowed"),
  BINARY_NOT_SUPPORTED("binary-not-supported", "signaling frames are text"),
  INTERNAL("internal", "the server failed; the message had no effect");

  private final String wire;
  private final String description;

  ErrorCode(String wire, String description) {
    this.wire = wire;
    this.description = description;
  }

  public String wire() {
    return wire;
  }

  public String description() {
    return description;
  }
}

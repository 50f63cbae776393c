package io.peermesh.shared.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Typed configuration of the signaling service. Every key, its default and why it is that value are in
 * conf/README.md; conf/peermesh.json carries the defaults. Unknown keys are rejected so a typo cannot
 * silently fall back to a default.
 */
public record SignalingConfig(
    String host,
    int port,
    boolean devMode,
    String jwtHs256Secret,
    String jwtRs256PublicKeyPem,
    String jwtIssuer,
    List<String> stunUrls,
    List<String> turnUrls,
    String turnSecret,
    long turnCredentialTtlSeconds,
    int maxFrameBytes,
    int maxMessagesPerSecond,
    int burstMessages,
    int maxPeersPerRoom,
    int maxRoomsPerNode,
    int maxSocketsPerNode,
    long joinTimeoutMs,
    long heartbeatMs,
    long idleTimeoutMs,
    long resumeGraceMs,
    int resumeBufferMessages,
    long sendTimeoutMs) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final long DEFAULT_TURN_TTL_SECONDS = 3600;
  public static final int DEFAULT_MAX_FRAME_BYTES = 65_536;
  public static final int DEFAULT_MAX_MESSAGES_PER_SECOND = 100;
  public static final int DEFAULT_BURST_MESSAGES = 200;
  public static final int DEFAULT_MAX_PEERS_PER_ROOM = 64;
  public static final int DEFAULT_MAX_ROOMS_PER_NODE = 10_000;
  public static final int DEFAULT_MAX_SOCKETS_PER_NODE = 18_000;
  public static final long DEFAULT_JOIN_TIMEOUT_MS = 10_000;
  public static final long DEFAULT_HEARTBEAT_MS = 5_000;
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 15_000;
  public static final long DEFAULT_RESUME_GRACE_MS = 15_000;
  public static final int DEFAULT_RESUME_BUFFER_MESSAGES = 256;
  public static final long DEFAULT_SEND_TIMEOUT_MS = 2_000;

  public SignalingConfig {
    stunUrls = List.copyOf(stunUrls);
    turnUrls = List.copyOf(turnUrls);
    Check.range("port", port, 0, 65_535);
    Check.positive("turnCredentialTtlSeconds", turnCredentialTtlSeconds);
    Check.range("maxFrameBytes", maxFrameBytes, 256, 16 * 1024 * 1024);
    Check.positive("maxMessagesPerSecond", maxMessagesPerSecond);
    Check.range("burstMessages", burstMessages, maxMessagesPerSecond, Integer.MAX_VALUE);
    Check.positive("maxPeersPerRoom", maxPeersPerRoom);
    Check.positive("maxRoomsPerNode", maxRoomsPerNode);
    Check.positive("maxSocketsPerNode", maxSocketsPerNode);
    Check.positive("joinTimeoutMs", joinTimeoutMs);
    Check.positive("heartbeatMs", heartbeatMs);
    Check.range("idleTimeoutMs", idleTimeoutMs, heartbeatMs, Long.MAX_VALUE);
    Check.positive("resumeGraceMs", resumeGraceMs);
    Check.positive("resumeBufferMessages", resumeBufferMessages);
    Check.positive("sendTimeoutMs", sendTimeoutMs);
    boolean hasKey = notBlank(jwtHs256Secret) || notBlank(jwtRs256PublicKeyPem);
    if (!devMode && !hasKey) {
      throw new IllegalArgumentException(
          "signaling: set jwtHs256Secret or jwtRs256PublicKeyPem, or turn devMode on explicitly");
    }
    if (notBlank(jwtHs256Secret) && jwtHs256Secret.length() < 32) {
      throw new IllegalArgumentException("signaling.jwtHs256Secret: use at least 32 characters");
    }
    if (!turnUrls.isEmpty() && !notBlank(turnSecret)) {
      throw new IllegalArgumentException("signaling.turnSecret is required when turnUrls is set");
    }
  }

  public boolean turnConfigured() {
    return !turnUrls.isEmpty();
  }

  /** Reads the {@code signaling} section; absent keys take their defaults. */
  public static SignalingConfig from(JsonObject json) {
    JsonObject j = json == null ? new JsonObject() : json;
    Check.onlyKeys("signaling", j, "host", "port", "devMode", "jwtHs256Secret", "jwtRs256PublicKeyPem",
        "jwtIssuer", "stunUrls", "turnUrls", "turnSecret", "turnCredentialTtlSeconds", "maxFrameBytes",
        "maxMessagesPerSecond", "burstMessages", "maxPeersPerRoom", "maxRoomsPerNode", "maxSocketsPerNode",
        "joinTimeoutMs", "heartbeatMs", "idleTimeoutMs", "resumeGraceMs", "resumeBufferMessages",
        "sendTimeoutMs");
    return new SignalingConfig(
        Check.stringValue(j, "host", DEFAULT_HOST),
        Check.intValue(j, "port", DEFAULT_PORT),
        Check.boolValue(j, "devMode", false),
        Check.stringValue(j, "jwtHs256Secret", null),
        Check.stringValue(j, "jwtRs256PublicKeyPem", null),
        Check.stringValue(j, "jwtIssuer", null),
        Check.stringList(j, "stunUrls"),
        Check.stringList(j, "turnUrls"),
        Check.stringValue(j, "turnSecret", null),
        Check.longValue(j, "turnCredentialTtlSeconds", DEFAULT_TURN_TTL_SECONDS),
        Check.intValue(j, "maxFrameBytes", DEFAULT_MAX_FRAME_BYTES),
        Check.intValue(j, "maxMessagesPerSecond", DEFAULT_MAX_MESSAGES_PER_SECOND),
        Check.intValue(j, "burstMessages", DEFAULT_BURST_MESSAGES),
        Check.intValue(j, "maxPeersPerRoom", DEFAULT_MAX_PEERS_PER_ROOM),
        Check.intValue(j, "maxRoomsPerNode", DEFAULT_MAX_ROOMS_PER_NODE),
        Check.intValue(j, "maxSocketsPerNode", DEFAULT_MAX_SOCKETS_PER_NODE),
        Check.longValue(j, "joinTimeoutMs", DEFAULT_JOIN_TIMEOUT_MS),
        Check.longValue(j, "heartbeatMs", DEFAULT_HEARTBEAT_MS),
        Check.longValue(j, "idleTimeoutMs", DEFAULT_IDLE_TIMEOUT_MS),
        Check.longValue(j, "resumeGraceMs", DEFAULT_RESUME_GRACE_MS),
        Check.intValue(j, "resumeBufferMessages", DEFAULT_RESUME_BUFFER_MESSAGES),
        Check.longValue(j, "sendTimeoutMs", DEFAULT_SEND_TIMEOUT_MS));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host).put("port", port).put("devMode", devMode)
        .put("jwtHs256Secret", jwtHs256Secret).put("jwtRs256PublicKeyPem", jwtRs256PublicKeyPem)
        .put("jwtIssuer", jwtIssuer)
        .put("stunUrls", new JsonArray(stunUrls)).put("turnUrls", new JsonArray(turnUrls))
        .put("turnSecret", turnSecret).put("turnCredentialTtlSeconds", turnCredentialTtlSeconds)
        .put("maxFrameBytes", maxFrameBytes).put("maxMessagesPerSecond", maxMessagesPerSecond)
        .put("burstMessages", burstMessages).put("maxPeersPerRoom", maxPeersPerRoom)
        .put("maxRoomsPerNode", maxRoomsPerNode).put("maxSocketsPerNode", maxSocketsPerNode)
        .put("joinTimeoutMs", joinTimeoutMs).put("heartbeatMs", heartbeatMs).put("idleTimeoutMs", idleTimeoutMs)
        .put("resumeGraceMs", resumeGraceMs).put("resumeBufferMessages", resumeBufferMessages)
        .put("sendTimeoutMs", sendTimeoutMs);
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }

}

package io.peermesh.shared.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SignalingConfigTest {

  private static final String SECRET = "0123456789abcdef0123456789abcdef"; // 32 chars

  private static JsonObject dev() {
    return new JsonObject().put("devMode", true);
  }

  private static IllegalArgumentException rejected(JsonObject json) {
    return assertThrows(IllegalArgumentException.class, () -> SignalingConfig.from(json), json::encode);
  }

  @Test
  void defaultsFromDevModeOnlyObject() {
    SignalingConfig c = SignalingConfig.from(dev());
    assertEquals(SignalingConfig.DEFAULT_HOST, c.host());
    assertEquals("127.0.0.1", c.host());
    assertEquals(8080, c.port());
    assertTrue(c.devMode());
    assertNull(c.jwtHs256Secret());
    assertNull(c.jwtRs256PublicKeyPem());
    assertNull(c.jwtIssuer());
    assertEquals(List.of(), c.stunUrls());
    assertEquals(List.of(), c.turnUrls());
    assertNull(c.turnSecret());
    assertFalse(c.turnConfigured());
    assertEquals(SignalingConfig.DEFAULT_TURN_TTL_SECONDS, c.turnCredentialTtlSeconds());
    assertEquals(SignalingConfig.DEFAULT_MAX_FRAME_BYTES, c.maxFrameBytes());
    assertEquals(SignalingConfig.DEFAULT_MAX_MESSAGES_PER_SECOND, c.maxMessagesPerSecond());
    assertEquals(SignalingConfig.DEFAULT_BURST_MESSAGES, c.burstMessages());
    assertEquals(SignalingConfig.DEFAULT_MAX_PEERS_PER_ROOM, c.maxPeersPerRoom());
    assertEquals(SignalingConfig.DEFAULT_MAX_ROOMS_PER_NODE, c.maxRoomsPerNode());
    assertEquals(SignalingConfig.DEFAULT_MAX_SOCKETS_PER_NODE, c.maxSocketsPerNode());
    assertEquals(SignalingConfig.DEFAULT_JOIN_TIMEOUT_MS, c.joinTimeoutMs());
    assertEquals(SignalingConfig.DEFAULT_HEARTBEAT_MS, c.heartbeatMs());
    assertEquals(SignalingConfig.DEFAULT_IDLE_TIMEOUT_MS, c.idleTimeoutMs());
    assertEquals(SignalingConfig.DEFAULT_RESUME_GRACE_MS, c.resumeGraceMs());
    assertEquals(SignalingConfig.DEFAULT_RESUME_BUFFER_MESSAGES, c.resumeBufferMessages());
    assertEquals(SignalingConfig.DEFAULT_SEND_TIMEOUT_MS, c.sendTimeoutMs());
  }

  @Test
  void defaultsWithSecretAreNotDevMode() {
    SignalingConfig c = SignalingConfig.from(new JsonObject().put("jwtHs256Secret", SECRET));
    assertFalse(c.devMode());
    assertEquals(SECRET, c.jwtHs256Secret());
  }

  @Test
  void rs256PublicKeyAloneSatisfiesTheKeyRequirement() {
    SignalingConfig c = SignalingConfig.from(new JsonObject().put("jwtRs256PublicKeyPem",
        "-----BEGIN PUBLIC KEY-----\nMII...\n-----END PUBLIC KEY-----"));
    assertFalse(c.devMode());
    assertNull(c.jwtHs256Secret());
  }

  @Test
  void emptyObjectWithoutKeyOrDevModeIsRejected() {
    IllegalArgumentException e = rejected(new JsonObject());
    assertTrue(e.getMessage().contains("jwtHs256Secret"), e.getMessage());
    assertTrue(e.getMessage().contains("devMode"), e.getMessage());
  }

  @Test
  void nullObjectIsTreatedAsEmpty() {
    assertThrows(IllegalArgumentException.class, () -> SignalingConfig.from(null));
  }

  @Test
  void blankSecretDoesNotCountAsAKey() {
    assertThrows(IllegalArgumentException.class,
        () -> SignalingConfig.from(new JsonObject().put("jwtHs256Secret", "   ")));
  }

  @Test
  void explicitDevModeFalseWithoutKeyIsRejected() {
    rejected(new JsonObject().put("devMode", false));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("port", dev().put("port", 65_536)),
        Arguments.of("port", dev().put("port", -1)),
        Arguments.of("turnCredentialTtlSeconds", dev().put("turnCredentialTtlSeconds", 0)),
        Arguments.of("maxFrameBytes", dev().put("maxFrameBytes", 255)),
        Arguments.of("maxFrameBytes", dev().put("maxFrameBytes", 16 * 1024 * 1024 + 1)),
        Arguments.of("maxMessagesPerSecond", dev().put("maxMessagesPerSecond", 0)),
        Arguments.of("burstMessages", dev().put("burstMessages", 99)),
        Arguments.of("burstMessages", dev().put("maxMessagesPerSecond", 50).put("burstMessages", 49)),
        Arguments.of("maxPeersPerRoom", dev().put("maxPeersPerRoom", 0)),
        Arguments.of("maxRoomsPerNode", dev().put("maxRoomsPerNode", -5)),
        Arguments.of("maxSocketsPerNode", dev().put("maxSocketsPerNode", 0)),
        Arguments.of("joinTimeoutMs", dev().put("joinTimeoutMs", 0)),
        Arguments.of("heartbeatMs", dev().put("heartbeatMs", 0)),
        Arguments.of("idleTimeoutMs", dev().put("idleTimeoutMs", 4_999)),
        Arguments.of("idleTimeoutMs", dev().put("heartbeatMs", 20_000)),
        Arguments.of("resumeGraceMs", dev().put("resumeGraceMs", 0)),
        Arguments.of("resumeBufferMessages", dev().put("resumeBufferMessages", 0)),
        Arguments.of("sendTimeoutMs", dev().put("sendTimeoutMs", -1)),
        Arguments.of("jwtHs256Secret", new JsonObject().put("jwtHs256Secret", SECRET.substring(1))),
        Arguments.of("jwtHs256Secret", dev().put("jwtHs256Secret", "short")),
        Arguments.of("turnSecret", dev().put("turnUrls", new JsonArray().add("turn:t.example.org:3478"))),
        Arguments.of("turnSecret", dev().put("turnUrls", new JsonArray().add("turn:t")).put("turnSecret", " ")),
        Arguments.of("signaling.prot", dev().put("prot", 8080)),
        Arguments.of("signaling.devmode", new JsonObject().put("devmode", true)));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("invalid")
  void validationFailureNamesItsKey(String key, JsonObject json) {
    IllegalArgumentException e = rejected(json);
    assertTrue(e.getMessage().contains(key), () -> "'" + e.getMessage() + "' should name " + key);
  }

  @Test
  void portRangeMessageStatesBoundsAndValue() {
    assertEquals("port must be in [0, 65535], was 70000", rejected(dev().put("port", 70_000)).getMessage());
  }

  @Test
  void burstBelowRateMessageStatesTheRate() {
    IllegalArgumentException e = rejected(dev().put("burstMessages", 10));
    assertTrue(e.getMessage().startsWith("burstMessages must be in [100, "), e.getMessage());
  }

  @Test
  void positiveMessageStatesValue() {
    assertEquals("heartbeatMs must be positive, was 0", rejected(dev().put("heartbeatMs", 0)).getMessage());
  }

  @Test
  void unknownKeyMessageNamesSectionAndKey() {
    assertEquals("unknown config key signaling.colour", rejected(dev().put("colour", "red")).getMessage());
  }

  @Test
  void acceptsBoundaryValues() {
    SignalingConfig c = SignalingConfig.from(dev().put("port", 0).put("maxFrameBytes", 256)
        .put("maxMessagesPerSecond", 7).put("burstMessages", 7).put("heartbeatMs", 1_000)
        .put("idleTimeoutMs", 1_000));
    assertEquals(0, c.port());
    assertEquals(256, c.maxFrameBytes());
    assertEquals(7, c.burstMessages());
    assertEquals(1_000, c.idleTimeoutMs());
    assertEquals(65_535, SignalingConfig.from(dev().put("port", 65_535)
        .put("maxFrameBytes", 16 * 1024 * 1024)).port());
  }

  @Test
  void secretOfExactly32CharsIsAccepted() {
    assertEquals(32, SignalingConfig.from(new JsonObject().put("jwtHs256Secret", SECRET)).jwtHs256Secret().length());
  }

  @Test
  void turnUrlsWithSecretConfigureTurn() {
    SignalingConfig c = SignalingConfig.from(dev().put("turnUrls", new JsonArray().add("turn:a:3478").add("turns:a:5349"))
        .put("turnSecret", "s3cret").put("stunUrls", new JsonArray().add("stun:a:3478")));
    assertTrue(c.turnConfigured());
    assertEquals(List.of("turn:a:3478", "turns:a:5349"), c.turnUrls());
    assertEquals(List.of("stun:a:3478"), c.stunUrls());
  }

  @Test
  void urlListsAreImmutableCopies() {
    List<String> stun = new java.util.ArrayList<>(List.of("stun:a"));
    SignalingConfig c = new SignalingConfig("h", 1, true, null, null, null, stun, List.of(), null, 1, 256, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1);
    stun.add("stun:b");
    assertEquals(List.of("stun:a"), c.stunUrls());
    assertThrows(UnsupportedOperationException.class, () -> c.stunUrls().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> c.turnUrls().add("x"));
  }

  @Test
  void toJsonFromRoundTripWithEveryKeySet() {
    SignalingConfig original = new SignalingConfig("0.0.0.0", 9443, false, SECRET, "PEM", "issuer",
        List.of("stun:s:3478"), List.of("turn:t:3478"), "turn-secret", 600, 4096, 10, 20, 8, 100, 1000, 3_000,
        1_000, 3_000, 10_000, 32, 500);
    JsonObject json = original.toJson();
    assertEquals(22, json.size());
    assertEquals(original, SignalingConfig.from(json));
    assertEquals(original, SignalingConfig.from(new JsonObject(json.encode())));
  }

  @Test
  void toJsonFromRoundTripOfDefaults() {
    SignalingConfig defaults = SignalingConfig.from(dev());
    JsonObject json = defaults.toJson();
    assertTrue(json.containsKey("jwtHs256Secret"));
    assertNull(json.getValue("jwtHs256Secret"));
    assertEquals(defaults, SignalingConfig.from(json));
    assertEquals(defaults, SignalingConfig.from(new JsonObject(json.encode())));
  }

  @Test
  void toJsonNamesEveryRecordComponent() {
    JsonObject json = SignalingConfig.from(dev()).toJson();
    for (var component : SignalingConfig.class.getRecordComponents()) {
      assertTrue(json.containsKey(component.getName()), component.getName());
    }
  }

  @Test
  void shippedConfigFileSectionIsValidAndEqualsTheDefaults() throws Exception {
    Path root = Path.of(System.getProperty("peermesh.root", ".."));
    Path file = root.resolve("conf/peermesh.json");
    if (!Files.exists(file)) {
      file = Path.of("../conf/peermesh.json");
    }
    JsonObject signaling = new JsonObject(Files.readString(file)).getJsonObject("signaling");
    assertEquals(SignalingConfig.from(dev()), SignalingConfig.from(signaling));
  }

  @Test
  void rejectsPortBeyondIntRangeInsteadOfWrapping() {
    IllegalArgumentException e = rejected(dev().put("port", 4_294_975_376L));
    assertTrue(e.getMessage().contains("port"), e.getMessage());
  }

  @Test
  void stringListsRejectNonStringEntriesNamingTheKey() {
    IllegalArgumentException e = rejected(dev().put("stunUrls", new JsonArray().add("stun:a").add(42)));
    assertTrue(e.getMessage().contains("stunUrls"), e.getMessage());
  }

  @Test
  void wrongTypesFractionsAndNullsNameTheirKey() {
    assertTrue(rejected(dev().put("port", "8080")).getMessage().contains("port"));
    assertTrue(rejected(dev().put("port", 8080.9)).getMessage().contains("port"));
    assertTrue(rejected(dev().putNull("maxFrameBytes")).getMessage().contains("maxFrameBytes"));
    assertTrue(rejected(dev().put("resumeGraceMs", 1.5)).getMessage().contains("resumeGraceMs"));
    assertTrue(rejected(dev().put("stunUrls", "stun:a")).getMessage().contains("stunUrls"));
    assertTrue(rejected(dev().put("jwtIssuer", 7)).getMessage().contains("jwtIssuer"));
    assertTrue(rejected(new JsonObject().putNull("devMode")).getMessage().contains("devMode"));
    assertTrue(rejected(dev().put("maxFrameBytes", 4_294_967_552L)).getMessage().contains("maxFrameBytes"));
  }
}

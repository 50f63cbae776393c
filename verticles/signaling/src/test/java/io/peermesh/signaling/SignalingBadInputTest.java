package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.protocol.CloseCodes;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every bad input gets its exact error code; malformed input leaves the socket open, abuse closes it. */
class SignalingBadInputTest {
  private static SignalingFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new SignalingFixture(new JsonObject().put("maxFrameBytes", 4096).put("maxPeersPerRoom", 2)
        .put("maxMessagesPerSecond", 20).put("burstMessages", 40));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  /** Sends {@code text}, expects {@code code}, then proves the socket still works. */
  private static JsonObject rejectsButStaysOpen(SignalClient client, String text, String code) {
    JsonObject error = client.sendText(text).awaitError(code);
    client.sync();
    assertFalse(client.isClosed(), "socket must stay open after " + code);
    return error;
  }

  @Test
  void malformedJsonGetsBadJsonAndTheSocketStaysOpen() {
    try (SignalClient c = fixture.client()) {
      rejectsButStaysOpen(c, "{\"type\":", "bad-json");
      rejectsButStaysOpen(c, "[1,2]", "bad-json");
      rejectsButStaysOpen(c, "not json", "bad-json");
    }
  }

  @Test
  void unknownTypeMissingFieldWrongTypeDuplicateKeyAndUnknownFieldEachHaveTheirCode() {
    try (SignalClient c = fixture.client()) {
      JsonObject unknown = rejectsButStaysOpen(c, "{\"type\":\"teleport\",\"id\":\"m1\"}", "unknown-type");
      assertEquals("m1", unknown.getString("ref"));
      assertEquals("type", unknown.getString("field"));
      JsonObject missing = rejectsButStaysOpen(c, "{\"type\":\"join\",\"v\":1}", "missing-field");
      assertEquals("room", missing.getString("field"));
      assertEquals("join", missing.getString("ref"));
      JsonObject wrong = rejectsButStaysOpen(c, "{\"type\":\"join\",\"v\":\"1\",\"room\":\"r\"}", "wrong-type");
      assertEquals("v", wrong.getString("field"));
      rejectsButStaysOpen(c, "{\"type\":\"ping\",\"type\":\"ping\"}", "duplicate-key");
      JsonObject extra = rejectsButStaysOpen(c, "{\"type\":\"ping\",\"admin\":true}", "unknown-field");
      assertEquals("admin", extra.getString("field"));
      rejectsButStaysOpen(c, "{\"type\":\"join\",\"v\":2,\"room\":\"r\"}", "unsupported-version");
    }
  }

  @Test
  void binaryFramesAreRefused() {
    try (SignalClient c = fixture.client()) {
      c.sendBinary(new byte[] {1, 2, 3}).awaitError("binary-not-supported");
      c.sync();
      assertFalse(c.isClosed());
    }
  }

  @Test
  void messagesBeforeJoinGetNotJoined() {
    try (SignalClient c = fixture.client()) {
      rejectsButStaysOpen(c, "{\"type\":\"offer\",\"to\":\"x\",\"sdp\":\"v=0\"}", "not-joined");
    }
  }

  @Test
  void forgedTokenIsRefusedAndTheSocketClosed() {
    try (SignalClient c = fixture.client()) {
      String forged = fixture.token("another-secret-that-is-long-enough-xyz", "mallory", new JsonArray().add("r"),
          600);
      c.send(SignalingFixture.join("r", forged)).awaitError("auth-failed");
      assertEquals(CloseCodes.AUTH_FAILED, c.awaitClose());
    }
  }

  @Test
  void garbageTokenAndMissingTokenAreRefused() {
    try (SignalClient c = fixture.client()) {
      c.send(SignalingFixture.join("r", "not.a.jwt")).awaitError("auth-failed");
      assertEquals(CloseCodes.AUTH_FAILED, c.awaitClose());
    }
    try (SignalClient c = fixture.client()) {
      c.send(new JsonObject().put("type", "join").put("v", 1).put("room", "r")).awaitError("auth-failed");
      assertEquals(CloseCodes.AUTH_FAILED, c.awaitClose());
    }
  }

  @Test
  void expiredTokenIsRefused() {
    try (SignalClient c = fixture.client()) {
      c.send(SignalingFixture.join("r", fixture.token("alice", new JsonArray().add("r"), -60)))
          .awaitError("token-expired");
      assertEquals(CloseCodes.AUTH_FAILED, c.awaitClose());
    }
  }

  @Test
  void tokenForAnotherRoomIsRefused() {
    try (SignalClient c = fixture.client()) {
      c.send(SignalingFixture.join("secret-room", fixture.token("alice", new JsonArray().add("lobby"), 600)))
          .awaitError("room-forbidden");
      assertEquals(CloseCodes.AUTH_FAILED, c.awaitClose());
    }
  }

  @Test
  void aClientCannotClaimAPeerIdOtherThanItsTokens() {
    try (SignalClient c = fixture.client()) {
      JsonObject join = SignalingFixture.join("r", fixture.token("alice", new JsonArray().add("r"), 600))
          .put("peer", "bob");
      JsonObject error = c.send(join).awaitError("auth-failed");
      assertEquals("peer", error.getString("field"));
    }
  }

  @Test
  void aSecondSocketWithTheSameIdIsRefusedWithoutTheResumeToken() {
    try (SignalClient first = fixture.joined("dup-room", "carol"); SignalClient second = fixture.client()) {
      second.send(SignalingFixture.join("dup-room", fixture.token("carol", new JsonArray().add("dup-room"), 600)))
          .awaitError("peer-id-in-use");
      second.sync();
      assertFalse(second.isClosed());
      assertFalse(first.isClosed());
    }
  }

  @Test
  void aSecondSocketWithTheResumeTokenTakesOverAndTheFirstIsClosedAsReplaced() {
    SignalClient first = fixture.client();
    String token = fixture.token("dave", new JsonArray().add("takeover"), 600);
    JsonObject joined = first.send(SignalingFixture.join("takeover", token)).await("joined");
    try (SignalClient second = fixture.client()) {
      JsonObject resumed = second.send(SignalingFixture.join("takeover", token)
          .put("resume", joined.getString("resumeToken"))).await("joined");
      assertTrue(resumed.getBoolean("resumed"));
      assertEquals("dave", resumed.getString("peer"));
      assertEquals(CloseCodes.REPLACED, first.awaitClose());
      second.sync();
      assertFalse(second.isClosed());
    } finally {
      first.close();
    }
  }

  @Test
  void aResumeTokenOfAnotherPeerIsRefused() {
    try (SignalClient erin = fixture.joined("resume-room", "erin"); SignalClient frank = fixture.client()) {
      JsonObject joinAsFrank = SignalingFixture.join("resume-room",
          fixture.token("frank", new JsonArray().add("resume-room"), 600)).put("resume", "erin.forged-secret");
      frank.send(joinAsFrank).awaitError("resume-failed");
      assertFalse(erin.isClosed());
    }
  }

  @Test
  void messagesToAPeerInAnotherRoomOrToNobodyGetUnknownPeer() {
    try (SignalClient a = fixture.joined("room-a", "gina"); SignalClient b = fixture.joined("room-b", "hank")) {
      JsonObject error = a.send(new JsonObject().put("type", "offer").put("id", "o1").put("to", "hank")
          .put("sdp", "v=0")).awaitError("unknown-peer");
      assertEquals("to", error.getString("field"));
      assertEquals("o1", error.getString("ref"));
      a.send(new JsonObject().put("type", "candidate").put("to", "nobody")).awaitError("unknown-peer");
      a.send(new JsonObject().put("type", "answer").put("to", "gina").put("sdp", "x")).awaitError("unknown-peer");
      assertTrue(b.unconsumed().isEmpty(), "hank must receive nothing from another room");
    }
  }

  @Test
  void joiningTwiceGetsAlreadyJoined() {
    try (SignalClient c = fixture.joined("twice", "ivan")) {
      c.send(SignalingFixture.join("twice", fixture.token("ivan", new JsonArray().add("twice"), 600)))
          .awaitError("already-joined");
    }
  }

  @Test
  void aFullRoomRefusesTheNextPeer() {
    try (SignalClient a = fixture.joined("small", "p1"); SignalClient b = fixture.joined("small", "p2");
        SignalClient c = fixture.client()) {
      c.send(SignalingFixture.join("small", fixture.token("p3", new JsonArray().add("small"), 600)))
          .awaitError("room-full");
      c.sync();
      assertFalse(c.isClosed());
    }
  }

  @Test
  void anOversizedFrameGetsFrameTooLargeAndClose1009() {
    try (SignalClient c = fixture.client()) {
      c.sendText("{\"type\":\"ping\",\"id\":\"" + "x".repeat(5000) + "\"}").awaitError("frame-too-large");
      assertEquals(CloseCodes.FRAME_TOO_LARGE, c.awaitClose());
    }
  }

  @Test
  void floodingGetsRateLimitedAndClose4029() {
    try (SignalClient c = fixture.client()) {
      for (int i = 0; i < 100; i++) {
        c.sendNoWait("{\"type\":\"ping\"}");
      }
      c.awaitError("rate-limited");
      assertEquals(CloseCodes.RATE_LIMITED, c.awaitClose());
    }
  }

  @Test
  void pingIsAnsweredWithPongEchoingTs() {
    try (SignalClient c = fixture.client()) {
      JsonObject pong = c.send(new JsonObject().put("type", "ping").put("ts", 42)).await("pong");
      assertEquals(42L, pong.getLong("ts"));
      assertEquals("ping", pong.getString("ref"));
    }
  }

  @Test
  void healthReadyAndMetricsAnswer() {
    var http = fixture.vertx.createHttpClient();
    try (SignalClient c = fixture.client()) {
      c.sendText("nope").awaitError("bad-json");
      assertEquals("ok", body(http, "/health"));
      assertEquals("ready", body(http, "/ready"));
      String metrics = body(http, "/metrics");
      assertTrue(metrics.contains("peermesh_signaling_sockets"), metrics);
      assertTrue(metrics.contains("peermesh_signaling_errors_total{code=\"bad-json\"}"), metrics);
      assertTrue(metrics.contains("peermesh_cluster_members 1"), metrics);
    } finally {
      http.close();
    }
  }

  private static String body(io.vertx.core.http.HttpClient http, String path) {
    return io.peermesh.shared.testing.Await.result(http.request(io.vertx.core.http.HttpMethod.GET, fixture.port,
        "127.0.0.1", path).compose(req -> req.send()).compose(resp -> resp.body())).toString();
  }
}

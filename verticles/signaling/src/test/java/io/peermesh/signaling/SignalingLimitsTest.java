package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.protocol.CloseCodes;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Node-wide limits, timeouts and TURN credentials, each on a fixture configured for it. */
class SignalingLimitsTest {

  @Test
  void socketsBeyondTheNodeLimitAreRefusedWith1013() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("maxSocketsPerNode", 1));
        SignalClient first = f.client(); SignalClient second = f.client()) {
      second.awaitError("too-many-sockets");
      assertEquals(CloseCodes.TRY_AGAIN_LATER, second.awaitClose());
      first.sync();
    }
  }

  @Test
  void roomsBeyondTheNodeLimitAreRefused() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("maxRoomsPerNode", 1));
        SignalClient first = f.joined("one", "a"); SignalClient second = f.client()) {
      second.send(SignalingFixture.join("two", f.token("b", new JsonArray().add("two"), 600)))
          .awaitError("too-many-rooms");
      assertEquals(CloseCodes.TRY_AGAIN_LATER, second.awaitClose());
    }
  }

  @Test
  void aSocketThatNeverJoinsIsClosedAfterTheJoinTimeout() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("joinTimeoutMs", 300));
        SignalClient c = f.client()) {
      assertEquals(CloseCodes.JOIN_TIMEOUT, c.awaitClose());
    }
  }

  @Test
  void anIdleSocketIsClosedAndItsPeerMaySuspend() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("heartbeatMs", 200)
        .put("idleTimeoutMs", 600)); SignalClient c = f.joined("idle", "sleepy")) {
      assertEquals(CloseCodes.IDLE_TIMEOUT, c.awaitClose());
    }
  }

  @Test
  void joinedCarriesTurnRestCredentialsThatCoturnAccepts() throws Exception {
    String secret = "turn-shared-secret";
    JsonObject config = new JsonObject().put("turnUrls", new JsonArray().add("turn:127.0.0.1:3478"))
        .put("turnSecret", secret).put("turnCredentialTtlSeconds", 600)
        .put("stunUrls", new JsonArray().add("stun:127.0.0.1:3478"));
    try (SignalingFixture f = new SignalingFixture(config); SignalClient c = f.client()) {
      JsonObject joined = c.send(SignalingFixture.join("turn", f.token("tess", new JsonArray().add("*"), 600)))
          .await("joined");
      JsonArray ice = joined.getJsonArray("iceServers");
      assertEquals(2, ice.size());
      JsonObject turn = ice.getJsonObject(1);
      String username = turn.getString("username");
      long expiry = Long.parseLong(username.split(":")[0]);
      long now = System.currentTimeMillis() / 1000;
      assertTrue(expiry > now + 500 && expiry <= now + 601, username);
      assertTrue(username.endsWith(":tess"));
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      String expected = Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
      assertEquals(expected, turn.getString("credential"));
    }
  }
}

package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.Coturn;
import io.peermesh.shared.testing.NetworkNamespace;
import io.peermesh.shared.testing.PathCut;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** UDP between the peers blocked, the TURN server reachable: the ladder reaches relay-only through coturn. */
class TurnRelayTest {

  @Test
  void relayOnlyThroughARealCoturnCarriesTheChannelsWhenDirectUdpIsBlocked() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    String secret = "turn-test-secret";
    JsonObject signaling = new JsonObject()
        .put("turnUrls", new JsonArray().add("turn:127.0.0.1:" + Coturn.PORT + "?transport=udp"))
        .put("turnSecret", secret);
    Map<String, Object> ladder = Map.of("graceDelayMs", 300, "iceRestartAttempts", 1, "iceRestartTimeoutMs", 1_500,
        "newConnectionAttempts", 0, "relayAttempts", 3, "connectTimeoutMs", 5_000, "backoffBaseMs", 100, "backoffCapMs", 500,
        "degradedAllowed", false);
    try (Coturn turn = new Coturn(secret); SupervisorHarness harness = new SupervisorHarness(signaling,
        new JsonObject())) {
      LinkedBlockingQueue<InboundMessage> inbound = harness.inbound("turn", ChannelSpec.CODE_SYNC);
      String a = harness.start("turn", "sender", "receiver", ladder);
      String b = harness.start("turn", "receiver", "sender", ladder);
      harness.awaitState(a, "connected", Duration.ofSeconds(20));
      harness.awaitState(b, "connected", Duration.ofSeconds(20));
      harness.clearStates();
      try (PathCut cut = new PathCut(String.valueOf(harness.signalingPort),
          Coturn.PORT + "," + Coturn.RELAY_PORTS)) {
        cut.cut();
        harness.awaitState(a, "relay-only", Duration.ofSeconds(30));
        StateChange up = harness.awaitState(a, "connected", Duration.ofSeconds(40));
        assertEquals("relay", up.path());
        for (long i = 0; i < 50; i++) {
          assertTrue(Await.result(harness.send(a, ChannelSpec.CODE_SYNC, ByteBuffer.allocate(8).putLong(i).array()))
              .accepted());
        }
        long expected = 0;
        while (expected < 50) {
          InboundMessage m = inbound.poll(20, TimeUnit.SECONDS);
          if (m == null) {
            throw new AssertionError("message " + expected + " did not arrive through the relay");
          }
          if (m.connection().equals(b)) {
            assertEquals(expected++, ByteBuffer.wrap(m.data()).getLong());
          }
        }
        String log = turn.log();
        assertTrue(log.contains("ALLOCATE"), "coturn allocated relays: " + log.substring(Math.max(0, log.length() - 3000)));
      }
    }
  }
}

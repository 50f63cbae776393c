package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Asking for more connections than the node holds gets refusals; the connections already up keep working. */
class OverloadTest {

  @Test
  void requestsBeyondCapacityAreRefusedWhileExistingConnectionsKeepPassingMessages() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    JsonObject supervisor = new JsonObject().put("pool", new JsonObject().put("private", true)
        .put("factories", 1).put("maxConnectionsPerFactory", 4));
    try (SupervisorHarness harness = new SupervisorHarness(new JsonObject(), supervisor)) {
      LinkedBlockingQueue<InboundMessage> inbound = harness.inbound("full", ChannelSpec.CODE_SYNC);
      List<String> up = new ArrayList<>();
      for (int pair = 0; pair < 2; pair++) {
        up.add(harness.start("full", "a" + pair, "b" + pair, Map.of()));
        up.add(harness.start("full", "b" + pair, "a" + pair, Map.of()));
      }
      for (String connection : up) {
        harness.awaitState(connection, "connected", Duration.ofSeconds(20));
      }
      int refused = 0;
      for (int extra = 0; extra < 6; extra++) {
        try {
          Await.result(harness.request("full", "x" + extra, "y" + extra, Map.of()));
        } catch (AssertionError e) {
          ReplyException reply = (ReplyException) e.getCause();
          assertEquals(SupervisorManagerVerticle.AT_CAPACITY, reply.failureCode());
          assertTrue(reply.getMessage().contains("capacity"), reply.getMessage());
          refused++;
        }
      }
      assertEquals(6, refused);
      for (String connection : up) {
        assertTrue(Await.result(harness.send(connection, ChannelSpec.CODE_SYNC, new byte[] {7})).accepted());
      }
      int received = 0;
      while (received < up.size()) {
        InboundMessage m = inbound.poll(10, TimeUnit.SECONDS);
        if (m == null) {
          throw new AssertionError("only " + received + " of " + up.size() + " connections still pass messages");
        }
        received++;
      }
      assertTrue(harness.states.stream().noneMatch(s -> up.contains(s.connection()) && s.to().equals("disconnected")),
          "overload harmed a connection that was up");
    }
  }
}

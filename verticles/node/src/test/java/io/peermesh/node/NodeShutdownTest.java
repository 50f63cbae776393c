package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** A node shuts down in order: its supervisors leave their rooms while signaling still runs. */
class NodeShutdownTest {

  @Test
  void closingANodeTellsTheRoomItsSupervisorLeftAndDiscardsNoMessage() throws Exception {
    List<String> discarded = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        String message = record.getMessage();
        if (message != null && message.startsWith("Discarding message")) {
          discarded.add(message);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    // Vert.x logs a message that reached a consumer already removed here (through java.util.logging).
    Logger consumers = Logger.getLogger("io.vertx.core.eventbus.impl.MessageConsumerImpl");
    consumers.addHandler(capture);
    Vertx clientVertx = Vertx.vertx();
    PeerMeshNode node = TestNodes.start(TestNodes.config(false, TestNodes.uniqueClusterName(), 5861, 5861));
    try (SignalClient browser = SignalClient.connect(clientVertx, node.signalingPort())) {
      browser.send(new JsonObject().put("type", "join").put("v", 1).put("room", "shutdown-room")
          .put("peer", "browser1"));
      browser.await("joined");
      Await.result(node.vertx().eventBus().<SupervisorStarted>request(Addresses.Supervisor.START,
          new SupervisorRequest("shutdown-room", "zbot", "browser1", "127.0.0.1", node.signalingPort(), null,
              Map.of())));
      browser.await(m -> "peer-joined".equals(m.getString("type")) && "zbot".equals(m.getString("peer")),
          "zbot joining");

      Await.result(node.close(), 60);

      JsonObject left = browser.await(m -> "peer-left".equals(m.getString("type")), "zbot leaving");
      assertEquals("zbot", left.getString("peer"), "the supervisor left before signaling stopped");
    } finally {
      consumers.removeHandler(capture);
      Await.result(clientVertx.close());
    }
    assertEquals(List.of(), discarded, "every message found its consumer during the shutdown");
  }

  @Test
  void aPeerOnAnotherNodeHearsThatThePeersOfAClosingNodeLeft() throws Exception {
    String cluster = TestNodes.uniqueClusterName();
    PeerMeshNode closing = TestNodes.start(TestNodes.config(true, cluster, 5881, 5881, 5882));
    PeerMeshNode staying = TestNodes.start(TestNodes.config(true, cluster, 5882, 5881, 5882));
    Vertx clientVertx = Vertx.vertx();
    try (SignalClient carol = SignalClient.connect(clientVertx, staying.signalingPort());
        SignalClient dave = SignalClient.connect(clientVertx, closing.signalingPort())) {
      carol.send(join("carol"));
      carol.await("joined");
      dave.send(join("dave"));
      dave.await("joined");
      carol.await(m -> "peer-joined".equals(m.getString("type")) && "dave".equals(m.getString("peer")),
          "dave joining");

      Await.result(closing.close(), 60);

      JsonObject left = carol.await(m -> "peer-left".equals(m.getString("type")), "dave leaving");
      assertEquals("dave", left.getString("peer"));
      assertEquals("left", left.getString("reason"), "said before the node left the cluster, not node-lost");
    } finally {
      Await.result(staying.close(), 60);
      Await.result(clientVertx.close());
    }
  }

  private static JsonObject join(String peer) {
    return new JsonObject().put("type", "join").put("v", 1).put("room", "shutdown-cluster").put("peer", peer);
  }
}

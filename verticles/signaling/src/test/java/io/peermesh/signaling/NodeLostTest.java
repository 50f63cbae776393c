package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.RoomEvent;
import io.peermesh.shared.bus.BusMessages.RoomEventKind;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Peers of a node that left the cluster are reported {@code node-lost} by every survivor, also by one that reads
 * the room after another survivor cleaned it. The other node and the other survivor are played by the test: it
 * writes the cluster maps and sends the room events they would. Node loss with real nodes in separate JVMs is
 * NodeLossTest (verticles/node).
 */
class NodeLostTest {
  private static final String GHOST = "node-that-dies";

  @Test
  void aPeerOfALostNodeIsReportedAlthoughAnotherSurvivorCleanedTheRosterFirst() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("devMode", true));
        SignalClient alice = f.client()) {
      alice.joinDev("lost", "alice-l");
      heardJoin(f, "lost", "carol-l");
      assertEquals("carol-l", alice.await("peer-joined").getString("peer"));
      // Another survivor saw the node go first and cleaned the maps.
      AsyncMap<String, String> rosters = Await.result(f.vertx.sharedData().getAsyncMap("peermesh.rosters"));
      AsyncMap<String, String> sessions = Await.result(f.vertx.sharedData().getAsyncMap("peermesh.sessions"));
      Await.result(rosters.put("lost", "{\"peers\":{\"alice-l\":\"node-under-test\"}}"));
      Await.result(sessions.remove("carol-l"));

      f.vertx.eventBus().publish(Addresses.Node.MEMBER_LEFT, GHOST);
      JsonObject left = alice.await("peer-left");
      assertEquals("carol-l", left.getString("peer"));
      assertEquals("node-lost", left.getString("reason"));
    }
  }

  @Test
  void aPeerThatMovedToALiveNodeBeforeItsOldOneDiedIsNotReported() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("devMode", true));
        SignalClient alice = f.client()) {
      alice.joinDev("moved-l", "alice-m");
      heardJoin(f, "moved-l", "dave-l");
      heardJoin(f, "moved-l", "erin-l");
      alice.await("peer-joined");
      alice.await("peer-joined");
      // dave resumed on a live node: the directory names it; this node's hint still says the dead one.
      AsyncMap<String, String> sessions = Await.result(f.vertx.sharedData().getAsyncMap("peermesh.sessions"));
      Await.result(sessions.put("dave-l", "{\"room\":\"moved-l\",\"node\":\"live-node\",\"resumeHash\":\"h\"}"));

      f.vertx.eventBus().publish(Addresses.Node.MEMBER_LEFT, GHOST);
      // erin, heard of on the dead node and unknown to the directory, is reported after the same kind of look-up.
      assertEquals("erin-l", alice.await("peer-left").getString("peer"));
      alice.sync();
      assertEquals(List.of(), alice.unconsumed().stream().filter(m -> "peer-left".equals(m.getString("type")))
          .toList(), "dave is alive on another node");
    }
  }

  /** What the lost node did while it lived: {@code peer} joined there, and this node heard of it. */
  private static void heardJoin(SignalingFixture f, String room, String peer) {
    f.vertx.eventBus().send(Addresses.Signaling.node("node-under-test"), new RoomEvent(RoomEventKind.JOINED,
        room, peer, GHOST, new JsonObject().put("type", "peer-joined").put("room", room).put("peer", peer)
            .encode()));
  }
}

package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.Takeover;
import io.peermesh.shared.bus.BusMessages.TakeoverReply;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import org.junit.jupiter.api.Test;

/**
 * The node under test gives a session up to another node's takeover, and that node never claims it in the
 * directory (its grant was lost, or it died). The test plays the other node.
 */
class UnclaimedTakeoverTest {
  private static final long SEND_TIMEOUT_MS = 200;

  @Test
  void aSessionGivenUpButNeverClaimedEndsAndTheRoomHearsItLeft() {
    try (SignalingFixture f = new SignalingFixture(config());
        SignalClient ria = f.client();
        SignalClient sam = f.client()) {
      String token = samJoinsRia(ria, sam, "orphan");
      TakeoverReply granted = Await.result(f.vertx.eventBus().<TakeoverReply>request(
          Addresses.Signaling.nodeTakeover("node-under-test"), new Takeover("sam", "orphan", token, "lost-node")))
          .body();
      assertTrue(granted.granted());
      assertEquals(io.peermesh.shared.protocol.CloseCodes.REPLACED, sam.awaitClose(), "the old socket is replaced");
      // Nothing claims it: no move in the directory.
      JsonObject left = ria.await("peer-left");
      assertEquals("sam", left.getString("peer"));
      assertEquals("timeout", left.getString("reason"), "as a session that did not resume");
      assertNull(Await.result(sessions(f).get("sam")), "the directory forgot it");
      assertEquals(-1, Await.result(rosters(f).get("orphan")).indexOf("sam"), "so did the roster");
    }
  }

  @Test
  void aSessionTheAskerClaimedIsNotEnded() {
    try (SignalingFixture f = new SignalingFixture(config());
        SignalClient ria = f.client();
        SignalClient sam = f.client()) {
      String token = samJoinsRia(ria, sam, "moved");
      String hash = RoomDirectory.hash(token);
      Await.result(f.vertx.eventBus().<TakeoverReply>request(Addresses.Signaling.nodeTakeover("node-under-test"),
          new Takeover("sam", "moved", token, "new-node")).compose(reply -> {
            // As a node does once granted: the session, then the roster, name it.
            RoomDirectory directory = new RoomDirectory(f.vertx);
            return directory.moveSession("sam", hash, "new-node")
                .compose(v -> directory.putMember("moved", "sam", "new-node", Integer.MAX_VALUE));
          }));
      // Outwaits the check (twice the send timeout) on a Vert.x timer: nothing signals that it found the claim.
      Await.result(f.vertx.timer(4 * SEND_TIMEOUT_MS));
      try (SignalClient tom = f.client()) {
        tom.joinDev("moved", "tom");
        // Positive control: what happens in the room after the check reaches ria; no peer-left came before it.
        assertEquals("tom", ria.await("peer-joined").getString("peer"));
        assertTrue(ria.unconsumed().stream().noneMatch(m -> "peer-left".equals(m.getString("type"))),
            "the moved session is alive on its new node");
      }
      assertTrue(Await.result(sessions(f).get("sam")).contains("new-node"));
    }
  }

  @Test
  void aSessionThatCameBackBeforeTheCheckIsNotEnded() {
    try (SignalingFixture f = new SignalingFixture(config());
        SignalClient ria = f.client();
        SignalClient sam = f.client()) {
      String token = samJoinsRia(ria, sam, "back");
      String hash = RoomDirectory.hash(token);
      RoomDirectory directory = new RoomDirectory(f.vertx);
      // The other node takes the session and claims it; when asked for it again, it gives it back.
      Await.result(f.vertx.eventBus().<Takeover>consumer(Addresses.Signaling.nodeTakeover("other-node"), msg ->
          msg.reply(new TakeoverReply(true, null, java.util.List.of()))).completion());
      Await.result(f.vertx.eventBus().<TakeoverReply>request(Addresses.Signaling.nodeTakeover("node-under-test"),
          new Takeover("sam", "back", token, "other-node")).compose(reply -> directory.moveSession("sam", hash,
              "other-node")).compose(v -> directory.putMember("back", "sam", "other-node", Integer.MAX_VALUE)));
      sam.awaitClose();
      try (SignalClient samAgain = f.client()) {
        JsonObject joined = samAgain.send(new JsonObject().put("type", "join").put("v", 1).put("room", "back")
            .put("resume", token)).await("joined");
        assertTrue(joined.getBoolean("resumed"), "back on the node that gave it up, under the same token");
        // Outwaits the first grant's check (twice the send timeout) on a Vert.x timer, as the case above.
        Await.result(f.vertx.timer(4 * SEND_TIMEOUT_MS));
        try (SignalClient tom = f.client()) {
          tom.joinDev("back", "tom");
          assertEquals("tom", ria.await("peer-joined").getString("peer"));
          assertTrue(ria.unconsumed().stream().noneMatch(m -> "peer-left".equals(m.getString("type"))),
              "sam is alive here again");
        }
        assertTrue(Await.result(sessions(f).get("sam")).contains("node-under-test"));
      }
    }
  }

  /** Ria, then sam, join {@code room}; returns sam's resume token once ria has heard of sam. */
  private static String samJoinsRia(SignalClient ria, SignalClient sam, String room) {
    ria.joinDev(room, "ria");
    String token = sam.joinDev(room, "sam").getString("resumeToken");
    ria.await("peer-joined");
    return token;
  }

  private static JsonObject config() {
    return new JsonObject().put("devMode", true).put("sendTimeoutMs", SEND_TIMEOUT_MS);
  }

  private static AsyncMap<String, String> sessions(SignalingFixture f) {
    return Await.result(f.vertx.sharedData().getAsyncMap("peermesh.sessions"));
  }

  private static AsyncMap<String, String> rosters(SignalingFixture f) {
    return Await.result(f.vertx.sharedData().getAsyncMap("peermesh.rosters"));
  }
}

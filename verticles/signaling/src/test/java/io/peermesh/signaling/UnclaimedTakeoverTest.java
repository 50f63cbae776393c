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
import java.util.List;
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
      grantAndClaim(f, token, "moved", "new-node");
      samStaysPastTheCheck(f, ria, "moved", "the moved session is alive on its new node");
      assertTrue(Await.result(sessions(f).get("sam")).contains("new-node"));
    }
  }

  @Test
  void aSessionThatCameBackBeforeTheCheckIsNotEnded() {
    try (SignalingFixture f = new SignalingFixture(config());
        SignalClient ria = f.client();
        SignalClient sam = f.client()) {
      String token = samJoinsRia(ria, sam, "back");
      // The other node takes the session and claims it; when asked for it again, it gives it back.
      Await.result(f.vertx.eventBus().<Takeover>consumer(Addresses.Signaling.nodeTakeover("other-node"), msg ->
          msg.reply(new TakeoverReply(true, null, List.of()))).completion());
      grantAndClaim(f, token, "back", "other-node");
      sam.awaitClose();
      try (SignalClient samAgain = f.client()) {
        JsonObject joined = samAgain.send(new JsonObject().put("type", "join").put("v", 1).put("room", "back")
            .put("resume", token)).await("joined");
        assertTrue(joined.getBoolean("resumed"), "back on the node that gave it up, under the same token");
        samStaysPastTheCheck(f, ria, "back", "sam is alive here again");
        assertTrue(Await.result(sessions(f).get("sam")).contains("node-under-test"));
      }
    }
  }

  /** The node under test grants sam's session to {@code node}, which claims it as a node does: session, roster. */
  private static void grantAndClaim(SignalingFixture f, String token, String room, String node) {
    RoomDirectory directory = new RoomDirectory(f.vertx);
    Await.result(f.vertx.eventBus().<TakeoverReply>request(Addresses.Signaling.nodeTakeover("node-under-test"),
            new Takeover("sam", room, token, node))
        .compose(reply -> directory.moveSession("sam", RoomDirectory.hash(token), node))
        .compose(v -> directory.putMember(room, "sam", node, Integer.MAX_VALUE)));
  }

  /**
   * Outwaits the grant's check (twice the send timeout) on a Vert.x timer: nothing signals that it found the session
   * claimed. Positive control: tom's join, after it, reaches ria; no peer-left came before.
   */
  private static void samStaysPastTheCheck(SignalingFixture f, SignalClient ria, String room, String because) {
    Await.result(f.vertx.timer(4 * SEND_TIMEOUT_MS));
    try (SignalClient tom = f.client()) {
      tom.joinDev(room, "tom");
      assertEquals("tom", ria.await("peer-joined").getString("peer"));
      assertTrue(ria.unconsumed().stream().noneMatch(m -> "peer-left".equals(m.getString("type"))), because);
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

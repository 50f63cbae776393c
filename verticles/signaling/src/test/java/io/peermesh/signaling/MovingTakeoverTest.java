package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * A resume reaches this node while the session is moving between two others: the node the directory names has
 * given it up already, the node that took it has not written the directory yet. The test plays both nodes.
 */
class MovingTakeoverTest {

  @Test
  void aResumeRefusedByTheNodeTheSessionLeftAsksTheNodeItMovedTo() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("devMode", true))) {
      String token = "pete.secret-of-the-session";
      AsyncMap<String, String> sessions = Await.result(f.vertx.sharedData().getAsyncMap("peermesh.sessions"));
      String at = "{\"room\":\"moving\",\"node\":\"%s\",\"resumeHash\":\"" + RoomDirectory.hash(token) + "\"}";
      Await.result(sessions.put("pete", String.format(at, "old-node")));
      Await.result(f.vertx.eventBus().<Takeover>consumer(Addresses.Signaling.nodeTakeover("old-node"), msg -> {
        // Given up already; the node that took it writes the directory only now.
        sessions.put("pete", String.format(at, "new-node"))
            .onComplete(v -> msg.reply(new TakeoverReply(false, "resume-failed", List.of())));
      }).completion());
      Await.result(f.vertx.eventBus().<Takeover>consumer(Addresses.Signaling.nodeTakeover("new-node"), msg ->
          msg.reply(new TakeoverReply(true, null, List.of(new JsonObject().put("type", "offer").put("from", "x")
              .put("sdp", "kept while away").encode())))).completion());

      try (SignalClient pete = f.client()) {
        JsonObject joined = pete.send(new JsonObject().put("type", "join").put("v", 1).put("room", "moving")
            .put("resume", token)).await("joined");
        assertTrue(joined.getBoolean("resumed"));
        assertEquals("kept while away", pete.await("offer").getString("sdp"), "the moved session's buffer");
        assertEquals("node-under-test", Await.result(sessions.get("pete")).replaceAll(".*\"node\":\"([^\"]+)\".*",
            "$1"), "the session is this node's now");
      }
    }
  }
}

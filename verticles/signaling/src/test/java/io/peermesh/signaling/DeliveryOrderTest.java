package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Messages from one peer to another arrive in the order sent, also when the first had to wait for the
 * addressee's consumer to appear (a peer that just joined, or whose registration is still spreading through
 * the cluster): an offer overtaken by its candidates would lose them.
 */
class DeliveryOrderTest {

  @Test
  void aSenderThatLeftWhileItsMessageWaitedForTheAddresseeSendsNothingMore() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("devMode", true));
        SignalClient early = f.client(); SignalClient late = f.client()) {
      early.joinDev("order-left", "early-l");
      early.send(new JsonObject().put("type", "offer").put("to", "late-l").put("sdp", "before leaving"));
      early.send(new JsonObject().put("type", "leave"));
      early.awaitClose();
      // Joined while the offer would still be retried: a peer that left is not heard from again. Nothing signals
      // "no retry will come", so the test outwaits the whole retry window on a Vert.x timer.
      late.joinDev("order-left", "late-l");
      long window = SignalingHub.NOT_FOUND_RETRIES * SignalingHub.NOT_FOUND_RETRY_MS;
      f.vertx.timer(2 * window).toCompletionStage().toCompletableFuture().join();
      late.sync();
      assertEquals(List.of(), late.unconsumed().stream().filter(m -> "offer".equals(m.getString("type"))).toList());
    }
  }

  @Test
  void manyMessagesSentBeforeTheAddresseeJoinsArriveInOrder() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("devMode", true));
        SignalClient early = f.client(); SignalClient late = f.client()) {
      early.joinDev("order-many", "early-m");
      early.send(new JsonObject().put("type", "offer").put("to", "late-m").put("sdp", "first"));
      for (int i = 0; i < 5; i++) {
        early.send(candidate("late-m", "c" + i));
      }
      late.joinDev("order-many", "late-m");
      List<String> arrived = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) {
        JsonObject m = late.await(x -> "offer".equals(x.getString("type"))
            || "candidate".equals(x.getString("type")), "the offer and five candidates");
        arrived.add(m.getString("type").equals("offer") ? m.getString("sdp") : m.getString("candidate"));
      }
      assertEquals(List.of("first", "c0", "c1", "c2", "c3", "c4"), arrived);
      early.sync();
      assertEquals(List.of(), early.unconsumed().stream().filter(m -> "error".equals(m.getString("type"))).toList());
    }
  }

  @Test
  void aMessageSentWhileAnEarlierOneWaitsForTheAddresseeGoesAfterIt() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject().put("devMode", true));
        SignalClient early = f.client(); SignalClient late = f.client()) {
      early.joinDev("order", "early");
      early.send(new JsonObject().put("type", "offer").put("to", "late").put("sdp", "first"));
      // "late" joins while the offer is retried, then "early" sends again at once.
      late.joinDev("order", "late");
      early.send(candidate("late", "second"));
      JsonObject firstArrived = late.await(m -> "offer".equals(m.getString("type"))
          || "candidate".equals(m.getString("type")), "the offer or the candidate");
      assertEquals("offer", firstArrived.getString("type"), "the candidate overtook the offer");
      late.await("candidate");
      assertEquals(List.of(), early.unconsumed().stream().filter(m -> "error".equals(m.getString("type"))).toList());
    }
  }

  private static JsonObject candidate(String to, String text) {
    return new JsonObject().put("type", "candidate").put("to", to).put("candidate", text).put("sdpMid", "0")
        .put("sdpMLineIndex", 0);
  }
}

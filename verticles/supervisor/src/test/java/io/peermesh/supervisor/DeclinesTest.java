package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Declines answer a peer that asks for a link, never a decline or the end of one, and a few a second at most. */
class DeclinesTest {
  private long now;
  private final List<JsonObject> sent = new ArrayList<>();
  private final Declines declines = new Declines(() -> now);
  private final Seat seat = new Seat() {
    @Override
    public Future<JsonObject> open() {
      return Future.succeededFuture();
    }

    @Override
    public boolean send(JsonObject message) {
      sent.add(message);
      return true;
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  };

  private static JsonObject state(String from, String state) {
    return new JsonObject().put("type", "state").put("from", from).put("state", state);
  }

  @Test
  void offersAndLiveStateReportsAreDeclinedOthersAreNot() {
    assertTrue(declines.declineIfAsked(seat, new JsonObject().put("type", "offer").put("from", "x"), "why"));
    assertEquals(new JsonObject().put("type", "state").put("to", "x").put("state", "declined").put("reason", "why"),
        sent.get(0));
    assertTrue(declines.declineIfAsked(seat, state("y", "connecting"), "why"));
    for (String over : List.of("declined", "failed", "closed")) {
      assertFalse(declines.declineIfAsked(seat, state("z", over), "why"), over);
    }
    assertFalse(declines.declineIfAsked(seat, new JsonObject().put("type", "candidate").put("from", "x"), "why"));
    assertFalse(declines.declineIfAsked(seat, new JsonObject().put("type", "pong"), "why"));
    assertEquals(2, sent.size());
  }

  @Test
  void aNoisyPeerGetsThreeAtOnceThenOneASecond() {
    for (int i = 0; i < 10; i++) {
      declines.declineIfAsked(seat, state("noisy", "connecting"), "why");
    }
    assertEquals(3, sent.size());
    assertTrue(declines.declineIfAsked(seat, state("other", "connecting"), "why"), "each peer has its own budget");
    now += 1_000_000_000L;
    assertTrue(declines.declineIfAsked(seat, state("noisy", "connecting"), "why"));
    assertFalse(declines.declineIfAsked(seat, state("noisy", "connecting"), "why"));
  }
}

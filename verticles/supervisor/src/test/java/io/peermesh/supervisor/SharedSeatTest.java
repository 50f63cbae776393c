package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bot's shared seat hands each remote's messages to that remote's connection only, none lost at its start. */
class SharedSeatTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context owner = vertx.getOrCreateContext();
  private final Context connection = vertx.getOrCreateContext();
  private final SharedSeat seat = new SharedSeat(owner,
      new SignalingLink(vertx, null, "127.0.0.1", 1, new JsonObject(), m -> { }));

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  private void onOwner(Runnable task) {
    Promise<Void> done = Promise.promise();
    owner.runOnContext(v -> {
      task.run();
      done.complete();
    });
    Await.result(done.future());
  }

  private static JsonObject from(String peer, String type) {
    return new JsonObject().put("type", type).put("from", peer);
  }

  @Test
  void whatARemoteSendsBeforeItsConnectionOpensWaitsForItAndOthersGetNothing() throws Exception {
    onOwner(() -> {
      seat.joined(new JsonObject().put("type", "joined").put("peers", new JsonArray()
          .add(new JsonObject().put("peer", "alice"))));
      seat.dispatch(new JsonObject().put("type", "peer-joined").put("peer", "bob"));
      seat.expect("alice");
      seat.expect("bob");
      seat.dispatch(from("alice", "offer"));
      seat.dispatch(from("carol", "offer"));
      seat.dispatch(from("bob", "offer"));
      seat.dispatch(new JsonObject().put("type", "peer-left").put("peer", "bob"));
    });
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    List<JsonObject> joined = new CopyOnWriteArrayList<>();
    connection.runOnContext(v -> seat.view("alice", m -> events.add(m.getString("type") + " from "
        + m.getString("from"))).open().onSuccess(j -> {
          joined.add(j);
          events.add("open");
        }));
    assertEquals("open", events.poll(5, TimeUnit.SECONDS));
    assertEquals("offer from alice", events.poll(5, TimeUnit.SECONDS), "the early offer, after the open");
    assertEquals(List.of("alice"), joined.get(0).getJsonArray("peers").stream()
        .map(p -> ((JsonObject) p).getString("peer")).toList(), "the room as it is now: bob left");
    onOwner(() -> seat.dispatch(from("alice", "candidate")));
    assertEquals("candidate from alice", events.poll(5, TimeUnit.SECONDS));

    // Bob left before his connection opened: what he sent is gone; carol was never expected.
    LinkedBlockingQueue<String> bob = new LinkedBlockingQueue<>();
    connection.runOnContext(v -> seat.view("bob", m -> bob.add(m.getString("type"))).open()
        .onSuccess(j -> bob.add("open")));
    assertEquals("open", bob.poll(5, TimeUnit.SECONDS));
    onOwner(() -> seat.dispatch(from("bob", "answer")));
    assertEquals("answer", bob.poll(5, TimeUnit.SECONDS), "nothing from before his leave came first");
  }

  @Test
  void theQueueOfAConnectionThatDoesNotStartIsBounded() throws Exception {
    onOwner(() -> {
      seat.joined(new JsonObject().put("type", "joined").put("peers", new JsonArray()));
      seat.expect("alice");
      for (int i = 0; i < SharedSeat.MAX_EARLY + 10; i++) {
        seat.dispatch(from("alice", "candidate").put("i", i));
      }
    });
    LinkedBlockingQueue<Integer> got = new LinkedBlockingQueue<>();
    connection.runOnContext(v -> seat.view("alice", m -> got.add(m.getInteger("i"))).open());
    for (int i = 0; i < SharedSeat.MAX_EARLY; i++) {
      assertEquals(i, got.poll(5, TimeUnit.SECONDS));
    }
    // A marker queued behind everything the open handed over: nothing past the bound came before it.
    onOwner(() -> { });
    connection.runOnContext(v -> got.add(-1));
    assertEquals(-1, got.poll(5, TimeUnit.SECONDS), "past the bound they were dropped");
  }
}

package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bot's shared seat hands each remote's messages to that remote's connection only, none lost at its start. */
class SharedSeatTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context owner = vertx.getOrCreateContext();
  private final Context connection = vertx.getOrCreateContext();
  private final AtomicLong now = new AtomicLong();
  private final SharedSeat seat = new SharedSeat(owner,
      new SignalingLink(vertx, null, "127.0.0.1", 1, new JsonObject(), m -> { }), now::get);

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

  /** Opens a view on the connection's context; its messages (type from sender) and "open"/"refused" go to the queue. */
  private LinkedBlockingQueue<String> open(String remote, long instance) {
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    connection.runOnContext(v -> seat.view(remote, instance, m -> events.add(m.getString("type") + " from "
        + m.getString("from", m.getString("peer")))).open().onComplete(r -> events.add(r.succeeded() ? "open"
        : "refused: " + r.cause().getMessage())));
    return events;
  }

  private static JsonObject joinedWith(String... peers) {
    JsonArray list = new JsonArray();
    for (String p : peers) {
      list.add(new JsonObject().put("peer", p));
    }
    return new JsonObject().put("type", "joined").put("peers", list);
  }

  private static JsonObject room(String type, String peer) {
    return new JsonObject().put("type", type).put("peer", peer);
  }

  private static JsonObject from(String peer, String type) {
    return new JsonObject().put("type", type).put("from", peer);
  }

  @Test
  void whatARemoteSendsBeforeItsConnectionOpensWaitsForItAndOthersGetNothing() throws Exception {
    long[] alice = new long[1];
    long[] bob = new long[1];
    onOwner(() -> {
      seat.joined(joinedWith("alice"));
      seat.dispatch(room("peer-joined", "bob"));
      alice[0] = seat.expect("alice");
      bob[0] = seat.expect("bob");
      seat.dispatch(from("alice", "offer"));
      seat.dispatch(from("carol", "offer"));
      seat.dispatch(from("bob", "offer"));
      seat.dispatch(room("peer-left", "bob"));
    });
    List<JsonObject> joined = new CopyOnWriteArrayList<>();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    connection.runOnContext(v -> seat.view("alice", alice[0], m -> events.add(m.getString("type") + " from "
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

    // Bob left before his connection opened: its view is refused, and what he sent is gone.
    assertEquals("refused: bob left while its connection started", open("bob", bob[0]).poll(5, TimeUnit.SECONDS));
  }

  @Test
  void anOfferThatOvertakesItsPeerJoinedWaitsForTheConnection() throws Exception {
    long[] bob = new long[1];
    onOwner(() -> {
      seat.joined(joinedWith());
      seat.dispatch(from("bob", "offer"));
      seat.dispatch(from("bob", "candidate"));
      now.addAndGet(SharedSeat.STRAY_NANOS - 1);
      seat.dispatch(room("peer-joined", "bob"));
      bob[0] = seat.expect("bob");
    });
    LinkedBlockingQueue<String> events = open("bob", bob[0]);
    assertEquals("open", events.poll(5, TimeUnit.SECONDS));
    assertEquals("offer from bob", events.poll(5, TimeUnit.SECONDS));
    assertEquals("candidate from bob", events.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void strayMessagesExpireAndThoseBeforeALeaveAreTheDepartedInstances() throws Exception {
    long[] ids = new long[2];
    onOwner(() -> {
      seat.joined(joinedWith());
      seat.dispatch(from("bob", "offer"));
      now.addAndGet(SharedSeat.STRAY_NANOS + 1);
      seat.dispatch(room("peer-joined", "bob"));
      ids[0] = seat.expect("bob");
      seat.dispatch(from("carol", "offer"));
      seat.dispatch(room("peer-left", "carol"));
      seat.dispatch(room("peer-joined", "carol"));
      ids[1] = seat.expect("carol");
    });
    for (String[] who : new String[][] {{"bob", "0"}, {"carol", "1"}}) {
      LinkedBlockingQueue<String> events = open(who[0], ids[Integer.parseInt(who[1])]);
      assertEquals("open", events.poll(5, TimeUnit.SECONDS));
      onOwner(() -> seat.dispatch(from(who[0], "answer")));
      assertEquals("answer from " + who[0], events.poll(5, TimeUnit.SECONDS), "no stale offer came first");
    }
  }

  @Test
  void aConnectionMadeForADepartedInstanceDoesNotTakeTheNewInstancesMessages() throws Exception {
    long[] ids = new long[2];
    onOwner(() -> {
      seat.joined(joinedWith("bob"));
      ids[0] = seat.expect("bob");
      seat.dispatch(room("peer-left", "bob"));
      seat.dispatch(room("peer-joined", "bob"));
      ids[1] = seat.expect("bob");
      seat.dispatch(from("bob", "offer"));
      // The old connection gives up on a message it can no longer want: the new one's queue stays.
      seat.forget("bob", ids[0]);
    });
    assertNotEquals(ids[0], ids[1]);
    assertEquals("refused: bob left while its connection started", open("bob", ids[0]).poll(5, TimeUnit.SECONDS));
    LinkedBlockingQueue<String> events = open("bob", ids[1]);
    assertEquals("open", events.poll(5, TimeUnit.SECONDS));
    assertEquals("offer from bob", events.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void strayPeersAreBounded() throws Exception {
    long[] last = new long[1];
    onOwner(() -> {
      seat.joined(joinedWith());
      for (int i = 0; i <= SharedSeat.MAX_STRAY_PEERS; i++) {
        seat.dispatch(from("p" + i, "offer"));
      }
      seat.dispatch(room("peer-joined", "p" + SharedSeat.MAX_STRAY_PEERS));
      last[0] = seat.expect("p" + SharedSeat.MAX_STRAY_PEERS);
    });
    LinkedBlockingQueue<String> events = open("p" + SharedSeat.MAX_STRAY_PEERS, last[0]);
    assertEquals("open", events.poll(5, TimeUnit.SECONDS));
    onOwner(() -> seat.dispatch(from("p" + SharedSeat.MAX_STRAY_PEERS, "answer")));
    assertEquals("answer from p" + SharedSeat.MAX_STRAY_PEERS, events.poll(5, TimeUnit.SECONDS),
        "the peer past the bound was not kept");
  }

  @Test
  void theQueueOfAConnectionThatDoesNotStartIsBounded() throws Exception {
    long[] instance = new long[1];
    onOwner(() -> {
      seat.joined(joinedWith("alice"));
      instance[0] = seat.expect("alice");
      for (int i = 0; i < SharedSeat.MAX_EARLY + 10; i++) {
        seat.dispatch(from("alice", "candidate").put("i", i));
      }
    });
    LinkedBlockingQueue<Integer> got = new LinkedBlockingQueue<>();
    connection.runOnContext(v -> seat.view("alice", instance[0], m -> got.add(m.getInteger("i"))).open());
    for (int i = 0; i < SharedSeat.MAX_EARLY; i++) {
      assertEquals(i, got.poll(5, TimeUnit.SECONDS));
    }
    // A marker queued behind everything the open handed over: nothing past the bound came before it.
    onOwner(() -> { });
    connection.runOnContext(v -> got.add(-1));
    assertEquals(-1, got.poll(5, TimeUnit.SECONDS), "past the bound they were dropped");
  }
}

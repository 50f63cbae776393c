package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.RouteEvent;
import io.peermesh.shared.bus.BusMessages.RouteEventKind;
import io.peermesh.shared.bus.BusMessages.RouteJoin;
import io.peermesh.shared.bus.BusMessages.RouteJoined;
import io.peermesh.shared.bus.BusMessages.RouteLeave;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The channel router with real supervisors and real webrtc-java connections. Each "client" is a supervisor too
 * (it stands for a browser), connected to its own relay supervisor; the relays are routed. Run on one node and
 * on a two-node cluster with the relays on different nodes.
 */
abstract class RouterContract {
  /** Node config for the mode: supervisors with a small resend buffer, so routing meets refusals and retries. */
  static io.vertx.core.json.JsonObject config(boolean clustered, String cluster, int port, int... members) {
    io.vertx.core.json.JsonObject config = TestNodes.config(clustered, cluster, port, members);
    // 32 unacknowledged at most, acknowledged every 20 ms: a burst is refused many times on every hop.
    config.getJsonObject("supervisor").getJsonObject("connection").put("resendMaxMessages", 32)
        .put("ackEveryMessages", 64);
    return config;
  }

  /** The node whose bus the test drives. */
  protected abstract PeerMeshNode driver();

  /** The nodes of the mode; relays are placed on different ones where there are two. */
  protected abstract List<PeerMeshNode> nodes();

  private final Map<String, LinkedBlockingQueue<InboundMessage>> received = new ConcurrentHashMap<>();
  private final List<RouteEvent> events = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final LinkedBlockingQueue<RouteEvent> eventQueue = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<StateChange> states = new LinkedBlockingQueue<>();
  /** Peer ids are unique across rooms, so each test's carry its tag. */
  private final String tag = UUID.randomUUID().toString().substring(0, 8);
  private final String room = "route-" + tag;

  private Vertx vertx() {
    return driver().vertx();
  }

  protected String room() {
    return room;
  }

  /** One send of {@code text}, refused or not. */
  protected SendAck sendOnce(Peer from, String channel, String text) {
    return Await.result(vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(from.connection()),
        new OutboundMessage(channel, text.getBytes(StandardCharsets.UTF_8))).map(r -> r.body()));
  }

  protected void listen() {
    for (String channel : List.of("code-sync", "cursor-pos", "ai-stream", "presence")) {
      register(vertx().eventBus().<InboundMessage>consumer(Addresses.Supervisor.inbound(room, channel),
          m -> received.computeIfAbsent(m.body().connection() + "/" + channel, k -> new LinkedBlockingQueue<>())
              .add(m.body())));
    }
    register(vertx().eventBus().<RouteEvent>consumer(Addresses.Router.EVENTS, m -> {
      if (m.body().room().equals(room)) {
        events.add(m.body());
        eventQueue.add(m.body());
      }
    }));
    register(vertx().eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
      if (m.body().room().equals(room)) {
        states.add(m.body());
      }
    }));
  }

  private void register(MessageConsumer<?> consumer) {
    Await.result(consumer.completion());
    consumers.add(consumer);
  }

  /** The nodes outlive a test: its consumers go with it. */
  @AfterEach
  void unregister() {
    consumers.forEach(c -> Await.result(c.unregister()));
  }

  /** A supervised connection the test started. */
  protected record Peer(String peer, String connection, String node) {}

  /** A client (standing for a browser) and the relay supervisor connected to it. */
  protected record Pair(Peer client, Peer relay) {}

  private Peer start(String peer, String remote) {
    SupervisorStarted started = Await.result(vertx().eventBus().<SupervisorStarted>request(
        Addresses.Supervisor.START, new SupervisorRequest(room, peer, remote, "127.0.0.1",
            nodes().get(0).signalingPort(), null, Map.of())).map(r -> r.body()));
    return new Peer(peer, started.connection(), started.node());
  }

  /** Connects {@code client} to a relay on a node other than {@code avoidNode}'s, where the mode has two. */
  protected Pair pair(String name, String avoidNode) {
    return pairOn(name, node -> nodes().size() == 1 || !node.equals(avoidNode));
  }

  /** Connects {@code client} to a relay on a node {@code wanted} accepts (supervisors go round the nodes). */
  protected Pair pairOn(String name, java.util.function.Predicate<String> wanted) {
    String client = name + "-" + tag;
    for (int attempt = 0; attempt < 12; attempt++) {
      String relayPeer = "relay-" + client + "-" + attempt;
      Peer relay = start(relayPeer, client);
      if (!wanted.test(relay.node())) {
        Await.result(vertx().eventBus().request(Addresses.Supervisor.close(relay.connection()), null));
        continue;
      }
      Peer clientSide = start(client, relayPeer);
      awaitState(relay.connection(), "connected");
      awaitState(clientSide.connection(), "connected");
      return new Pair(clientSide, relay);
    }
    throw new AssertionError("no relay for " + client + " landed on a wanted node");
  }

  private void awaitState(String connection, String to) {
    awaitState(connection, to::equals, to);
  }

  /** Forgets the state changes seen so far: the next wait sees only new ones. */
  protected void clearStates() {
    states.clear();
  }

  /** Waits up to 30 s for a state change of {@code connection} whose new state matches {@code to}. */
  protected void awaitState(String connection, java.util.function.Predicate<String> to, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<StateChange> seen = new ArrayList<>();
    try {
      while (System.nanoTime() < deadline) {
        StateChange s = states.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (s != null && s.connection().equals(connection) && to.test(s.to())) {
          states.addAll(seen);
          return;
        }
        if (s != null) {
          seen.add(s);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new AssertionError(connection + " never reached " + what + "; saw " + seen);
  }

  private Future<RouteJoined> joinAt(String node, String joinRoom, String connection) {
    return vertx().eventBus().<RouteJoined>request(Addresses.Router.join(node), new RouteJoin(joinRoom, connection))
        .map(r -> r.body());
  }

  protected RouteJoined join(Peer relay) {
    return Await.result(joinAt(relay.node(), room, relay.connection()));
  }

  private Future<RouteJoined> leave(Peer relay) {
    return vertx().eventBus().<RouteJoined>request(Addresses.Router.leave(relay.node()),
        new RouteLeave(room, relay.connection())).map(r -> r.body());
  }

  private RouteEvent awaitEvent(RouteEventKind kind, String connection) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      for (RouteEvent e : events) {
        if (e.kind() == kind && e.connection().equals(connection)) {
          return e;
        }
      }
      RouteEvent next = eventQueue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (next != null && next.kind() == kind && next.connection().equals(connection)) {
        return next;
      }
    }
    throw new AssertionError("no " + kind + " event for " + connection + "; saw " + events);
  }

  /** Sends {@code count} numbered messages from {@code connection}, offering each again while refused. */
  protected void sendNumbered(Peer from, String channel, String prefix, int count) throws Exception {
    sendNumbered(from.connection(), channel, prefix, count);
  }

  private void sendNumbered(String connection, String channel, String prefix, int count) throws Exception {
    for (int i = 1; i <= count; i++) {
      OutboundMessage message = new OutboundMessage(channel, (prefix + i).getBytes(StandardCharsets.UTF_8));
      while (true) {
        SendAck ack = Await.result(vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
            message).map(r -> r.body()));
        if (ack.accepted()) {
          break;
        }
        assertTrue(ack.code().endsWith("-full"), "refused: " + ack.code());
        Await.result(Future.future(p -> vertx().setTimer(2, t -> p.complete())));
      }
    }
  }

  protected List<String> take(Peer at, String channel, int count) throws InterruptedException {
    return take(at.connection(), channel, count);
  }

  private List<String> take(String connection, String channel, int count) throws InterruptedException {
    LinkedBlockingQueue<InboundMessage> queue =
        received.computeIfAbsent(connection + "/" + channel, k -> new LinkedBlockingQueue<>());
    List<String> out = new ArrayList<>();
    while (out.size() < count) {
      InboundMessage m = queue.poll(30, TimeUnit.SECONDS);
      assertNotNull(m, channel + " at " + connection + ": only " + out.size() + " of " + count);
      out.add(new String(m.data(), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void routedRelaysForwardEveryChannelBetweenTheirClientsExactlyOnceInOrder() throws Exception {
    listen();
    Pair alice = pair("alice", null);
    Pair bob = pair("bob", alice.relay().node());
    Pair carol = pair("carol", null);
    if (nodes().size() > 1) {
      assertNotEquals(alice.relay().node(), bob.relay().node(), "the room spans the nodes");
    }
    assertEquals(1, join(alice.relay()).routedHere());
    assertEquals(bob.relay().node(), join(bob.relay()).node());
    awaitEvent(RouteEventKind.JOINED, alice.relay().connection());
    awaitEvent(RouteEventKind.JOINED, bob.relay().connection());

    // 3,000 deltas against relays that hold 32 unacknowledged: the router meets refusals and retries.
    sendNumbered(alice.client(), "code-sync", "a", 3_000);
    sendNumbered(alice.client(), "code-sync", "end", 1);
    List<String> expected = new ArrayList<>(numbered("a", 3_000));
    expected.add("end1");
    assertEquals(expected, take(bob.client(), "code-sync", 3_001), "every delta once, in order, then the marker");

    sendNumbered(bob.client(), "code-sync", "b", 300);
    assertEquals(numbered("b", 300), take(alice.client(), "code-sync", 300));
    sendNumbered(alice.client(), "ai-stream", "token", 200);
    assertEquals(numbered("token", 200), take(bob.client(), "ai-stream", 200));
    sendNumbered(bob.client(), "presence", "here", 50);
    assertEquals(numbered("here", 50), take(alice.client(), "presence", 50));

    sendNumbered(alice.client(), "cursor-pos", "c", 300);
    int last = 0;
    while (last < 300) {
      int position = Integer.parseInt(take(bob.client(), "cursor-pos", 1).get(0).substring(1));
      assertTrue(position > last, "cursor positions never go back: " + position + " after " + last);
      last = position;
    }

    // carol's relay is in the room but not routed: her client hears nothing of it, and what she says stays.
    sendNumbered(carol.client(), "code-sync", "carol", 5);
    sendNumbered(alice.client(), "code-sync", "after-carol", 1);
    assertEquals(List.of("after-carol1"), take(bob.client(), "code-sync", 1));
    assertEquals(numbered("carol", 5), take(carol.relay(), "code-sync", 5), "they reached carol's relay");
    // A marker through the same queues: anything wrongly sent to carol, or back to alice, would arrive first.
    join(carol.relay());
    sendNumbered(bob.client(), "code-sync", "marker", 1);
    assertEquals(List.of("marker1"), take(carol.client(), "code-sync", 1), "carol heard nothing before");
    assertEquals(List.of("marker1"), take(alice.client(), "code-sync", 1),
        "alice heard nothing of her own, or of carol");

    // The router's counters on /metrics of alice's relay's node.
    PeerMeshNode aliceNode = nodes().stream().filter(n -> n.nodeId().equals(alice.relay().node())).findFirst()
        .orElseThrow();
    String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + aliceNode.signalingPort() + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(metricValue(metrics, "peermesh_router_messages_total{channel=\"code-sync\"}") >= 3_002, metrics);
    assertTrue(metricValue(metrics, "peermesh_router_connections") >= 1, metrics);
    assertTrue(metricValue(metrics, "peermesh_router_events_total{kind=\"joined\"}") >= 1, metrics);
  }

  private static long metricValue(String metrics, String series) {
    return metrics.lines().filter(l -> l.startsWith(series + " ")).mapToLong(l -> Long.parseLong(
        l.substring(series.length() + 1).trim())).findFirst().orElseThrow(() -> new AssertionError(
            "no " + series + " in " + metrics));
  }

  @Test
  void joinsAndLeavesAreCheckedAndALeaveStopsTheForwarding() throws Exception {
    listen();
    Pair alice = pair("alice", null);
    Pair bob = pair("bob", alice.relay().node());
    Pair dave = pairOn("dave", bob.relay().node()::equals);
    join(alice.relay());
    join(dave.relay());
    RouteJoined first = join(bob.relay());
    assertEquals(first, join(bob.relay()), "a repeated join is answered as the first");

    assertEquals(404, failureCode(joinAt(alice.relay().node(), room, "c-no-such-connection")));
    assertEquals(409, failureCode(joinAt(alice.relay().node(), "another-room", alice.relay().connection())),
        "routed in another room");
    assertEquals(409, failureCode(joinAt(alice.client().node(), "another-room", alice.client().connection())),
        "the connection is in another room");
    assertEquals(400, failureCode(joinAt(alice.relay().node(), "", alice.relay().connection())));
    if (nodes().size() > 1) {
      assertEquals(404, failureCode(joinAt(bob.relay().node(), room, alice.relay().connection())),
          "a connection is joined at the node that holds it");
    }

    RouteJoined left = Await.result(leave(bob.relay()));
    assertEquals(bob.relay().connection(), left.connection());
    assertEquals("leave", awaitEvent(RouteEventKind.LEFT, bob.relay().connection()).reason());
    assertEquals(404, failureCode(leave(bob.relay())), "not routed any more");
    // dave's relay stays routed on bob's relay's node: once dave has all 20, that node's router has passed them
    // all (in order), while bob's relay was away.
    sendNumbered(alice.client(), "code-sync", "while-away", 20);
    assertEquals(numbered("while-away", 20), take(dave.client(), "code-sync", 20));
    join(bob.relay());
    sendNumbered(alice.client(), "code-sync", "back", 1);
    assertEquals(List.of("back1"), take(bob.client(), "code-sync", 1), "nothing was forwarded while away");
  }

  @Test
  void aRelayThatClosesLeavesRoutingAndTheOthersKeepIt() throws Exception {
    listen();
    Pair alice = pair("alice", null);
    Pair bob = pair("bob", alice.relay().node());
    Pair dave = pair("dave", null);
    join(alice.relay());
    join(bob.relay());
    join(dave.relay());
    Await.result(vertx().eventBus().request(Addresses.Supervisor.close(bob.relay().connection()), null));
    assertEquals("closed", awaitEvent(RouteEventKind.LEFT, bob.relay().connection()).reason());
    sendNumbered(alice.client(), "code-sync", "still", 10);
    assertEquals(numbered("still", 10), take(dave.client(), "code-sync", 10));
  }

  protected static List<String> numbered(String prefix, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  private static int failureCode(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReplyException reply) {
        return reply.failureCode();
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a refusal");
  }
}

package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.RouteRoster;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.LogWatch;
import io.peermesh.shared.testing.NetworkNamespace;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The router contract on a two-node Hazelcast cluster, the two routed relays of a pair on different nodes. */
class ClusteredRouterTest extends RouterContract {
  private static PeerMeshNode nodeA;
  private static PeerMeshNode nodeB;
  private static String cluster;

  @BeforeAll
  static void start() {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    cluster = TestNodes.uniqueClusterName();
    nodeA = TestNodes.start(config(true, cluster, 5891, 5891, 5892));
    nodeB = TestNodes.start(config(true, cluster, 5892, 5891, 5892));
  }

  @AfterAll
  static void stop() {
    if (nodeB != null) {
      Await.result(nodeB.close());
    }
    if (nodeA != null) {
      Await.result(nodeA.close());
    }
  }

  @Test
  void aNodeThatStartsLaterLearnsTheRoomsRoutedElsewhere() throws Exception {
    listen();
    Pair alice = pairOn("alice", nodeA.nodeId()::equals);
    Pair bob = pairOn("bob", nodeB.nodeId()::equals);
    join(alice.relay());
    join(bob.relay());
    PeerMeshNode nodeC = TestNodes.start(config(true, cluster, 5893, 5891, 5892, 5893));
    try {
      Pair erin = pairOn("erin", nodeC.nodeId()::equals);
      join(erin.relay());
      sendNumbered(erin.client(), "code-sync", "from-c", 20);
      assertEquals(numbered("from-c", 20), take(alice.client(), "code-sync", 20), "node C learned A routes it");
      assertEquals(numbered("from-c", 20), take(bob.client(), "code-sync", 20), "and B");
      sendNumbered(alice.client(), "code-sync", "to-c", 20);
      assertEquals(numbered("to-c", 20), take(erin.client(), "code-sync", 20), "A heard C's announcement");
    } finally {
      Await.result(nodeC.close());
    }
  }

  @Test
  void aMemberWithoutARouterHoldsNoJoinUp() throws Exception {
    io.vertx.core.json.JsonObject signalingOnly = config(true, cluster, 5894, 5891, 5892, 5894);
    signalingOnly.getJsonObject("node").put("roles", new io.vertx.core.json.JsonArray().add("signaling"));
    PeerMeshNode nodeD = TestNodes.start(signalingOnly);
    try {
      listen();
      Pair alice = pairOn("alice", nodeA.nodeId()::equals);
      Pair bob = pairOn("bob", nodeB.nodeId()::equals);
      // Node D answers no announcement (no handler): each join completes once D's first attempt failed, and the
      // retries that follow change nothing for A and B.
      join(alice.relay());
      join(bob.relay());
      sendNumbered(alice.client(), "code-sync", "past-d", 20);
      assertEquals(numbered("past-d", 20), take(bob.client(), "code-sync", 20));
    } finally {
      Await.result(nodeD.close());
    }
  }

  @Test
  void aRouterThatHoldsNothingKeepsTheSendersAcknowledgementsBackUntilItIsPassedOver() throws Exception {
    io.vertx.core.json.JsonObject config = config(true, cluster, 5895, 5891, 5892, 5895);
    config.getJsonObject("node").put("roles", new io.vertx.core.json.JsonArray().add("signaling"));
    PeerMeshNode silent = TestNodes.start(config);
    try (LogWatch passedOver = new LogWatch("io.peermesh.router.CommitTracker", "acknowledged nothing")) {
      listen();
      Pair alice = pairOn("alice", nodeA.nodeId()::equals);
      Pair bob = pairOn("bob", nodeB.nodeId()::equals);
      join(alice.relay());
      join(bob.relay());
      // A member that says it routes the room and takes what it is sent without ever acknowledging it.
      java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
      Await.result(silent.vertx().eventBus().consumer(Addresses.Router.deliver(silent.nodeId()),
          m -> taken.incrementAndGet()).completion());
      for (PeerMeshNode node : List.of(nodeA, nodeB)) {
        Await.result(silent.vertx().eventBus().request(Addresses.Router.roster(node.nodeId()),
            new RouteRoster(silent.nodeId(), List.of(room()), List.of(), false)));
      }
      // Alice's client may have 32 unacknowledged (the contract's config): all are forwarded to bob at once...
      sendNumbered(alice.client(), "code-sync", "held", 32);
      assertEquals(numbered("held", 32), take(bob.client(), "code-sync", 32));
      // ...but none is acknowledged to her while a node routing the room has not acknowledged holding it.
      SendAck refused = sendOnce(alice.client(), "code-sync", "held33");
      assertFalse(refused.accepted(), "acknowledged although the silent node holds nothing");
      assertEquals(SendAck.RESEND_BUFFER_FULL, refused.code());
      // Past router.sendTimeoutMs the silent node is passed over, and the rest goes through.
      sendNumbered(alice.client(), "code-sync", "more", 8);
      assertEquals(numbered("more", 8), take(bob.client(), "code-sync", 8));
      assertTrue(taken.get() >= 32, "the silent node was sent the messages: " + taken.get());
      assertFalse(passedOver.seen().isEmpty(), "the router said it passed the silent node over");
    } finally {
      Await.result(silent.close());
    }
  }

  /**
   * A bus connection between two live members that drops loses what was in flight on it without a word: node A
   * here loses three of its deliveries to B's router (two in a row and the last). B hands on nothing past a gap
   * and asks A for what follows; the last one lost, with nothing after it, goes again once B has not
   * acknowledged it for a while. Bob's client gets every message once, in order.
   */
  @Test
  void messagesLostBetweenTwoLiveNodesAreSentAgainAndHandedOnInOrderOnce() throws Exception {
    listen();
    Pair alice = pairOn("alice", nodeA.nodeId()::equals);
    Pair bob = pairOn("bob", nodeB.nodeId()::equals);
    join(alice.relay());
    join(bob.relay());
    String toB = Addresses.Router.deliver(nodeB.nodeId());
    java.util.Set<String> lost = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.Set<String> toLose = java.util.Set.of("lossy5", "lossy6", "lossy30");
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> lossy = ctx -> {
      if (ctx.message().address().equals(toB) && ctx.body() instanceof InboundMessage m) {
        String text = new String(m.data(), java.nio.charset.StandardCharsets.UTF_8);
        if (toLose.contains(text) && lost.add(text)) {
          return;
        }
      }
      ctx.next();
    };
    nodeA.vertx().eventBus().addOutboundInterceptor(lossy);
    try {
      sendNumbered(alice.client(), "code-sync", "lossy", 30);
      assertEquals(numbered("lossy", 30), take(bob.client(), "code-sync", 30));
      assertEquals(toLose, lost, "the three were lost on the way");
    } finally {
      nodeA.vertx().eventBus().removeOutboundInterceptor(lossy);
    }
    // A marker: a message handed on twice would come before it.
    sendNumbered(alice.client(), "code-sync", "after", 1);
    assertEquals(List.of("after1"), take(bob.client(), "code-sync", 1));
    // A router of an older version (a rolling upgrade) sends held messages without the start header: B does not
    // count them, it hands them on as they come.
    nodeA.vertx().eventBus().send(toB, new InboundMessage(room(), alice.relay().connection(), "alice", "code-sync",
        7, "legacy".getBytes(java.nio.charset.StandardCharsets.UTF_8)), new io.vertx.core.eventbus.DeliveryOptions()
        .addHeader(InboundMessage.GENERATION_HEADER, "424242").addHeader(InboundMessage.SOURCE_NODE_HEADER,
            nodeA.nodeId()));
    assertEquals(List.of("legacy"), take(bob.client(), "code-sync", 1));
  }

  @Override
  protected PeerMeshNode driver() {
    return nodeA;
  }

  @Override
  protected List<PeerMeshNode> nodes() {
    return List.of(nodeA, nodeB);
  }
}

package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.RouteJoin;
import io.peermesh.shared.bus.BusMessages.RouteJoined;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The node holding a routed relay is SIGKILLed (a separate JVM) while its client streams code-sync: every message
 * the client had been acknowledged reaches the room's other client, once and in order (docs/ROUTER.md).
 */
class RoutedNodeLossTest {
  private static final String ROOM = "routed-loss";
  /** The contract's config: a client has at most this many messages unacknowledged. */
  private static final int WINDOW = 32;

  @Test
  void noMessageItsSenderHadAcknowledgedIsLostWhenARelaysNodeDies() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    String cluster = TestNodes.uniqueClusterName();
    try (ChildNode doomed = new ChildNode(RouterContract.config(true, cluster, 5886, 5886, 5887))) {
      doomed.awaitReady();
      PeerMeshNode survivor = TestNodes.start(RouterContract.config(true, cluster, 5887, 5886, 5887));
      try {
        EventBus bus = survivor.vertx().eventBus();
        LinkedBlockingQueue<StateChange> states = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<InboundMessage> inbound = new LinkedBlockingQueue<>();
        // Clustered: the doomed node's supervisors publish there.
        Await.result(bus.<StateChange>consumer(Addresses.Supervisor.STATE, m -> states.add(m.body())).completion());
        Await.result(bus.<InboundMessage>localConsumer(Addresses.Supervisor.inbound(ROOM, "code-sync"),
            m -> inbound.add(m.body())).completion());
        int port = survivor.signalingPort();
        // Alice's relay on the doomed node; everything else on the survivor.
        SupervisorStarted relayAlice = null;
        String relayAlicePeer = null;
        for (int attempt = 0; attempt < 12 && relayAlice == null; attempt++) {
          relayAlicePeer = "relay-alice-" + attempt;
          SupervisorStarted started = start(bus, relayAlicePeer, "alice", port, false);
          if (started.node().equals(survivor.nodeId())) {
            Await.result(bus.request(Addresses.Supervisor.close(started.connection()), null));
          } else {
            relayAlice = started;
          }
        }
        assertNotNull(relayAlice, "no relay landed on the doomed node");
        String alice = start(bus, "alice", relayAlicePeer, port, true).connection();
        SupervisorStarted relayBob = start(bus, "relay-bob", "bob", port, true);
        String bob = start(bus, "bob", "relay-bob", port, true).connection();
        for (String connection : List.of(relayAlice.connection(), alice, relayBob.connection(), bob)) {
          awaitConnected(states, connection);
        }
        join(bus, relayAlice);
        join(bus, relayBob);

        // Alice streams; each message is offered again while refused (her window of 32 is full).
        int accepted = 0;
        while (accepted < 400) {
          SendAck ack = Await.result(bus.<SendAck>request(Addresses.Supervisor.send(alice), new OutboundMessage(
              "code-sync", ("m" + (accepted + 1)).getBytes(StandardCharsets.UTF_8)))).body();
          if (ack.accepted()) {
            accepted++;
          } else {
            assertTrue(SendAck.retryable(ack.code()), ack.code());
            Thread.onSpinWait();
          }
        }
        doomed.kill();
        // With message 400 taken, at most 32 were unacknowledged: 368 at least were acknowledged to alice.
        int acknowledged = accepted - WINDOW;
        List<String> got = new ArrayList<>();
        while (got.size() < acknowledged) {
          InboundMessage m = inbound.poll(30, TimeUnit.SECONDS);
          assertNotNull(m, "bob got " + got.size() + " of the " + acknowledged + " acknowledged to alice");
          if (m.connection().equals(bob)) {
            got.add(new String(m.data(), StandardCharsets.UTF_8));
          }
        }
        for (int i = 0; i < got.size(); i++) {
          assertEquals("m" + (i + 1), got.get(i), "once and in order");
        }
        System.out.printf("MEASURED routed relay's node killed: bob holds %d of the %d alice sent (%d acknowledged"
            + " at least)%n", got.size() + inbound.stream().filter(m -> m.connection().equals(bob)).count(),
            accepted, acknowledged);
      } finally {
        Await.result(survivor.close(), 60);
      }
    }
  }

  private static SupervisorStarted start(EventBus bus, String peer, String remote, int port, boolean here) {
    return Await.result(bus.<SupervisorStarted>request(Addresses.Supervisor.START, new SupervisorRequest(ROOM, peer,
        remote, "127.0.0.1", port, null, Map.of()), new DeliveryOptions().setLocalOnly(here))).body();
  }

  private static void join(EventBus bus, SupervisorStarted relay) {
    RouteJoined joined = Await.result(bus.<RouteJoined>request(Addresses.Router.join(relay.node()),
        new RouteJoin(ROOM, relay.connection()))).body();
    assertEquals(relay.connection(), joined.connection());
  }

  private static void awaitConnected(LinkedBlockingQueue<StateChange> states, String connection) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<StateChange> other = new ArrayList<>();
    try {
      while (true) {
        StateChange s = states.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertNotNull(s, connection + " never connected");
        if (s.connection().equals(connection) && s.to().equals("connected")) {
          return;
        }
        other.add(s);
      }
    } finally {
      states.addAll(other);
    }
  }
}

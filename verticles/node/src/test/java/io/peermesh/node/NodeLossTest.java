package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A node in another JVM dies by SIGKILL; the survivor reports its peers as left with reason node-lost. */
class NodeLossTest {
  /** The bound docs/PROTOCOL.md promises for a killed node (a hung one is declared dead in ~5 s more). */
  static final long NODE_LOST_BOUND_MS = 5_000;

  @Test
  void peersOfAKilledNodeAreReportedLeftWithReasonNodeLostWithinTheBound() throws Exception {
    String cluster = TestNodes.uniqueClusterName();
    PeerMeshNode survivor = TestNodes.start(TestNodes.config(true, cluster, 5821, 5821, 5822));
    Vertx clients = Vertx.vertx();
    try (ChildNode doomed = new ChildNode(TestNodes.config(true, cluster, 5822, 5821, 5822))) {
      int doomedPort = doomed.awaitReady();
      try (SignalClient alice = SignalClient.connect(clients, survivor.signalingPort());
          SignalClient bob = SignalClient.connect(clients, doomedPort);
          SignalClient carol = SignalClient.connect(clients, doomedPort)) {
        alice.joinDev("doomed-room", "alice");
        bob.joinDev("doomed-room", "bob");
        carol.joinDev("doomed-room", "carol");
        alice.await("peer-joined");
        alice.await("peer-joined");

        long killed = System.nanoTime();
        doomed.kill();
        JsonObject first = alice.await("peer-left");
        JsonObject second = alice.await("peer-left");
        long detectedMs = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("MEASURED node-lost reported %d ms after SIGKILL%n", detectedMs);
        assertEquals("node-lost", first.getString("reason"));
        assertEquals("node-lost", second.getString("reason"));
        assertEquals(java.util.Set.of("bob", "carol"),
            java.util.Set.of(first.getString("peer"), second.getString("peer")));
        assertTrue(detectedMs < NODE_LOST_BOUND_MS, "reported after " + detectedMs + " ms");

        // The room's state is clean: a new peer sees only alice, and bob's id is free again.
        try (SignalClient dave = SignalClient.connect(clients, survivor.signalingPort())) {
          JsonObject joined = dave.joinDev("doomed-room", "bob");
          assertEquals(1, joined.getJsonArray("peers").size());
          assertEquals("alice", joined.getJsonArray("peers").getJsonObject(0).getString("peer"));
        }
      }
    } finally {
      Await.result(clients.close());
      Await.result(survivor.close());
    }
  }
}

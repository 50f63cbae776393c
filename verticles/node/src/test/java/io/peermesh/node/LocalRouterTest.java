package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.peermesh.shared.testing.PathCut;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The router contract on one standalone node: every relay and client on it. */
class LocalRouterTest extends RouterContract {
  private static PeerMeshNode node;

  @BeforeAll
  static void start() {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    node = TestNodes.start(config(false, TestNodes.uniqueClusterName(), 5891, 5891));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      Await.result(node.close());
    }
  }

  @Test
  void aPathCutUnderRoutedTrafficLosesAndDuplicatesNothing() throws Exception {
    listen();
    Pair alice = pair("alice", null);
    Pair bob = pair("bob", null);
    join(alice.relay());
    join(bob.relay());
    CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
      try {
        sendNumbered(alice.client(), "code-sync", "cut", 2_000);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    List<String> got = new ArrayList<>(take(bob.client(), "code-sync", 100));
    try (PathCut cut = new PathCut(node.signalingPort())) {
      // Every connection of the namespace loses its path: both clients' links to their relays.
      clearStates();
      cut.cut();
      awaitState(bob.relay().connection(), to -> !to.equals("connected"), "loss detected");
      cut.restore();
      awaitState(bob.relay().connection(), "connected"::equals, "connected again");
    }
    sending.get(120, TimeUnit.SECONDS);
    got.addAll(take(bob.client(), "code-sync", 1_900));
    assertEquals(numbered("cut", 2_000), got, "once each, in order, across the cut");
  }

  @Override
  protected PeerMeshNode driver() {
    return node;
  }

  @Override
  protected List<PeerMeshNode> nodes() {
    return List.of(node);
  }
}

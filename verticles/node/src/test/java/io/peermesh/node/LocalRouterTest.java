package io.peermesh.node;

import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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

  @Override
  protected PeerMeshNode driver() {
    return node;
  }

  @Override
  protected List<PeerMeshNode> nodes() {
    return List.of(node);
  }
}

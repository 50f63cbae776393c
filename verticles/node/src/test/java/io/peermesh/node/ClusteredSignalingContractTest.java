package io.peermesh.node;

import io.peermesh.shared.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The signaling contract on a two-node Hazelcast cluster, peer A on node A and peer B on node B. */
class ClusteredSignalingContractTest extends SignalingContract {
  private static PeerMeshNode nodeA;
  private static PeerMeshNode nodeB;
  private static Vertx clients;

  @BeforeAll
  static void start() {
    String cluster = TestNodes.uniqueClusterName();
    nodeA = TestNodes.start(TestNodes.config(true, cluster, 5811, 5811, 5812));
    nodeB = TestNodes.start(TestNodes.config(true, cluster, 5812, 5811, 5812));
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Await.result(clients.close());
    Await.result(nodeB.close());
    Await.result(nodeA.close());
  }

  @Override
  protected Vertx clientVertx() {
    return clients;
  }

  @Override
  protected int portA() {
    return nodeA.signalingPort();
  }

  @Override
  protected int portB() {
    return nodeB.signalingPort();
  }

  @Override
  protected String mode() {
    return "two-node cluster";
  }
}

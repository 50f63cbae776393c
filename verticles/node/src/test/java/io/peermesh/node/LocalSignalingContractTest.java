package io.peermesh.node;

import io.peermesh.shared.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The signaling contract on one node that is not clustered. */
class LocalSignalingContractTest extends SignalingContract {
  private static PeerMeshNode node;
  private static Vertx clients;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestNodes.config(false, TestNodes.uniqueClusterName(), 5801, 5801));
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Await.result(clients.close());
    Await.result(node.close());
  }

  @Override
  protected Vertx clientVertx() {
    return clients;
  }

  @Override
  protected int portA() {
    return node.signalingPort();
  }

  @Override
  protected int portB() {
    return node.signalingPort();
  }

  @Override
  protected String mode() {
    return "one node";
  }
}

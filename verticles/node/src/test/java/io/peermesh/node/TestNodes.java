package io.peermesh.node;

import io.peermesh.shared.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** Configs for test nodes: loopback only, a unique cluster name per test, join wait 0, signaling port 0. */
final class TestNodes {
  private TestNodes() {}

  static JsonObject config(boolean clustered, String clusterName, int hazelcastPort, int... memberPorts) {
    JsonObject config = Main.embeddedDefaults();
    JsonArray members = new JsonArray();
    for (int p : memberPorts) {
      members.add("127.0.0.1:" + p);
    }
    config.getJsonObject("node").put("clustered", clustered);
    config.getJsonObject("cluster").put("clusterName", clusterName).put("hazelcastPort", hazelcastPort)
        .put("members", members).put("joinWaitSeconds", 0);
    config.getJsonObject("signaling").put("port", 0).put("devMode", true).put("resumeGraceMs", 3000);
    return config;
  }

  static String uniqueClusterName() {
    return "test-" + UUID.randomUUID();
  }

  static PeerMeshNode start(JsonObject config) {
    return Await.result(PeerMeshNode.start(config), 60);
  }
}

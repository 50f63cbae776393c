package io.peermesh.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/** Typed {@code node} and {@code cluster} sections of the config; defaults in conf/peermesh.json. */
record NodeOptions(List<String> roles, boolean clustered, int eventLoops, boolean nativeTransport,
    String clusterName, String host,
    int hazelcastPort, List<String> members, int eventBusPort, int heartbeatIntervalSeconds,
    int maxNoHeartbeatSeconds, int joinWaitSeconds) {

  static final Set<String> KNOWN_ROLES = Set.of("signaling", "supervisor");

  NodeOptions {
    roles = List.copyOf(roles);
    members = List.copyOf(members);
    for (String role : roles) {
      if (!KNOWN_ROLES.contains(role)) {
        throw new IllegalArgumentException("node.roles: unknown role '" + role + "'; known: " + KNOWN_ROLES);
      }
    }
    if (eventLoops < 0) {
      throw new IllegalArgumentException("node.eventLoops: " + eventLoops + " (0 means one per two cores)");
    }
    if (heartbeatIntervalSeconds <= 0 || maxNoHeartbeatSeconds <= heartbeatIntervalSeconds) {
      throw new IllegalArgumentException("cluster: need 0 < heartbeatIntervalSeconds < maxNoHeartbeatSeconds");
    }
  }

  static NodeOptions from(JsonObject config) {
    JsonObject node = config.getJsonObject("node", new JsonObject());
    JsonObject cluster = config.getJsonObject("cluster", new JsonObject());
    return new NodeOptions(
        strings(node.getJsonArray("roles", new JsonArray().add("signaling"))),
        node.getBoolean("clustered", true),
        node.getInteger("eventLoops", 0),
        node.getBoolean("nativeTransport", true),
        cluster.getString("clusterName", "peermesh"),
        cluster.getString("host", "127.0.0.1"),
        cluster.getInteger("hazelcastPort", 5701),
        strings(cluster.getJsonArray("members", new JsonArray().add("127.0.0.1:5701"))),
        cluster.getInteger("eventBusPort", 0),
        cluster.getInteger("heartbeatIntervalSeconds", 1),
        cluster.getInteger("maxNoHeartbeatSeconds", 5),
        cluster.getInteger("joinWaitSeconds", 0));
  }

  /**
   * Vert.x event loops: {@code eventLoops}, or with 0 one per two cores (at least one). Each webrtc-java factory
   * (one per core) runs its own native threads; the event loops do the rest, and verticles on one loop hand
   * each other messages without waking another thread (docs/SUPERVISOR.md, "Threads").
   */
  int resolvedEventLoops() {
    return eventLoops > 0 ? eventLoops : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  private static List<String> strings(JsonArray array) {
    return array.stream().map(String::valueOf).toList();
  }
}

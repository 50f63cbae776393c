package io.peermesh.signaling;

import io.peermesh.shared.bus.BusMessages.StateChange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latest state of every supervised connection in the cluster, fed by the clustered state publications,
 * for {@code /status.json} and the status page. Bounded: ended connections are forgotten, and beyond
 * {@code capacity} the oldest entry goes.
 */
final class ConnectionStatus {
  private final int capacity;
  private final Map<String, StateChange> latest = new LinkedHashMap<>();

  ConnectionStatus(int capacity) {
    this.capacity = capacity;
  }

  void record(StateChange change) {
    latest.remove(change.connection());
    if (change.to().equals("closed")) {
      return;
    }
    latest.put(change.connection(), change);
    if (latest.size() > capacity) {
      latest.remove(latest.keySet().iterator().next());
    }
  }

  JsonArray toJson() {
    JsonArray rows = new JsonArray();
    for (StateChange s : latest.values()) {
      rows.add(new JsonObject().put("connection", s.connection()).put("room", s.room()).put("peer", s.peer())
          .put("remote", s.remote()).put("state", s.to()).put("previous", s.from()).put("attempt", s.attempt())
          .put("reason", s.reason()).put("path", s.path()));
    }
    return rows;
  }
}

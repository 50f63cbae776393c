package io.peermesh.signaling;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.ChannelStats;
import io.peermesh.shared.bus.BusMessages.ConnectionStats;
import io.peermesh.shared.bus.BusMessages.NodeStats;
import io.peermesh.shared.bus.ClusterMembers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@code /status.json}: the latest state of every supervised connection (pushed to
 * {@link ConnectionStatus}) joined with a snapshot pulled from every node's supervisor manager (per-channel
 * counters, buffered bytes, the selected candidate pair). A node that does not answer within
 * {@link #NODE_TIMEOUT_MS} is left out of this poll; its connections keep their last pushed state.
 */
final class StatusCollector {
  static final long NODE_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final ConnectionStatus states;

  StatusCollector(Vertx vertx, ConnectionStatus states) {
    this.vertx = vertx;
    this.states = states;
  }

  Future<JsonArray> collect() {
    DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(NODE_TIMEOUT_MS);
    List<Future<NodeStats>> asks = new ArrayList<>();
    List<String> nodes = ClusterMembers.live(vertx).orElse(List.of());
    if (!nodes.isEmpty()) {
      for (String node : nodes) {
        asks.add(vertx.eventBus().<NodeStats>request(Addresses.Supervisor.stats(node), null, timeout)
            .map(m -> m.body()));
      }
    } else {
      asks.add(vertx.eventBus().<NodeStats>request(Addresses.Supervisor.LOCAL_STATS, null, timeout)
          .map(m -> m.body()));
    }
    // Nodes without the supervisor role answer "no handlers": they hold no connections.
    return Future.join(asks).transform(done -> {
      Map<String, ConnectionStats> snapshots = new HashMap<>();
      asks.stream().filter(Future::succeeded).forEach(f -> f.result().connections()
          .forEach(c -> snapshots.put(c.connection(), c)));
      return Future.succeededFuture(merge(states.toJson(), snapshots));
    });
  }

  static JsonArray merge(JsonArray pushed, Map<String, ConnectionStats> snapshots) {
    JsonArray rows = new JsonArray();
    Map<String, ConnectionStats> unseen = new HashMap<>(snapshots);
    for (Object o : pushed) {
      JsonObject row = (JsonObject) o;
      ConnectionStats stats = unseen.remove(row.getString("connection"));
      rows.add(stats == null ? row : withStats(row, stats));
    }
    // Connections that have not published a state change yet (still connecting).
    unseen.values().forEach(s -> rows.add(withStats(new JsonObject().put("connection", s.connection())
        .put("room", s.room()).put("peer", s.peer()).put("remote", s.remote()).put("state", s.state())
        .put("attempt", s.attempt()).put("reason", s.reason()).put("path", s.path()), s)));
    return rows;
  }

  private static JsonObject withStats(JsonObject row, ConnectionStats s) {
    JsonObject channels = new JsonObject();
    for (ChannelStats c : s.channels()) {
      channels.put(c.channel(), new JsonObject().put("messagesIn", c.messagesIn()).put("bytesIn", c.bytesIn())
          .put("messagesOut", c.messagesOut()).put("bytesOut", c.bytesOut()).put("buffered", c.buffered()));
    }
    return row.copy().put("node", s.node()).put("candidatePair", s.candidatePair())
        .put("candidateType", s.candidateType()).put("channels", channels);
  }
}

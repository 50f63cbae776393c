package io.peermesh.bench;

import io.peermesh.node.PeerMeshNode;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Row 8: signaling latencies, ours against the bare event bus measured in the same run. */
final class SignalBench {
  private final int repeats;
  private final int warmUpJoins;

  SignalBench(int repeats, int warmUpJoins) {
    this.repeats = repeats;
    this.warmUpJoins = warmUpJoins;
  }

  /** {@code count} joins of fresh sockets, each to a room of its own: join sent → joined received (ms). */
  private static List<Double> joins(Vertx clients, PeerMeshNode node, String tag, int count) {
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      try (SignalClient c = SignalClient.connect(clients, node.signalingPort())) {
        long t0 = System.nanoTime();
        JsonObject joined = c.joinDev(tag + "-" + i, null);
        millis.add((joined.getLong("_arrivedNanos") - t0) / 1e6);
      }
    }
    return millis;
  }

  List<Row> run() throws Exception {
    List<Row> rows = new ArrayList<>();
    String cluster = "bench-" + UUID.randomUUID();
    PeerMeshNode a = Await.result(PeerMeshNode.start(config(true, cluster, 5911)), 120);
    PeerMeshNode b = Await.result(PeerMeshNode.start(config(true, cluster, 5912)), 120);
    PeerMeshNode single = Await.result(PeerMeshNode.start(config(false, cluster, 5913)), 120);
    Vertx clients = Vertx.vertx();
    try {
      // A running node's figure, as the set-up row: the first joins of a fresh JVM run cold code (the JIT
      // compiles the join path over a few hundred), so untimed joins go first and the note gives the first ones.
      List<Double> cold = joins(clients, single, "cold", Math.min(20, repeats));
      joins(clients, single, "warm", warmUpJoins);
      List<Double> joins = joins(clients, single, "join", repeats);
      List<Double> localBus = busRoundTrips(single.vertx(), single.vertx());
      double p50 = Stats.median(joins);
      double p99 = Stats.percentile(joins, 99);
      rows.add(new Row("signal: join → joined p50, one node", "ms", p50, Stats.median(localBus),
          "local event-bus round trip", "≤ 1 ms", p50 <= 1.0, String.format(java.util.Locale.ROOT,
              "p99 %.2f ms; n=%d after %d untimed joins; the first %d of a fresh node: p50 %.2f ms", p99, joins.size(), warmUpJoins + cold.size(),
              cold.size(), Stats.median(cold))));
      // The same on a member of a two-node cluster: the session and roster writes are cluster map calls there.
      joins(clients, a, "cwarm", warmUpJoins);
      List<Double> clusteredJoins = joins(clients, a, "cjoin", repeats);
      List<Double> clusterBus = busRoundTrips(a.vertx(), b.vertx());
      rows.add(new Row("signal: join → joined p50, a node of a 2-node cluster", "ms", Stats.median(clusteredJoins),
          Stats.median(clusterBus), "clustered event-bus round trip", "none in #5 (reported)", null,
          String.format(java.util.Locale.ROOT, "p99 %.2f ms; n=%d after %d untimed joins; a fresh join writes the "
                  + "session and the roster, one putIfAbsent each for a new room (deliveries go to the node's "
                  + "address: nothing is registered per session)", Stats.percentile(clusteredJoins, 99), clusteredJoins.size(), warmUpJoins)));

      List<Double> relays = new ArrayList<>();
      try (SignalClient alice = SignalClient.connect(clients, a.signalingPort());
          SignalClient bob = SignalClient.connect(clients, b.signalingPort())) {
        alice.joinDev("relay", "alice");
        bob.joinDev("relay", "bob");
        alice.await("peer-joined");
        for (int i = 0; i < repeats * 5; i++) {
          long t0 = System.nanoTime();
          alice.send(new JsonObject().put("type", "offer").put("to", "bob").put("sdp", "v=0"));
          JsonObject offer = bob.await("offer");
          if (i >= repeats / 2) {
            relays.add((offer.getLong("_arrivedNanos") - t0) / 1e6);
          }
        }
      }
      double relay = Stats.median(relays);
      double bus = Stats.median(clusterBus);
      rows.add(new Row("signal: offer relayed across a 2-node cluster, p50", "ms", relay, bus,
          "clustered event-bus round trip", "≤ bare + 0.5 ms", relay <= bus + 0.5,
          "includes both WebSocket hops; p99 " + String.format(java.util.Locale.ROOT, "%.2f ms",
              Stats.percentile(relays, 99))));
    } finally {
      Await.result(clients.close());
      Await.result(single.close());
      Await.result(b.close());
      Await.result(a.close());
    }
    return rows;
  }

  /** Request-reply round trips from {@code from} to a consumer on {@code to}. */
  private List<Double> busRoundTrips(Vertx from, Vertx to) {
    String address = "bench.echo." + UUID.randomUUID();
    Await.result(to.eventBus().<String>consumer(address, m -> m.reply(m.body())).completion());
    List<Double> rtts = new ArrayList<>();
    for (int i = 0; i < repeats * 5; i++) {
      long t0 = System.nanoTime();
      Await.result(from.eventBus().request(address, "x"));
      if (i >= repeats / 2) {
        rtts.add((System.nanoTime() - t0) / 1e6);
      }
    }
    return rtts;
  }

  static JsonObject config(boolean clustered, String cluster, int port) throws IOException {
    JsonObject config;
    try (InputStream in = SignalBench.class.getResourceAsStream("/peermesh-conf/peermesh.json")) {
      config = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    config.getJsonObject("node").put("clustered", clustered).put("roles", new JsonArray().add("signaling"));
    config.getJsonObject("cluster").put("clusterName", cluster).put("hazelcastPort", port)
        .put("members", new JsonArray().add("127.0.0.1:5911").add("127.0.0.1:5912"));
    config.getJsonObject("signaling").put("port", 0).put("devMode", true).put("maxMessagesPerSecond", 100_000)
        .put("burstMessages", 200_000);
    return config;
  }
}

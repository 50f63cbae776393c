package io.peermesh.bench;

import static io.peermesh.bench.WebRtcBench.CODE_SYNC;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.RouteEvent;
import io.peermesh.shared.bus.BusMessages.RouteEventKind;
import io.peermesh.shared.testing.Await;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the channel router costs (docs/ROUTER.md): code-sync from one client supervisor through its routed relay,
 * the router and the other relay to the other client, against a direct pair of supervisors in the same run.
 * Issue #5 names no target for it: the rows report.
 */
final class RouteBench {
  private static final String ROUTED = "bench-route";
  private static final String DIRECT = "bench-route-direct";
  private static final int BLOCKS = 4;
  private final int roundTrips;
  private final int messages;

  RouteBench(int roundTrips, int messages) {
    this.roundTrips = roundTrips;
    this.messages = messages;
  }

  List<Row> run(Mesh mesh) throws Exception {
    // alice ↔ relay-alice and bob ↔ relay-bob, the relays routed; x ↔ y is the direct pair.
    String[] alice = Await.result(mesh.pair2(ROUTED, "route-alice", "route-relay-alice"), 60);
    String[] bob = Await.result(mesh.pair2(ROUTED, "route-bob", "route-relay-bob"), 60);
    Await.result(mesh.route(ROUTED, alice[1]));
    Await.result(mesh.route(ROUTED, bob[1]));
    String[] direct = Await.result(mesh.pair(DIRECT), 60);
    List<Double> routed = new ArrayList<>();
    List<Double> plain = new ArrayList<>();
    for (int i = 0; i < BLOCKS; i++) {
      routed.addAll(roundTrips(mesh, ROUTED, alice[0], bob[0], roundTrips / BLOCKS));
      plain.addAll(roundTrips(mesh, DIRECT, direct[0], direct[1], roundTrips / BLOCKS));
    }
    List<Double> routedRate = new ArrayList<>();
    List<Double> plainRate = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      routedRate.add(throughput(mesh, ROUTED, alice[0], bob[0]));
      plainRate.add(throughput(mesh, DIRECT, direct[0], direct[1]));
    }
    String target = "none in #5 (reported)";
    double p50 = Stats.median(routed);
    double baseP50 = Stats.median(plain);
    return List.of(
        new Row("route rtt p50, 100 B code-sync through two routed relays", "ms", p50, baseP50,
            "direct supervisor pair", target, null, String.format(java.util.Locale.ROOT,
                "n=%d each in %d alternating blocks; p99 %.2f ms vs %.2f ms; two WebRTC hops and the router each "
                    + "way against one hop", routed.size(), BLOCKS, Stats.percentile(routed, 99),
                Stats.percentile(plain, 99))),
        new Row("route throughput, code-sync 1 KiB through two routed relays", "MB/s", Stats.median(routedRate),
            Stats.median(plainRate), "direct supervisor pair", target, null, String.format(java.util.Locale.ROOT,
                "median of 3 runs each, %d messages a run (routed %s, direct %s MB/s)", messages,
                Stats.range(routedRate), Stats.range(plainRate))));
  }

  /** {@code count} sequential round trips (the first tenth untimed): {@code from} sends, {@code echo} answers. */
  private static List<Double> roundTrips(Mesh mesh, String room, String from, String echo, int count)
      throws Exception {
    CompletableFuture<Void>[] waiting = new CompletableFuture[1];
    MessageConsumer<?> consumer = mesh.onInbound(room, CODE_SYNC, m -> {
      if (m.connection().equals(echo)) {
        mesh.send(echo, CODE_SYNC, m.data());
      } else if (m.connection().equals(from) && waiting[0] != null) {
        waiting[0].complete(null);
      }
    });
    List<Double> millis = new ArrayList<>();
    byte[] payload = new byte[100];
    try {
      for (int i = 0; i < count; i++) {
        waiting[0] = new CompletableFuture<>();
        long t0 = System.nanoTime();
        mesh.send(from, CODE_SYNC, payload);
        waiting[0].get(30, TimeUnit.SECONDS);
        if (i >= count / 10) {
          millis.add((System.nanoTime() - t0) / 1e6);
        }
      }
    } finally {
      Await.result(consumer.unregister());
    }
    return millis;
  }

  /** MB/s of 1 KiB code-sync messages from {@code from} arriving at {@code to}, 256 sends in flight. */
  private double throughput(Mesh mesh, String room, String from, String to) throws Exception {
    int size = 1024;
    CountDownLatch received = new CountDownLatch(messages);
    AtomicLong bytes = new AtomicLong();
    MessageConsumer<?> consumer = mesh.onInbound(room, CODE_SYNC, m -> {
      if (m.connection().equals(to) && m.data().length == size) {
        bytes.addAndGet(size);
        received.countDown();
      }
    });
    AtomicReference<String> overflow = new AtomicReference<>();
    MessageConsumer<RouteEvent> events = mesh.vertx.eventBus().<RouteEvent>localConsumer(Addresses.Router.EVENTS, e -> {
      if (e.body().kind() == RouteEventKind.OVERFLOW) {
        overflow.set(e.body().reason());
      }
    });
    try {
      long t0 = System.nanoTime();
      Promise<Void> sent = Promise.promise();
      mesh.vertx.runOnContext(v -> WebRtcBench.pump(mesh, from, new byte[size], messages, new int[] {0},
          new int[] {0}, sent));
      Await.result(sent.future(), 600);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (!received.await(1, TimeUnit.SECONDS)) {
        if (overflow.get() != null || System.nanoTime() > deadline) {
          throw new IllegalStateException("route throughput: only " + (messages - received.getCount())
              + " arrived" + (overflow.get() == null ? "" : "; the router overflowed: " + overflow.get()));
        }
      }
      return bytes.get() / ((System.nanoTime() - t0) / 1e9) / 1e6;
    } finally {
      Await.result(consumer.unregister());
      Await.result(events.unregister());
    }
  }
}

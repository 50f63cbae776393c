package io.peermesh.bench;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import io.peermesh.shared.testing.Await;
import io.peermesh.supervisor.SupervisorManagerVerticle;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Supervised connections one node holds (pairs of supervisors on this node, each with five channels and a
 * live heartbeat), stepping up to the pool's admission limit; then requests past the limit, which must be
 * refused while a sample of the connections already up still passes code-sync both ways. Memory, threads and
 * file descriptors per connection are compared with bare webrtc-java pairs measured in the same run.
 */
final class DensityBench {
  /**
   * @param steps connection counts at which the node is measured (the last is the target)
   * @param batchPairs pairs requested together while stepping up (one factory sets up ~500 pairs in 2.7 s)
   * @param barePairs bare pairs of the baseline
   * @param extraPairs pairs requested past the limit
   * @param samplePairs pairs checked for code-sync both ways after the refusals
   * @param quietMs a window at the limit, before the extra requests, in which heartbeat losses are counted
   * @param pool the supervisor pool section (a private pool, so earlier rows' connections do not count)
   * @param bareHoldMs how long the bare pairs exchange heartbeats before they are measured (ours' connections
   *     are ~30 s old on average when the node is measured at the top step)
   */
  record Sizes(int[] steps, int batchPairs, int barePairs, int extraPairs, int samplePairs, long quietMs,
      JsonObject pool, long bareHoldMs) {}

  /** The baseline measured twice: right after connecting, and after holding with heartbeats like ours. */
  private record Bare(Probe.PerItem idle, Probe.PerItem live) {}

  private final Sizes sizes;

  DensityBench(Sizes sizes) {
    this.sizes = sizes;
  }

  List<Row> run() throws Exception {
    int factories = sizes.pool().getInteger("factories");
    int limit = factories * sizes.pool().getInteger("maxConnectionsPerFactory");
    Bare bares = bare(factories);
    Probe.PerItem bare = bares.live();
    try (Mesh mesh = new Mesh(new JsonObject().put("pool", sizes.pool().copy().put("private", true)))) {
      StateLog states = new StateLog();
      mesh.onState(states::record);
      Probe before = Probe.take();
      List<String[]> up = new ArrayList<>();
      StringBuilder steps = new StringBuilder();
      double maxProbeMs = 0;
      Probe.PerItem top = null;
      int[] overload = {0, 0, 0};
      double overloadMs = Double.NaN;
      int passed = 0;
      int lostBefore = 0;
      int lostOverload = 0;
      int lostQuiet = 0;
      int notConnected = 0;
      for (int i = 0; i < sizes.steps().length; i++) {
        long t0 = System.nanoTime();
        boolean complete = stepUp(mesh, up, sizes.steps()[i] / 2);
        double stepSeconds = (System.nanoTime() - t0) / 1e9;
        if (!complete || i == sizes.steps().length - 1) {
          // Past the limit before the last probe: its full collection pauses every event loop, and the
          // heartbeats it silences must not be mistaken for harm done by the refusals.
          lostBefore = states.leftConnected();
          // A quiet window first: how many heartbeats a node this full misses anyway, to compare with.
          Await.result(mesh.vertx.timer(sizes.quietMs()), (int) (sizes.quietMs() / 1000) + 30);
          lostQuiet = states.leftConnected() - lostBefore;
          long o0 = System.nanoTime();
          overload = overload(mesh);
          overloadMs = (System.nanoTime() - o0) / 1e6;
          passed = sample(mesh, up);
          lostOverload = states.leftConnected() - lostBefore - lostQuiet;
          notConnected = states.notConnected(up);
        }
        long p0 = System.nanoTime();
        Probe.PerItem per = Probe.take().since(before, up.size() * 2);
        maxProbeMs = Math.max(maxProbeMs, (System.nanoTime() - p0) / 1e6);
        top = per;
        steps.append(String.format(Locale.ROOT, "%d: %.0f KB (%.0f KB heap; VmRSS %.0f KB), %.3f threads, "
            + "%.2f fds per connection, +%.0f s; ", up.size() * 2, per.footprint() / 1024, per.heap() / 1024,
            per.rss() / 1024, per.threads(), per.fds(), stepSeconds));
        if (!complete) {
          steps.append("stopped: pairs failed to connect; ");
          break;
        }
      }
      int held = up.size() * 2;
      int sampled = Math.min(sizes.samplePairs(), up.size());
      double oursKb = top == null ? Double.NaN : top.footprint() / 1024;
      double bareKb = bare.footprint() / 1024;
      return List.of(
          new Row("density: supervised connections one node holds (5 channels, live heartbeat)", "", held, limit,
              "admission limit", "≥ 4,000", held >= 4_000, steps.toString().trim()
                  + String.format(Locale.ROOT, " left `connected` while stepping up: %d (reasons over the whole run: "
                  + "%s; longest probe pause, a full collection, %.0f ms)", lostBefore, states.reasons(), maxProbeMs)),
          new Row("density: memory per connection at " + held + " (native + live heap)", "KB", oursKb, bareKb,
              "bare webrtc-java, " + 2 * sizes.barePairs() + " connections with the same heartbeat, "
                  + sizes.bareHoldMs() / 1000 + " s", "≤ 1.2× bare",
              oursKb <= 1.2 * bareKb, top == null ? "no step completed" : String.format(Locale.ROOT,
                  "ours: heap %.0f KB, native %.0f KB, VmRSS %.0f KB, %.3f threads, %.2f fds per connection; "
                  + "bare: heap %.0f KB, native %.0f KB, VmRSS %.0f KB, %.3f threads, %.2f fds; bare idle (no "
                  + "traffic, measured at once): %.0f KB, ours %.2f× that; both heaps grow with age: webrtc-java "
                  + "0.14.0 keeps ~88 bytes per received message", top.heap() / 1024,
                  top.nativeMemory() / 1024, top.rss() / 1024, top.threads(), top.fds(), bare.heap() / 1024,
                  bare.nativeMemory() / 1024, bare.rss() / 1024, bare.threads(), bare.fds(),
                  bares.idle().footprint() / 1024, oursKb / (bares.idle().footprint() / 1024))),
          new Row("density: past the limit, sampled pairs passing code-sync both ways", "", passed, sampled,
              "pairs sampled", "all extra refused (503), sample passes, all connected after",
              overload[0] == 2 * sizes.extraPairs() && passed == sampled && notConnected == 0,
              String.format(Locale.ROOT, "%d extra requests: %d refused with 503, %d admitted, %d other failures "
                  + "(%.0f ms); left `connected` during the refusals and the sample: %d, during a quiet %d ms "
                  + "window before them: %d; not connected after the sample: %d", 2 * sizes.extraPairs(),
                  overload[0], overload[1], overload[2], overloadMs, lostOverload, sizes.quietMs(), lostQuiet,
                  notConnected)));
    }
  }

  /** Requests pairs in batches until {@code pairs} are up; false when a batch did not fully connect. */
  private boolean stepUp(Mesh mesh, List<String[]> up, int pairs) {
    while (up.size() < pairs) {
      List<Future<String[]>> batch = new ArrayList<>();
      for (int i = 0; i < sizes.batchPairs() && up.size() + batch.size() < pairs; i++) {
        batch.add(mesh.pair("dense-" + (up.size() + batch.size())));
      }
      try {
        Await.result(Future.join(batch), 300);
      } catch (AssertionError timedOut) {
        // counted below: only pairs that completed are up
      }
      batch.stream().filter(Future::succeeded).forEach(f -> up.add(f.result()));
      if (batch.stream().anyMatch(f -> !f.succeeded())) {
        return false;
      }
    }
    return true;
  }

  /** Requests {@code extraPairs} pairs past the limit: [refused with 503, admitted, other failures]. */
  private int[] overload(Mesh mesh) {
    List<Future<String>> requests = new ArrayList<>();
    for (int i = 0; i < sizes.extraPairs(); i++) {
      requests.add(mesh.request("extra-" + i, "extra-" + i + "-a", "extra-" + i + "-b"));
      requests.add(mesh.request("extra-" + i, "extra-" + i + "-b", "extra-" + i + "-a"));
    }
    try {
      Await.result(Future.join(requests), 120);
    } catch (AssertionError expected) {
      // join fails when any request failed; each is inspected below
    }
    int[] counts = new int[3];
    for (Future<String> r : requests) {
      if (r.succeeded()) {
        counts[1]++;
      } else if (r.cause() instanceof ReplyException e
          && e.failureCode() == SupervisorManagerVerticle.AT_CAPACITY) {
        counts[0]++;
      } else {
        counts[2]++;
      }
    }
    return counts;
  }

  /** Code-sync both ways on pairs spread evenly over those up; returns how many passed both ways. */
  private int sample(Mesh mesh, List<String[]> up) throws Exception {
    int n = Math.min(sizes.samplePairs(), up.size());
    List<CompletableFuture<Void>> both = new ArrayList<>();
    List<io.vertx.core.eventbus.MessageConsumer<?>> consumers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = (int) ((long) i * up.size() / n);
      String[] pair = up.get(index);
      CompletableFuture<Void> atA = new CompletableFuture<>();
      CompletableFuture<Void> atB = new CompletableFuture<>();
      consumers.add(mesh.onInbound("dense-" + index, "code-sync", m -> {
        (m.connection().equals(pair[0]) ? atA : atB).complete(null);
      }));
      mesh.send(pair[0], "code-sync", new byte[] {1});
      mesh.send(pair[1], "code-sync", new byte[] {2});
      both.add(CompletableFuture.allOf(atA, atB));
    }
    try {
      CompletableFuture.allOf(both.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      // counted below
    }
    consumers.forEach(c -> c.unregister());
    return (int) both.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
  }

  /**
   * Bare pairs spread over as many fresh factories as our pool has; growth per connection right after they
   * connected, and again after {@code bareHoldMs} of the supervisors' heartbeat (9 bytes on presence every
   * 500 ms, each way): the workload the density row asks of ours.
   */
  private Bare bare(int factories) throws Exception {
    Probe before = Probe.take();
    List<PeerConnectionFactory> pool = new ArrayList<>();
    for (int i = 0; i < factories; i++) {
      pool.add(new PeerConnectionFactory(new HeadlessAudioDeviceModule()));
    }
    List<BarePair> pairs = new ArrayList<>();
    ExecutorService connectors = Executors.newFixedThreadPool(8);
    try {
      for (int done = 0; done < sizes.barePairs(); done += sizes.batchPairs()) {
        List<CompletableFuture<Void>> batch = new ArrayList<>();
        for (int i = done; i < Math.min(sizes.barePairs(), done + sizes.batchPairs()); i++) {
          BarePair pair = new BarePair(pool.get(i % factories));
          pairs.add(pair);
          batch.add(CompletableFuture.runAsync(() -> {
            try {
              pair.connect();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }, connectors));
        }
        CompletableFuture.allOf(batch.toArray(new CompletableFuture[0])).get(300, TimeUnit.SECONDS);
      }
      Probe.PerItem idle = Probe.take().since(before, 2 * pairs.size());
      ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor();
      try {
        heartbeat.scheduleAtFixedRate(() -> pairs.forEach(BarePair::heartbeat), 0, 500, TimeUnit.MILLISECONDS);
        // A hold of fixed length, not a wait for a condition: the connections age as ours do.
        Thread.sleep(sizes.bareHoldMs());
      } finally {
        heartbeat.shutdownNow();
        heartbeat.awaitTermination(10, TimeUnit.SECONDS);
      }
      return new Bare(idle, Probe.take().since(before, 2 * pairs.size()));
    } finally {
      connectors.shutdownNow();
      pairs.forEach(BarePair::close);
    }
  }
}

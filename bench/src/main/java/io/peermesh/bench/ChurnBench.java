package io.peermesh.bench;

import dev.onvoid.webrtc.PeerConnectionFactory;
import io.peermesh.shared.testing.Await;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Memory a node keeps per 1,000 connect/close cycles of a pair (two connections each): supervised pairs
 * against bare webrtc-java pairs on a factory of this JVM. webrtc-java 0.14.0 never frees a closed
 * connection's native memory, so the bare figure is the floor; the question is what we add on top.
 */
final class ChurnBench {
  private final int cycles;
  private final int concurrency;
  private final int warmUp;

  ChurnBench(int cycles, int concurrency, int warmUp) {
    this.cycles = cycles;
    this.concurrency = concurrency;
    this.warmUp = warmUp;
  }

  Row run(Mesh mesh, PeerConnectionFactory factory) throws Exception {
    oursCycles(mesh, "churn-warm", warmUp);
    Probe before = Probe.take();
    long t0 = System.nanoTime();
    oursCycles(mesh, "churn", cycles);
    double oursSeconds = (System.nanoTime() - t0) / 1e9;
    Probe.PerItem ours = Probe.take().since(before, cycles);

    bareCycles(factory, warmUp);
    Probe bareBefore = Probe.take();
    bareCycles(factory, cycles);
    Probe.PerItem bare = Probe.take().since(bareBefore, cycles);
    // Per cycle → per 1,000 cycles, in MB.
    double oursMb = ours.footprint() * 1_000 / 1e6;
    double bareMb = bare.footprint() * 1_000 / 1e6;
    return new Row("churn: memory kept per 1,000 connect/close cycles of a pair (native + live heap)", "MB",
        oursMb, bareMb, "bare webrtc-java", "≤ 1.2× bare", oursMb <= 1.2 * bareMb, String.format(Locale.ROOT,
            "%d cycles, %d at a time (%.0f s); per 1,000 cycles ours: heap %+.1f MB, native %+.1f MB, VmRSS %+.1f MB, "
                + "threads %+.0f, fds %+.0f; bare: heap %+.1f MB, native %+.1f MB, VmRSS %+.1f MB, threads %+.0f, "
                + "fds %+.0f", cycles, concurrency, oursSeconds, ours.heap() * 1_000 / 1e6,
            ours.nativeMemory() * 1_000 / 1e6, ours.rss() * 1_000 / 1e6, ours.threads() * 1_000, ours.fds() * 1_000,
            bare.heap() * 1_000 / 1e6, bare.nativeMemory() * 1_000 / 1e6, bare.rss() * 1_000 / 1e6,
            bare.threads() * 1_000, bare.fds() * 1_000));
  }

  /** Supervised pairs, {@code concurrency} at a time: requested, connected, closed. */
  private void oursCycles(Mesh mesh, String prefix, int n) {
    for (int done = 0; done < n; done += concurrency) {
      List<Future<String[]>> pairs = new ArrayList<>();
      for (int i = done; i < Math.min(n, done + concurrency); i++) {
        pairs.add(mesh.pair(prefix + "-" + i));
      }
      Await.result(Future.all(pairs), 120);
      List<Future<Void>> closed = new ArrayList<>();
      for (Future<String[]> pair : pairs) {
        closed.add(mesh.closeAsync(pair.result()[0]));
        closed.add(mesh.closeAsync(pair.result()[1]));
      }
      Await.result(Future.all(closed), 120);
    }
  }

  /** Bare pairs, {@code concurrency} at a time: created, connected, closed. */
  private void bareCycles(PeerConnectionFactory factory, int n) throws Exception {
    ExecutorService connectors = Executors.newFixedThreadPool(concurrency);
    try {
      for (int done = 0; done < n; done += concurrency) {
        List<BarePair> pairs = new ArrayList<>();
        List<CompletableFuture<Void>> connected = new ArrayList<>();
        for (int i = done; i < Math.min(n, done + concurrency); i++) {
          BarePair pair = new BarePair(factory);
          pairs.add(pair);
          connected.add(CompletableFuture.runAsync(() -> {
            try {
              pair.connect();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }, connectors));
        }
        CompletableFuture.allOf(connected.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        pairs.forEach(BarePair::close);
      }
    } finally {
      connectors.shutdownNow();
    }
  }
}

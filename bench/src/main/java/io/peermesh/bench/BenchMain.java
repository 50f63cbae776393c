package io.peermesh.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Runs the benchmark suite and prints a Markdown table of our figures against baselines measured in the same
 * run; writes the same rows as JSON under bench/results/. {@code --smoke} runs a tiny configuration (CI
 * checks the output's shape, not the figures). Run it with bin/bench, inside the private network namespace.
 */
public final class BenchMain {
  private BenchMain() {}

  /** {@code --only <prefix>}: run only the sections whose first figure starts with it (while working on one). */
  private static String onlyPrefix;

  public static void main(String[] args) throws Exception {
    boolean smoke = List.of(args).contains("--smoke");
    int only = List.of(args).indexOf("--only");
    onlyPrefix = only >= 0 && only + 1 < args.length ? args[only + 1] : null;
    Path out = Path.of(System.getProperty("peermesh.bench.out", "bench/results"));
    List<Row> rows = run(smoke);
    System.out.println(Report.markdown(rows));
    System.out.println("wrote " + Report.write(out, smoke ? "smoke" : onlyPrefix == null ? "full" : "part", rows));
    System.exit(0);
  }

  static List<Row> run(boolean smoke) throws Exception {
    WebRtcBench.Sizes sizes = smoke ? new WebRtcBench.Sizes(2, 2, 3, 2_000, 500, 1, 60)
        : new WebRtcBench.Sizes(300, 15, 200, 30_000, 6_000, 3, 2_000);
    List<Row> rows = new ArrayList<>();
    WebRtcBench webrtc = new WebRtcBench(sizes);
    try (Mesh mesh = new Mesh(new JsonObject(System.getProperty("peermesh.bench.supervisor", "{}")))) {
      rows.addAll(section(smoke, "setup, throughput and round trips", "see docs/BENCHMARKS.md",
          () -> webrtc.run(mesh)));
      rows.addAll(section(smoke, "route rtt p50, 100 B code-sync through two routed relays", "reported",
          () -> new RouteBench(smoke ? 40 : 2_000, smoke ? 500 : 30_000).run(mesh)));
      rows.addAll(section(smoke, "ai: prompt → first piece p50, through the relay's bot over WebRTC", "reported",
          () -> new AiBench(smoke ? 8 : 400).run(mesh)));
      rows.addAll(section(smoke, "recover: cut path detected", "≤ 2000 ms",
          () -> new RecoverBench(smoke ? 1_000 : 3_000).run(mesh, webrtc.factory())));
      rows.addAll(section(smoke, "churn: memory kept per 1,000 connect/close cycles of a pair (native + live heap)",
          "≤ 1.2× bare", () -> List.of(new ChurnBench(smoke ? 40 : 1_000, smoke ? 8 : 10, smoke ? 8 : 20)
              .run(mesh, webrtc.factory()))));
    }
    rows.addAll(section(smoke, "signal: join → joined and offer relay", "see docs/BENCHMARKS.md",
        () -> new SignalBench(smoke ? 20 : 200, smoke ? 10 : 300).run()));
    rows.addAll(section(smoke, "signal: sockets one node holds, joined and answering pings", "≥ 15,000",
        () -> new SocketBench(smoke ? new SocketBench.Sizes(200, 10, 20, 4, 500, 1_000)
            : new SocketBench.Sizes(15_000, 10, 200, 8, 2_000, 5_000)).run()));
    rows.addAll(section(smoke, "density: supervised connections one node holds (5 channels, live heartbeat)",
        "≥ 4,000", () -> DensityMain.inChildJvm(smoke)));
    return rows;
  }

  /**
   * The density section's rows. It runs in a JVM of its own ({@link DensityMain}): memory per connection read
   * after the other sections depended on them (measured: 1.07× bare alone, 1.23-1.46× after the set-up rows'
   * 600 extra pairs, whose closed connections webrtc-java never frees).
   */
  static List<Row> densityRows(boolean smoke) throws Exception {
    return new DensityBench(smoke
        ? new DensityBench.Sizes(new int[] {4, 8}, 2, 50, 2, 2, 200, new JsonObject().put("factories", 1)
            .put("maxConnectionsPerFactory", 8).put("reservedDescriptors", 100), 500)
        : new DensityBench.Sizes(new int[] {1_000, 2_000, 3_000, 4_000}, 100, 1_000, 100, 50, 5_000,
            productionPool(), 30_000))
        .run();
  }

  /**
   * Rows of one section, with its duration and the descriptors left open on stderr (a long run shows its
   * progress). A full run records a failed section and goes on; a smoke run (CI) fails.
   */
  private static List<Row> section(boolean smoke, String figure, String target, Callable<List<Row>> body)
      throws Exception {
    if (onlyPrefix != null && !figure.startsWith(onlyPrefix)) {
      return List.of();
    }
    long t0 = System.nanoTime();
    try {
      List<Row> rows = body.call();
      System.err.printf(Locale.ROOT, "bench: %s: %.0f s, %d fds open after%n", figure, (System.nanoTime() - t0) / 1e9,
          Probe.openDescriptors());
      return rows;
    } catch (Exception | AssertionError e) {
      if (smoke) {
        throw e;
      }
      e.printStackTrace();
      return List.of(Row.notMeasured(figure, target, "failed in this run: " + e));
    }
  }

  /** The pool section a node runs with (conf/peermesh.json), with factories resolved to one per core. */
  private static JsonObject productionPool() throws Exception {
    JsonObject pool = SignalBench.config(false, "unused", 0).getJsonObject("supervisor").getJsonObject("pool");
    if (pool.getInteger("factories") == 0) {
      pool.put("factories", Runtime.getRuntime().availableProcessors());
    }
    return pool;
  }
}

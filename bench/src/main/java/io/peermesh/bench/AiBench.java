package io.peermesh.bench;

import io.peermesh.airelay.AiRelayVerticle;
import io.peermesh.airelay.ScriptedChatServer;
import io.peermesh.shared.testing.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the AI relay adds to an answer (docs/AI.md): a client supervisor prompts the relay's bot over WebRTC and
 * times the first piece and the whole answer, against the same backend asked directly over HTTP in the same run.
 * Issue #5 names no target for it: the rows report.
 */
final class AiBench {
  private static final String ROOM = "bench-ai";
  private static final String BLOCK_NOTE = "n=%d each in alternating blocks; p99 %.2f ms vs %.2f ms";
  private static final byte[] DIRECT_BODY = ("{\"model\":\"scripted\",\"stream\":true,\"messages\":"
      + "[{\"role\":\"user\",\"content\":\"hello\"}]}").getBytes(StandardCharsets.UTF_8);
  private final int answers;

  AiBench(int answers) {
    this.answers = answers;
  }

  /** Milliseconds to the first piece and to the whole answer. */
  private record Timing(double first, double whole) {}

  List<Row> run(Mesh mesh) throws Exception {
    try (ScriptedChatServer backend = new ScriptedChatServer()) {
      JsonObject config = new JsonObject().put("signalingPort", mesh.signalingPort).put("ai", new JsonObject()
          .put("enabled", true).put("rooms", new JsonArray().add(ROOM)).put("remotes", "bench-ai-client")
          .put("maxStreams", answers * 2 + 10).put("promptsPerMinute", 0)
          .put("backend", new JsonObject().put("url", backend.url()).put("model", "scripted")));
      String relay = Await.result(mesh.vertx.deployVerticle(new AiRelayVerticle(),
          new DeploymentOptions().setConfig(config)), 60);
      HttpClient http = mesh.vertx.createHttpClient();
      try {
        String client = Await.result(mesh.supervise(ROOM, "bench-ai-client", "ai-assistant-" + ROOM), 60);
        List<Timing> relayed = new ArrayList<>();
        List<Timing> direct = new ArrayList<>();
        int blocks = 4;
        for (int b = 0; b < blocks; b++) {
          relayed.addAll(relayed(mesh, client, b, answers / blocks));
          direct.addAll(direct(mesh.vertx, http, backend.url(), answers / blocks));
        }
        List<Double> oursFirst = relayed.stream().map(Timing::first).toList();
        List<Double> baseFirst = direct.stream().map(Timing::first).toList();
        List<Double> oursWhole = relayed.stream().map(Timing::whole).toList();
        List<Double> baseWhole = direct.stream().map(Timing::whole).toList();
        String target = "none in #5 (reported)";
        return List.of(
            new Row("ai: prompt → first piece p50, through the relay's bot over WebRTC", "ms",
                Stats.median(oursFirst), Stats.median(baseFirst), "the backend asked directly over HTTP", target,
                null, String.format(Locale.ROOT, BLOCK_NOTE, oursFirst.size(), Stats.percentile(oursFirst, 99),
                    Stats.percentile(baseFirst, 99))),
            new Row("ai: prompt → whole answer p50 (" + ScriptedChatServer.ANSWER.size() + " pieces)", "ms",
                Stats.median(oursWhole), Stats.median(baseWhole), "the backend asked directly over HTTP", target,
                null, String.format(Locale.ROOT, BLOCK_NOTE, oursWhole.size(), Stats.percentile(oursWhole, 99),
                    Stats.percentile(baseWhole, 99))));
      } finally {
        http.close();
        Await.result(mesh.vertx.undeploy(relay), 60);
      }
    }
  }

  /** {@code count} prompts from the client, one at a time (the first tenth untimed). */
  private static List<Timing> relayed(Mesh mesh, String client, int block, int count) throws Exception {
    CompletableFuture<Long>[] first = new CompletableFuture[1];
    CompletableFuture<Long>[] whole = new CompletableFuture[1];
    MessageConsumer<?> consumer = mesh.onInbound(ROOM, "ai-stream", m -> {
      if (!m.connection().equals(client)) {
        return;
      }
      String text = new String(m.data(), StandardCharsets.UTF_8);
      if (text.startsWith("{\"type\":\"error\"")) {
        whole[0].completeExceptionally(new IllegalStateException("the relay refused or failed: " + text));
        return;
      }
      first[0].complete(System.nanoTime());
      if (!text.startsWith("{\"type\":\"delta\"")) {
        whole[0].complete(System.nanoTime());
      }
    });
    List<Timing> timings = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        first[0] = new CompletableFuture<>();
        whole[0] = new CompletableFuture<>();
        String prompt = "{\"type\":\"prompt\",\"id\":\"b" + block + "-" + i + "\",\"prompt\":\"hello\"}";
        long t0 = System.nanoTime();
        mesh.send(client, "ai-stream", prompt.getBytes(StandardCharsets.UTF_8));
        long done = whole[0].get(30, TimeUnit.SECONDS);
        if (i >= count / 10) {
          timings.add(new Timing((first[0].get() - t0) / 1e6, (done - t0) / 1e6));
        }
      }
    } finally {
      Await.result(consumer.unregister());
    }
    return timings;
  }

  /** {@code count} requests straight to the backend, read as they stream. */
  private static List<Timing> direct(Vertx vertx, HttpClient http, String url, int count) throws Exception {
    List<Timing> timings = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      CompletableFuture<Long> first = new CompletableFuture<>();
      CompletableFuture<Long> whole = new CompletableFuture<>();
      long[] t0 = new long[1];
      // From an event loop, as the relay asks it.
      vertx.runOnContext(go -> {
        t0[0] = System.nanoTime();
        ask(http, url, first, whole);
      });
      long done = whole.get(30, TimeUnit.SECONDS);
      if (i >= count / 10) {
        timings.add(new Timing((first.get() - t0[0]) / 1e6, (done - t0[0]) / 1e6));
      }
    }
    return timings;
  }

  private static void ask(HttpClient http, String url, CompletableFuture<Long> first, CompletableFuture<Long> whole) {
    StringBuilder seen = new StringBuilder();
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url + "/chat/completions")
        .putHeader("content-type", "application/json"))
        .compose(req -> req.send(Buffer.buffer(DIRECT_BODY)))
        .onSuccess(resp -> {
          resp.handler(chunk -> {
            seen.append(chunk.toString(StandardCharsets.UTF_8));
            // The first piece is in once an event with content has fully arrived.
            int content = seen.indexOf("\"content\":");
            if (!first.isDone() && content >= 0 && seen.indexOf("\n\n", content) >= 0) {
              first.complete(System.nanoTime());
            }
          });
          resp.exceptionHandler(whole::completeExceptionally);
          resp.endHandler(end -> whole.complete(System.nanoTime()));
        })
        .onFailure(whole::completeExceptionally);
  }
}

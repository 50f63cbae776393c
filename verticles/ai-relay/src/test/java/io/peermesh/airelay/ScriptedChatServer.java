package io.peermesh.airelay;

import com.fasterxml.jackson.databind.JsonNode;
import io.peermesh.shared.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server speaking the OpenAI-compatible streaming chat API, with answers scripted by the prompt:
 * {@code status} answers 429, {@code error-event} streams an error, {@code garbage} a non-JSON event,
 * {@code early} stops before {@code [DONE]}, {@code unterminated} ends right after {@code data: [DONE]} (no
 * blank line), {@code silent} goes quiet, {@code slow} streams a piece every
 * 20 ms for 10 s ({@code p0 } to {@code p499 }), {@code long} the same for 2 minutes (for tests that stop it);
 * anything else gets {@link #ANSWER} in pieces that split a character between writes.
 */
public final class ScriptedChatServer implements AutoCloseable {
  /** The scripted answer, as pieces. */
  public static final List<String> ANSWER = List.of("Hel", "lo, ", "wörld", "! ✓");
  public static final String ANSWER_TEXT = String.join("", ANSWER);

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  /** Request bodies and authorization headers, in arrival order. */
  public final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
  public final List<String> authorizations = new CopyOnWriteArrayList<>();
  /** For each {@code slow} or {@code long} answer the client closed: how many pieces had been sent. */
  public final LinkedBlockingQueue<Integer> slowClosedAfter = new LinkedBlockingQueue<>();

  public ScriptedChatServer() throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      JsonNode json = Json.read(body.getBytes(), JsonNode.class);
      bodies.add(json);
      authorizations.add(String.valueOf(req.getHeader("authorization")));
      JsonNode messages = json.path("messages");
      answer(messages.path(messages.size() - 1).path("content").asText(), req.response());
    }));
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Base URL to configure as {@code ai.backend.url}. */
  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  private static String chunk(String content, String finish) {
    String delta = content == null ? "{\"role\":\"assistant\"}" : "{\"content\":" + Json.write(content) + "}";
    return "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
  }

  private void answer(String prompt, HttpServerResponse response) {
    if (prompt.equals("status")) {
      response.setStatusCode(429).end("{\"error\":{\"message\":\"rate limited\"}}");
      return;
    }
    response.setChunked(true).putHeader("content-type", "text/event-stream");
    switch (prompt) {
      case "error-event" -> response.end("data: {\"error\":{\"message\":\"model overloaded\"}}\n\n");
      case "garbage" -> response.end(chunk(null, null) + "data: {not json\n\n");
      case "early" -> response.end(chunk("only this", null));
      case "unterminated" -> response.end(chunk("last", null) + "data: [DONE]");
      case "silent" -> response.write(chunk("and then nothing", null));
      case "slow", "long" -> {
        int pieces = prompt.equals("slow") ? 500 : 6_000;
        int[] sent = {0};
        long timer = vertx.setPeriodic(20, id -> {
          if (sent[0] == pieces) {
            vertx.cancelTimer(id);
            response.end("data: [DONE]\n\n");
          } else {
            response.write(chunk("p" + sent[0]++ + " ", null));
          }
        });
        response.closeHandler(v -> {
          vertx.cancelTimer(timer);
          slowClosedAfter.add(sent[0]);
        });
      }
      default -> {
        StringBuilder all = new StringBuilder(chunk(null, null));
        ANSWER.forEach(piece -> all.append(chunk(piece, null)));
        all.append(chunk(null, "stop").replace("\"delta\":{\"role\":\"assistant\"}", "\"delta\":{}"));
        all.append("data: [DONE]\n\n");
        byte[] bytes = all.toString().getBytes(StandardCharsets.UTF_8);
        // Seven-byte writes: events, lines and the UTF-8 of ö and ✓ all cross write boundaries.
        for (int i = 0; i < bytes.length; i += 7) {
          response.write(Buffer.buffer().appendBytes(bytes, i, Math.min(7, bytes.length - i)));
        }
        response.end();
      }
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

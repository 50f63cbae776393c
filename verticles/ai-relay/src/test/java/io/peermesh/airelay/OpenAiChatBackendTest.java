package io.peermesh.airelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The backend client against a real HTTP server streaming scripted answers. */
class OpenAiChatBackendTest {
  private static ScriptedChatServer server;
  private static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    server = new ScriptedChatServer();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    server.close();
  }

  /** What one answer produced: its pieces and how it ended. */
  private record Outcome(List<String> pieces, String ending) {}

  private static OpenAiChatBackend backend(String apiKeyEnv, long idleTimeoutMs) {
    AiRelayOptions.Backend options = new AiRelayOptions.Backend(server.url(), "test-model", apiKeyEnv,
        "Be brief.", 64, 2_000, idleTimeoutMs, 16);
    return new OpenAiChatBackend(vertx, options, Map.of("TEST_AI_KEY", "sk-test")::get);
  }

  private static Outcome ask(OpenAiChatBackend backend, String prompt) throws Exception {
    return ask(backend, List.of(), prompt);
  }

  private static Outcome ask(OpenAiChatBackend backend, List<AiHistory.Turn> history, String prompt)
      throws Exception {
    List<String> pieces = new CopyOnWriteArrayList<>();
    CompletableFuture<String> ending = new CompletableFuture<>();
    vertx.runOnContext(v -> backend.answer(history, prompt, new AiBackend.Sink() {
      @Override
      public void text(String piece) {
        pieces.add(piece);
      }

      @Override
      public void done(String finish) {
        ending.complete("done " + finish);
      }

      @Override
      public void failed(AiErrorCode code, String message) {
        ending.complete(code.wire() + " " + message);
      }
    }));
    return new Outcome(pieces, ending.get(15, TimeUnit.SECONDS));
  }

  @Test
  void streamsTheAnswerAndSendsTheConfiguredRequest() throws Exception {
    OpenAiChatBackend backend = backend("TEST_AI_KEY", 5_000);
    Outcome outcome = ask(backend, List.of(new AiHistory.Turn("earlier?", "yes")), "hello");
    assertEquals(ScriptedChatServer.ANSWER, outcome.pieces());
    assertEquals("done stop", outcome.ending());
    var body = server.bodies.get(server.bodies.size() - 1);
    assertEquals("test-model", body.path("model").asText());
    assertTrue(body.path("stream").asBoolean());
    assertEquals(64, body.path("max_tokens").asInt());
    List<String> messages = new java.util.ArrayList<>();
    body.path("messages").forEach(m -> messages.add(m.path("role").asText() + ": " + m.path("content").asText()));
    assertEquals(List.of("system: Be brief.", "user: earlier?", "assistant: yes", "user: hello"), messages);
    assertEquals("Bearer sk-test", server.authorizations.get(server.authorizations.size() - 1));
    backend.close();
  }

  @Test
  void withoutAKeyNoAuthorizationIsSent() throws Exception {
    OpenAiChatBackend backend = backend(null, 5_000);
    assertEquals("done stop", ask(backend, "hello").ending());
    assertEquals("null", server.authorizations.get(server.authorizations.size() - 1));
    backend.close();
  }

  @Test
  void everyFailureEndsTheAnswerWithACode() throws Exception {
    OpenAiChatBackend backend = backend(null, 400);
    Outcome status = ask(backend, "status");
    assertTrue(status.ending().startsWith("ai-backend-error backend answered 429"), status.ending());
    assertTrue(status.ending().contains("rate limited"), status.ending());
    assertEquals("ai-backend-error backend: model overloaded", ask(backend, "error-event").ending());
    assertEquals("ai-backend-error backend sent an event that is not JSON", ask(backend, "garbage").ending());
    Outcome early = ask(backend, "early");
    assertEquals(List.of("only this"), early.pieces());
    assertEquals("ai-backend-error backend's stream ended before [DONE]", early.ending());
    Outcome unterminated = ask(backend, "unterminated");
    assertEquals(List.of("last"), unterminated.pieces());
    assertEquals("done stop", unterminated.ending(), "[DONE] without its blank line still ends the answer");
    Outcome silent = ask(backend, "silent");
    assertEquals(List.of("and then nothing"), silent.pieces());
    assertTrue(silent.ending().startsWith("ai-backend-timeout"), silent.ending());
    backend.close();

    AiRelayOptions.Backend nowhere = new AiRelayOptions.Backend("http://127.0.0.1:9", "m", null, null, 0, 1_000,
        1_000, 1);
    OpenAiChatBackend refused = new OpenAiChatBackend(vertx, nowhere, k -> null);
    assertTrue(ask(refused, "hello").ending().startsWith("ai-backend-error"));
    refused.close();
  }

  @Test
  void answersStreamAtOnceBeyondTheDefaultPoolOfFive() throws Exception {
    OpenAiChatBackend backend = backend(null, 5_000);
    int answers = 8;
    java.util.concurrent.CountDownLatch everyOneStreaming = new java.util.concurrent.CountDownLatch(answers);
    List<Runnable> stops = new CopyOnWriteArrayList<>();
    for (int i = 0; i < answers; i++) {
      boolean[] first = {true};
      vertx.runOnContext(v -> stops.add(backend.answer(List.of(), "long", new AiBackend.Sink() {
        @Override
        public void text(String piece) {
          if (first[0]) {
            first[0] = false;
            everyOneStreaming.countDown();
          }
        }

        @Override
        public void done(String finish) {
        }

        @Override
        public void failed(AiErrorCode code, String message) {
        }
      })));
    }
    assertTrue(everyOneStreaming.await(10, TimeUnit.SECONDS), everyOneStreaming.getCount() + " never started");
    vertx.runOnContext(v -> stops.forEach(Runnable::run));
    for (int i = 0; i < answers; i++) {
      assertTrue(server.slowClosedAfter.poll(10, TimeUnit.SECONDS) != null);
    }
    backend.close();
  }

  @Test
  void stoppingAnAnswerClosesItsConnectionAndSilencesTheSink() throws Exception {
    OpenAiChatBackend backend = backend(null, 5_000);
    List<String> pieces = new CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch threePieces = new java.util.concurrent.CountDownLatch(3);
    CompletableFuture<Runnable> stop = new CompletableFuture<>();
    CompletableFuture<String> ending = new CompletableFuture<>();
    vertx.runOnContext(v -> stop.complete(backend.answer(List.of(), "long", new AiBackend.Sink() {
      @Override
      public void text(String piece) {
        pieces.add(piece);
        threePieces.countDown();
      }

      @Override
      public void done(String finish) {
        ending.complete(finish);
      }

      @Override
      public void failed(AiErrorCode code, String message) {
        ending.complete(code.wire());
      }
    })));
    Runnable handle = stop.get(5, TimeUnit.SECONDS);
    assertTrue(threePieces.await(10, TimeUnit.SECONDS));
    vertx.runOnContext(v -> handle.run());
    Integer sent = server.slowClosedAfter.poll(10, TimeUnit.SECONDS);
    assertTrue(sent != null, "the server saw no close");
    assertTrue(sent < 6_000, "the server saw the close after " + sent + " pieces");
    assertFalse(ending.isDone(), "a stopped answer reports no ending");
    backend.close();
  }
}

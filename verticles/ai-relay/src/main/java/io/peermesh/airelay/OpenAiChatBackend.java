package io.peermesh.airelay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.peermesh.shared.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.function.Function;

/**
 * An OpenAI-compatible chat-completions endpoint with {@code stream: true} (OpenAI, and the same API served by
 * vLLM, llama.cpp's server, Ollama and others): POST {@code <url>/chat/completions}, then server-sent events
 * whose {@code choices[0].delta.content} are the pieces, ending with {@code data: [DONE]}.
 */
final class OpenAiChatBackend implements AiBackend {
  private static final int MAX_EVENT_LINE_BYTES = 1 << 20;
  private static final int MAX_ERROR_BODY = 2_048;

  private final Vertx vertx;
  private final AiRelayOptions.Backend options;
  private final HttpClient client;
  private final String apiKey;

  /** {@code env} looks up environment variables (the API key is read from {@code apiKeyEnv}). */
  OpenAiChatBackend(Vertx vertx, AiRelayOptions.Backend options, Function<String, String> env) {
    this.vertx = vertx;
    this.options = options;
    // Answers stream for seconds each: the default pool (5 connections per host) would queue the sixth.
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) options.connectTimeoutMs())
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(options.maxConnections()));
    this.apiKey = options.apiKeyEnv() == null ? null : env.apply(options.apiKeyEnv());
  }

  /** The request body for {@code prompt} after {@code history}. */
  byte[] body(List<AiHistory.Turn> history, String prompt) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("model", options.model()).put("stream", true);
    if (options.maxTokens() > 0) {
      body.put("max_tokens", options.maxTokens());
    }
    ArrayNode messages = body.putArray("messages");
    if (options.system() != null) {
      messages.addObject().put("role", "system").put("content", options.system());
    }
    for (AiHistory.Turn turn : history) {
      messages.addObject().put("role", "user").put("content", turn.prompt());
      messages.addObject().put("role", "assistant").put("content", turn.answer());
    }
    messages.addObject().put("role", "user").put("content", prompt);
    return Json.writeBytes(body);
  }

  String authorization() {
    return apiKey == null ? null : "Bearer " + apiKey;
  }

  @Override
  public Runnable answer(List<AiHistory.Turn> history, String prompt, Sink sink) {
    Call call = new Call(sink);
    call.touch();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(options.url() + "/chat/completions")
        .putHeader("content-type", "application/json").putHeader("accept", "text/event-stream");
    if (authorization() != null) {
      request.putHeader("authorization", authorization());
    }
    client.request(request).compose(req -> {
      call.request = req;
      if (call.stopped) {
        req.reset();
      }
      return req.send(Buffer.buffer(body(history, prompt)));
    }).onSuccess(call::onResponse).onFailure(call::fail);
    return call::stop;
  }

  @Override
  public void close() {
    client.close();
  }

  /** One answer: its response, its event decoder and whether it has ended. */
  private final class Call {
    private final Sink sink;
    private HttpClientRequest request;
    private boolean stopped;
    private String finish;
    private final SseDecoder events = new SseDecoder(MAX_EVENT_LINE_BYTES, this::onEvent);
    private long idleTimer = -1;

    Call(Sink sink) {
      this.sink = sink;
    }

    /** Something arrived (or the call started): the backend has {@code idleTimeoutMs} again. */
    void touch() {
      if (idleTimer >= 0) {
        vertx.cancelTimer(idleTimer);
      }
      idleTimer = vertx.setTimer(options.idleTimeoutMs(), id -> end(AiErrorCode.BACKEND_TIMEOUT,
          "backend silent for " + options.idleTimeoutMs() + " ms"));
    }

    private void quiet() {
      stopped = true;
      vertx.cancelTimer(idleTimer);
    }

    void onResponse(HttpClientResponse response) {
      if (stopped) {
        return;
      }
      if (response.statusCode() / 100 != 2) {
        Buffer error = Buffer.buffer();
        response.handler(b -> {
          if (error.length() < MAX_ERROR_BODY) {
            error.appendBuffer(b);
          }
        });
        response.exceptionHandler(this::fail);
        response.endHandler(v -> end(AiErrorCode.BACKEND, "backend answered " + response.statusCode() + ": "
            + clip(error.toString())));
        return;
      }
      response.handler(b -> {
        if (stopped) {
          return;
        }
        touch();
        try {
          events.feed(b.getBytes());
        } catch (RuntimeException e) {
          end(AiErrorCode.BACKEND, "backend sent a malformed stream: " + e.getMessage());
        }
      });
      response.exceptionHandler(this::fail);
      response.endHandler(v -> {
        try {
          events.end();
        } catch (RuntimeException e) {
          end(AiErrorCode.BACKEND, "backend sent a malformed stream: " + e.getMessage());
        }
        if (stopped) {
          return;
        }
        if (finish != null) {
          ended(finish);
        } else {
          end(AiErrorCode.BACKEND, "backend's stream ended before [DONE]");
        }
      });
    }

    private void onEvent(String data) {
      if (stopped) {
        return;
      }
      if (data.equals("[DONE]")) {
        ended(finish == null ? "stop" : finish);
        return;
      }
      JsonNode event;
      try {
        event = Json.tree(data);
      } catch (Exception e) {
        end(AiErrorCode.BACKEND, "backend sent an event that is not JSON");
        return;
      }
      JsonNode error = event.get("error");
      if (error != null && !error.isNull()) {
        end(AiErrorCode.BACKEND, "backend: " + clip(error.path("message").asText(error.toString())));
        return;
      }
      JsonNode choice = event.path("choices").path(0);
      String piece = choice.path("delta").path("content").asText("");
      if (!piece.isEmpty()) {
        sink.text(piece);
      }
      JsonNode reason = choice.get("finish_reason");
      if (reason != null && reason.isTextual()) {
        finish = reason.asText();
      }
    }

    void fail(Throwable cause) {
      end(AiErrorCode.BACKEND, "backend: " + cause.getMessage());
    }

    private void ended(String reason) {
      if (!stopped) {
        quiet();
        sink.done(reason);
      }
    }

    private void end(AiErrorCode code, String message) {
      if (!stopped) {
        quiet();
        if (request != null) {
          request.reset();
        }
        sink.failed(code, message);
      }
    }

    void stop() {
      if (!stopped) {
        quiet();
        if (request != null) {
          request.reset();
        }
      }
    }
  }

  private static String clip(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }
}

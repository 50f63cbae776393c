package io.peermesh.shared.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A signaling client for tests: a real WebSocket that records every message it receives. Waiting methods
 * block the test thread until a matching message arrives or the timeout passes (they never sleep).
 */
public final class SignalClient implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final WebSocketClient client;
  private final WebSocket ws;
  private final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
  private final List<JsonObject> seen = new ArrayList<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  private SignalClient(WebSocketClient client, io.vertx.core.http.ClientWebSocket ws) {
    this.client = client;
    this.ws = ws;
    // Handlers go on before connecting: a server that refuses at once must not beat them.
    ws.textMessageHandler(text -> {
      JsonObject message = new JsonObject(text).put("_arrivedNanos", System.nanoTime());
      inbox.add(message);
    });
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
  }

  public static SignalClient connect(Vertx vertx, int port) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 22));
    io.vertx.core.http.ClientWebSocket ws = client.webSocket();
    SignalClient signalClient = new SignalClient(client, ws);
    Await.result(ws.connect(port, "127.0.0.1", "/signal"));
    return signalClient;
  }

  public SignalClient send(JsonObject message) {
    return sendText(message.encode());
  }

  public SignalClient sendText(String text) {
    Await.result(ws.writeTextMessage(text));
    return this;
  }

  /** Writes without waiting for the write to complete (a flood; later writes may fail once closed). */
  public void sendNoWait(String text) {
    ws.writeTextMessage(text);
  }

  public SignalClient sendBinary(byte[] bytes) {
    Await.result(ws.writeBinaryMessage(Buffer.buffer(bytes)));
    return this;
  }

  /** The next message of {@code type}; messages of other types before it stay available. */
  public JsonObject await(String type) {
    return await(m -> type.equals(m.getString("type")), "a '" + type + "' message");
  }

  public JsonObject await(Predicate<JsonObject> match, String what) {
    synchronized (seen) {
      for (int i = 0; i < seen.size(); i++) {
        if (match.test(seen.get(i))) {
          return seen.remove(i);
        }
      }
    }
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonObject next;
      try {
        next = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
      if (next == null) {
        throw new AssertionError("no " + what + " within " + TIMEOUT + "; unmatched: " + seen);
      }
      if (match.test(next)) {
        return next;
      }
      synchronized (seen) {
        seen.add(next);
      }
    }
  }

  /** The error with {@code code}; fails if another error arrives first. */
  public JsonObject awaitError(String code) {
    JsonObject error = await("error");
    if (!code.equals(error.getString("code"))) {
      throw new AssertionError("expected error " + code + " but got " + error.encode());
    }
    return error;
  }

  /** Round trip of a ping: every message sent before it by the server has arrived once this returns. */
  public void sync() {
    String id = "sync-" + System.nanoTime();
    send(new JsonObject().put("type", "ping").put("id", id));
    await(m -> "pong".equals(m.getString("type")) && id.equals(m.getString("ref")), "pong " + id);
  }

  /** Messages received and not consumed by an await, after a {@link #sync()}. */
  public List<JsonObject> unconsumed() {
    sync();
    synchronized (seen) {
      List<JsonObject> all = new ArrayList<>(seen);
      inbox.drainTo(all);
      return all;
    }
  }

  /** Joins in dev mode (no token) and returns {@code joined}. */
  public JsonObject joinDev(String room, String peer) {
    JsonObject join = new JsonObject().put("type", "join").put("v", 1).put("room", room);
    if (peer != null) {
      join.put("peer", peer);
    }
    return send(join).await("joined");
  }

  public short awaitClose() {
    try {
      return closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("socket did not close within " + TIMEOUT, e);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** Drops the connection without a {@code leave}, as a lost network would. */
  public void drop() {
    Await.result(ws.close());
    awaitClose();
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      ws.close();
    }
    client.close();
  }
}

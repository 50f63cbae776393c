package io.peermesh.signaling;

import io.peermesh.shared.time.TokenBucket;

import io.peermesh.shared.json.Json;
import io.peermesh.shared.protocol.ServerMessage;
import io.vertx.core.http.ServerWebSocket;

/** One WebSocket before and after it joins. Touched only on the signaling verticle's event loop. */
final class ClientSocket {
  final ServerWebSocket ws;
  final TokenBucket limiter;
  long lastSeenNanos;
  long joinTimer = -1;
  boolean joining;
  boolean closed;
  /** Set when this socket was closed on purpose, so its close handler does not suspend the session. */
  boolean detached;
  PeerSession session;

  ClientSocket(ServerWebSocket ws, TokenBucket limiter, long nowNanos) {
    this.ws = ws;
    this.limiter = limiter;
    this.lastSeenNanos = nowNanos;
  }

  void send(ServerMessage message) {
    sendRaw(Json.write(message));
  }

  void sendRaw(String json) {
    if (!closed) {
      ws.writeTextMessage(json);
    }
  }

  void close(short code, String reason) {
    if (!closed) {
      closed = true;
      ws.close(code, reason);
    }
  }
}

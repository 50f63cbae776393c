package io.peermesh.signaling;

import io.peermesh.shared.time.TokenBucket;

import io.peermesh.shared.json.Json;
import io.peermesh.shared.protocol.ServerMessage;

/**
 * One client socket (a WebSocket, or a supervisor of this node on the local bus) before and after it joins.
 * Touched only on the signaling verticle's event loop.
 */
final class ClientSocket {
  final SocketWire wire;
  final TokenBucket limiter;
  long lastSeenNanos;
  long joinTimer = -1;
  boolean joining;
  boolean closed;
  /** Set when this socket was closed on purpose, so its close handler does not suspend the session. */
  boolean detached;
  PeerSession session;

  ClientSocket(SocketWire wire, TokenBucket limiter, long nowNanos) {
    this.wire = wire;
    this.limiter = limiter;
    this.lastSeenNanos = nowNanos;
  }

  void send(ServerMessage message) {
    sendRaw(Json.write(message));
  }

  void sendRaw(String json) {
    if (!closed) {
      wire.writeText(json);
    }
  }

  void close(short code, String reason) {
    if (!closed) {
      closed = true;
      wire.close(code, reason);
    }
  }
}

package io.peermesh.bench;

import io.peermesh.shared.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The baseline for the socket rows: a plain Vert.x WebSocket server with no protocol. It holds sockets and
 * pairs them in the order they arrive; a text frame from one goes unchanged to its partner.
 */
final class PlainSocketServer implements AutoCloseable {
  private final HttpServer server;
  private final Map<ServerWebSocket, ServerWebSocket> partners = new ConcurrentHashMap<>();
  private ServerWebSocket waiting;

  PlainSocketServer(Vertx vertx) {
    server = Await.result(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setMaxWebSocketFrameSize(1 << 18).setRegisterWebSocketWriteHandlers(false))
        .webSocketHandler(this::accept).listen());
  }

  int port() {
    return server.actualPort();
  }

  private synchronized void accept(ServerWebSocket ws) {
    if (waiting == null) {
      waiting = ws;
    } else {
      partners.put(ws, waiting);
      partners.put(waiting, ws);
      waiting = null;
    }
    ws.textMessageHandler(text -> {
      ServerWebSocket partner = partners.get(ws);
      if (partner != null) {
        partner.writeTextMessage(text);
      }
    });
    ws.closeHandler(v -> partners.remove(ws));
  }

  @Override
  public void close() {
    Await.result(server.close());
  }
}

package io.peermesh.signaling;

import io.peermesh.shared.bus.LocalSocket;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;

/** What carries a client's frames: its WebSocket, or the local event bus for a supervisor of this node. */
interface SocketWire {
  void writeText(String json);

  /** Closes the wire; the verticle's close handling runs afterwards, as for a WebSocket that closed. */
  void close(short code, String reason);

  static SocketWire of(ServerWebSocket ws) {
    return new SocketWire() {
      @Override
      public void writeText(String json) {
        ws.writeTextMessage(json);
      }

      @Override
      public void close(short code, String reason) {
        ws.close(code, reason);
      }
    };
  }

  /** A supervisor's socket over the local bus ({@link LocalSocket}): frames go to {@code down}. */
  final class Local implements SocketWire {
    private final EventBus bus;
    private final String down;
    /** Set by the verticle once the socket exists; runs (once) when either end closed. */
    Runnable onClosed = () -> {};
    MessageConsumer<String> up;
    private boolean closed;

    Local(EventBus bus, String down) {
      this.bus = bus;
      this.down = down;
    }

    @Override
    public void writeText(String json) {
      if (!closed) {
        bus.send(down, json, LocalSocket.frame());
      }
    }

    @Override
    public void close(short code, String reason) {
      if (!closed) {
        bus.send(down, reason, LocalSocket.close(code));
      }
      closedByPeer();
    }

    /** The client closed (or this end did): stop taking frames and run the close handling once. */
    void closedByPeer() {
      if (!closed) {
        closed = true;
        up.unregister();
        onClosed.run();
      }
    }
  }
}

package io.peermesh.signaling;

import io.peermesh.shared.bus.LocalSocket;
import io.peermesh.shared.protocol.CloseCodes;
import io.vertx.core.Vertx;
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

  /**
   * A supervisor's socket over the local bus ({@link LocalSocket}): frames go to {@code down}. Closing is a
   * handshake, as on a WebSocket: each end sends one close, and an end that closed first keeps taking (and
   * dropping) frames until the other's close arrives, so nothing in flight lands on an unregistered address.
   */
  final class Local implements SocketWire {
    private final Vertx vertx;
    private final String down;
    /** Set by the verticle once the socket exists; runs (once) when either end closed. */
    Runnable onClosed = () -> {};
    MessageConsumer<String> up;
    private boolean closed;
    /** The wait for the client's close; cancelled when it comes, so a closed socket is not kept for its length. */
    private long closeWait = -1;

    Local(Vertx vertx, String down) {
      this.vertx = vertx;
      this.down = down;
    }

    @Override
    public void writeText(String json) {
      if (!closed) {
        vertx.eventBus().send(down, json, LocalSocket.frame());
      }
    }

    @Override
    public void close(short code, String reason) {
      if (!closed) {
        vertx.eventBus().send(down, reason, LocalSocket.close(code));
        ended();
        // The client's own close ends the wait; a client that vanished without one ends it here.
        closeWait = vertx.setTimer(LocalSocket.CLOSE_WAIT_MS, id -> up.unregister());
      }
    }

    /** True when {@code frame} is the client's close (answered here); otherwise it carries text. */
    boolean closing(io.vertx.core.eventbus.Message<String> frame) {
      if (!frame.headers().contains(LocalSocket.CLOSE_HEADER)) {
        return false;
      }
      if (!closed) {
        vertx.eventBus().send(down, "closed", LocalSocket.close(CloseCodes.NORMAL));
        ended();
      }
      if (closeWait >= 0) {
        vertx.cancelTimer(closeWait);
      }
      up.unregister();
      if (frame.replyAddress() != null) {
        // A client that waits for its close to be taken (a supervisor about to stop).
        frame.reply(null);
      }
      return true;
    }

    boolean isClosed() {
      return closed;
    }

    private void ended() {
      closed = true;
      onClosed.run();
    }
  }
}

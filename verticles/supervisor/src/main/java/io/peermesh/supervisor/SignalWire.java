package io.peermesh.supervisor;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.LocalSocket;
import io.peermesh.shared.protocol.CloseCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.UUID;

/**
 * The socket a {@link SignalingLink} speaks through. When the signaling service it was told to use listens in
 * this very Vert.x, the frames travel over the local bus ({@link LocalSocket}); otherwise over a WebSocket.
 */
abstract class SignalWire {
  /** What the link does with what arrives; the wire is passed so the link can ignore a superseded one. */
  interface Listener {
    void text(SignalWire wire, String text);

    void closed(SignalWire wire);
  }

  abstract void write(String text);

  abstract Future<Void> close();

  /** "bus" or "websocket", for logs and tests. */
  abstract String kind();

  /**
   * Opens a wire to the signaling service at {@code host:port}: over the local bus when {@code host} is an
   * address of this machine and that port's service runs in {@code vertx}, else a WebSocket.
   */
  static Future<SignalWire> dial(Vertx vertx, WebSocketClient client, String host, int port, Listener listener) {
    if (!isThisMachine(host)) {
      return webSocket(client, host, port, listener);
    }
    Local local = new Local(vertx, listener);
    return vertx.eventBus().<String>request(Addresses.Signaling.localSocket(port), local.down.address(),
        LocalSocket.connect(5_000)).map(reply -> {
          local.up = reply.body();
          return (SignalWire) local;
        }).recover(e -> {
          local.down.unregister();
          boolean elsewhere = e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
          return elsewhere ? webSocket(client, host, port, listener) : Future.failedFuture(e);
        });
  }

  private static Future<SignalWire> webSocket(WebSocketClient client, String host, int port, Listener listener) {
    return client.connect(port, host, "/signal").map(ws -> {
      Socket wire = new Socket(ws);
      ws.textMessageHandler(text -> listener.text(wire, text));
      ws.closeHandler(v -> listener.closed(wire));
      return wire;
    });
  }

  /** Only literal addresses and "localhost": a name is not resolved (that would block the event loop). */
  static boolean isThisMachine(String host) {
    if (host.equals("localhost")) {
      return true;
    }
    // IPv4 digits and dots, or IPv6 (a colon): a name such as "cafe.be" must not reach the resolver.
    boolean literal = host.matches("[0-9.]+") || host.contains(":") && host.matches("[0-9a-fA-F:.\\[\\]]+");
    if (!literal) {
      return false;
    }
    try {
      InetAddress address = InetAddress.getByName(host.replace("[", "").replace("]", ""));
      return address.isLoopbackAddress() || address.isAnyLocalAddress()
          || NetworkInterface.getByInetAddress(address) != null;
    } catch (UnknownHostException | SocketException e) {
      return false;
    }
  }

  private static final class Socket extends SignalWire {
    private final WebSocket ws;

    Socket(WebSocket ws) {
      this.ws = ws;
    }

    @Override
    void write(String text) {
      ws.writeTextMessage(text);
    }

    @Override
    Future<Void> close() {
      return ws.close();
    }

    @Override
    String kind() {
      return "websocket";
    }
  }

  /** The supervisor's end of a local socket; closes with the handshake {@link LocalSocket} describes. */
  private static final class Local extends SignalWire {
    private final Vertx vertx;
    private final Listener listener;
    final MessageConsumer<String> down;
    String up;
    private boolean closed;

    Local(Vertx vertx, Listener listener) {
      this.vertx = vertx;
      this.listener = listener;
      this.down = vertx.eventBus().localConsumer(Addresses.Signaling.localSocketFrames(UUID.randomUUID().toString()),
          this::onFrame);
    }

    private void onFrame(Message<String> frame) {
      if (frame.headers().contains(LocalSocket.CLOSE_HEADER)) {
        if (!closed) {
          vertx.eventBus().send(up, "closed", LocalSocket.close(CloseCodes.NORMAL));
          ended();
        }
        down.unregister();
      } else if (!closed) {
        listener.text(this, frame.body());
      }
    }

    @Override
    void write(String text) {
      if (!closed) {
        vertx.eventBus().send(up, text, LocalSocket.frame());
      }
    }

    /**
     * Completes once signaling took the close (its answering close arrives first) or is gone, so a supervisor
     * that stops right after does not take its address away from a frame still on its way.
     */
    @Override
    Future<Void> close() {
      if (closed) {
        return Future.succeededFuture();
      }
      ended();
      return vertx.eventBus().request(up, "closed by the supervisor", LocalSocket.close(CloseCodes.NORMAL))
          .transform(answered -> down.unregister());
    }

    private void ended() {
      closed = true;
      listener.closed(this);
    }

    @Override
    String kind() {
      return "bus";
    }
  }
}

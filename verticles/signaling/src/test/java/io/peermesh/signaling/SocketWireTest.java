package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertNull;

import io.peermesh.shared.bus.LocalSocket;
import io.peermesh.shared.protocol.CloseCodes;
import io.peermesh.shared.testing.Await;
import io.vertx.core.Vertx;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server end of a local socket lets go of itself once the close handshake is done. */
class SocketWireTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void closeVertx() {
    Await.result(vertx.close());
  }

  @Test
  void aClosedLocalSocketIsNotKeptForTheCloseWaitOnceTheClientAnswered() throws Exception {
    // The client end: answers the server's close, as a supervisor does.
    vertx.eventBus().<String>localConsumer("test.down", frame -> {
      if (frame.headers().contains(LocalSocket.CLOSE_HEADER)) {
        vertx.eventBus().send("test.up", "closed", LocalSocket.close(CloseCodes.NORMAL));
      }
    });
    WeakReference<SocketWire.Local> server = closeAndAnswer();
    // Unreachable once answered; before the fix a 5 s timer held it (and through it the peer's session).
    for (int i = 0; i < 50 && server.get() != null; i++) {
      System.gc();
      Await.result(vertx.timer(20));
    }
    assertNull(server.get(), "the closed socket is still referenced");
  }

  /** Opens the server end, closes it first and waits until the client's answering close was taken. */
  private WeakReference<SocketWire.Local> closeAndAnswer() {
    SocketWire.Local wire = new SocketWire.Local(vertx, "test.down");
    io.vertx.core.Promise<Void> answered = io.vertx.core.Promise.promise();
    wire.up = vertx.eventBus().localConsumer("test.up", frame -> {
      if (wire.closing(frame)) {
        answered.tryComplete();
      }
    });
    Await.result(wire.up.completion());
    vertx.runOnContext(v -> wire.close(CloseCodes.NORMAL, "left"));
    Await.result(answered.future());
    return new WeakReference<>(wire);
  }
}

package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.LocalSocket;
import io.peermesh.shared.protocol.CloseCodes;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.LogWatch;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A supervisor of the node reaches signaling over the local bus ({@link LocalSocket}): the same protocol,
 * limits and errors as the WebSocket, and closes both ways.
 */
class LocalSocketTest {

  /** The client end of a local socket, as a test drives it. */
  private static final class BusClient implements AutoCloseable {
    final Vertx vertx;
    final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
    final CompletableFuture<Short> closed = new CompletableFuture<>();
    final MessageConsumer<String> down;
    String up;
    volatile boolean sentClose;

    BusClient(Vertx vertx, int port) {
      this.vertx = vertx;
      down = vertx.eventBus().localConsumer(Addresses.Signaling.localSocketFrames(UUID.randomUUID().toString()),
          frame -> {
            String close = frame.headers().get(LocalSocket.CLOSE_HEADER);
            if (close != null) {
              if (!sentClose) {
                // The server closed first: answer, as the handshake asks.
                sentClose = true;
                vertx.eventBus().send(this.up, "closed", LocalSocket.close(CloseCodes.NORMAL));
              }
              closed.complete(Short.valueOf(close));
            } else {
              inbox.add(new JsonObject(frame.body()));
            }
          });
      up = Await.result(vertx.eventBus().<String>request(Addresses.Signaling.localSocket(port), down.address(),
          LocalSocket.connect(5_000))).body();
    }

    BusClient send(JsonObject message) {
      return sendText(message.encode());
    }

    BusClient sendText(String text) {
      vertx.eventBus().send(up, text, LocalSocket.frame());
      return this;
    }

    JsonObject await(String type) throws InterruptedException {
      while (true) {
        JsonObject next = inbox.poll(SignalClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (next == null) {
          throw new AssertionError("no " + type + " message");
        }
        if (type.equals(next.getString("type"))) {
          return next;
        }
      }
    }

    short awaitClose() throws Exception {
      return closed.get(SignalClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    JsonObject joinDev(String room, String peer) throws InterruptedException {
      return send(new JsonObject().put("type", "join").put("v", 1).put("room", room).put("peer", peer))
          .await("joined");
    }

    /** Closes first and returns the code of the server's answering close (the handshake). */
    short closeAndAwaitAnswer() throws Exception {
      sentClose = true;
      vertx.eventBus().send(up, "bye", LocalSocket.close(CloseCodes.NORMAL));
      short answer = awaitClose();
      Await.result(down.unregister());
      return answer;
    }

    @Override
    public void close() throws Exception {
      if (!closed.isDone()) {
        closeAndAwaitAnswer();
      } else {
        Await.result(down.unregister());
      }
    }
  }

  private static SignalingFixture devFixture(JsonObject overrides) {
    return new SignalingFixture(new JsonObject().put("devMode", true).mergeIn(overrides));
  }

  @Test
  void aBusSocketJoinsAndRelaysWithWebSocketPeersOfTheSameRoom() throws Exception {
    try (SignalingFixture f = devFixture(new JsonObject()); SignalClient browser = f.client();
        BusClient bot = new BusClient(f.vertx, f.port)) {
      browser.joinDev("mixed", "browser");
      assertEquals("bot", bot.joinDev("mixed", "bot").getString("peer"));
      assertEquals("bot", browser.await("peer-joined").getString("peer"));
      bot.send(new JsonObject().put("type", "offer").put("to", "browser").put("sdp", "from the bus"));
      assertEquals("from the bus", browser.await("offer").getString("sdp"));
      browser.send(new JsonObject().put("type", "answer").put("to", "bot").put("sdp", "from the socket"));
      assertEquals("from the socket", bot.await("answer").getString("sdp"));
      bot.send(new JsonObject().put("type", "leave"));
      assertEquals("bot", browser.await("peer-left").getString("peer"));
    }
  }

  @Test
  void badFramesGetTheSameErrorsAndClosesAsOnAWebSocket() throws Exception {
    try (SignalingFixture f = devFixture(new JsonObject().put("maxFrameBytes", 1024));
        BusClient bot = new BusClient(f.vertx, f.port)) {
      bot.sendText("{not json");
      assertEquals("bad-json", bot.await("error").getString("code"));
      bot.send(new JsonObject().put("type", "teleport"));
      assertEquals("unknown-type", bot.await("error").getString("code"));
      bot.joinDev("limits", "bot");
      bot.send(new JsonObject().put("type", "offer").put("to", "nobody").put("sdp", "x"));
      assertEquals("unknown-peer", bot.await("error").getString("code"));
      bot.sendText("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(2048) + "\"}");
      assertEquals("frame-too-large", bot.await("error").getString("code"));
      assertEquals(CloseCodes.FRAME_TOO_LARGE, bot.awaitClose());
    }
  }

  @Test
  void eachEndAnswersTheOthersCloseSoNoFrameReachesAnAddressNobodyListensOn() throws Exception {
    try (LogWatch discarded = LogWatch.discardedMessages("");
        SignalingFixture f = devFixture(new JsonObject()); SignalClient browser = f.client()) {
      browser.joinDev("closing", "browser");
      for (int i = 0; i < 20; i++) {
        BusClient bot = new BusClient(f.vertx, f.port);
        bot.joinDev("closing", "bot-" + i);
        if (i % 2 == 0) {
          // A leave: the server ends the session and closes first; the client answers.
          bot.send(new JsonObject().put("type", "leave"));
          assertEquals(CloseCodes.NORMAL, bot.awaitClose());
          bot.close();
        } else {
          // A drop: the client closes first, the server answers.
          assertEquals(CloseCodes.NORMAL, bot.closeAndAwaitAnswer());
        }
      }
      browser.sync();
      assertEquals(java.util.List.of(), discarded.seen());
    }
  }

  @Test
  void aBusSocketThatNeverJoinsIsClosedAfterTheJoinTimeout() throws Exception {
    try (SignalingFixture f = devFixture(new JsonObject().put("joinTimeoutMs", 300));
        BusClient idle = new BusClient(f.vertx, f.port)) {
      assertEquals(CloseCodes.JOIN_TIMEOUT, idle.awaitClose());
    }
  }

  @Test
  void busSocketsCountAgainstTheNodesSocketLimit() throws Exception {
    try (SignalingFixture f = devFixture(new JsonObject().put("maxSocketsPerNode", 1));
        BusClient first = new BusClient(f.vertx, f.port); SignalClient second = f.client()) {
      second.awaitError("too-many-sockets");
      assertEquals(CloseCodes.TRY_AGAIN_LATER, second.awaitClose());
      first.close();
      try (SignalClient third = f.client()) {
        third.joinDev("after", "third");
      }
    }
  }

  @Test
  void aBusSocketDroppedWithoutLeaveKeepsItsSessionForResume() throws Exception {
    try (SignalingFixture f = devFixture(new JsonObject().put("resumeGraceMs", 10_000));
        SignalClient browser = f.client()) {
      browser.joinDev("resume", "browser");
      String token;
      try (BusClient bot = new BusClient(f.vertx, f.port)) {
        token = bot.joinDev("resume", "bot").getString("resumeToken");
      }
      try (BusClient again = new BusClient(f.vertx, f.port)) {
        JsonObject joined = again.send(new JsonObject().put("type", "join").put("v", 1).put("room", "resume")
            .put("resume", token)).await("joined");
        assertEquals(true, joined.getBoolean("resumed"));
      }
      browser.sync();
      assertEquals(0, browser.unconsumed().stream().filter(m -> "peer-left".equals(m.getString("type"))).count(),
          "a resumed bus socket is no flap");
    }
  }

  @Test
  void stoppingSignalingClosesBusSocketsThatHaveNotJoined() throws Exception {
    try (SignalingFixture f = devFixture(new JsonObject())) {
      BusClient waiting = new BusClient(f.vertx, f.port);
      Await.result(f.vertx.undeploy(f.vertx.deploymentIDs().iterator().next()));
      assertEquals(CloseCodes.TRY_AGAIN_LATER, waiting.awaitClose());
    }
  }
}

package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.peermesh.shared.testing.PathCut;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Path cuts with iptables while code-sync traffic flows: detection, recovery, exactly-once in order. */
class RecoveryTest {
  private SupervisorHarness harness;

  @BeforeEach
  void start() {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    harness = new SupervisorHarness();
  }

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  /** Sends {@code count} numbered code-sync messages, {@code perBatch} at a time every {@code everyMs}. */
  private Future<Void> sendNumbered(String connection, int count, int perBatch, long everyMs) {
    Promise<Void> done = Promise.promise();
    int[] next = {0};
    harness.vertx.setPeriodic(everyMs, id -> {
      List<Future<SendAck>> batch = new ArrayList<>();
      for (int i = 0; i < perBatch && next[0] < count; i++) {
        byte[] payload = ByteBuffer.allocate(8).putLong(next[0]++).array();
        batch.add(harness.send(connection, ChannelSpec.CODE_SYNC, payload));
      }
      Future.all(batch).onComplete(ar -> {
        if (ar.failed() || batch.stream().anyMatch(f -> !f.result().accepted())) {
          done.tryFail("a send was refused: " + ar.cause());
        }
      });
      if (next[0] >= count) {
        harness.vertx.cancelTimer(id);
        done.tryComplete();
      }
    });
    return done.future();
  }

  /** Every number 0..count-1 exactly once, in order. */
  private static void assertExactlyOnceInOrder(LinkedBlockingQueue<InboundMessage> inbound, String at, int count)
      throws InterruptedException {
    long expected = 0;
    while (expected < count) {
      InboundMessage m = inbound.poll(60, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("message " + expected + " never arrived");
      }
      if (!m.connection().equals(at)) {
        continue;
      }
      long value = ByteBuffer.wrap(m.data()).getLong();
      assertEquals(expected, value, "out of order or duplicated");
      assertEquals(expected + 1, m.seq());
      expected++;
    }
    InboundMessage extra = inbound.poll(500, TimeUnit.MILLISECONDS);
    assertTrue(extra == null || !extra.connection().equals(at), "a duplicate arrived: " + extra);
  }

  @Test
  void recoversFromAShortPathCutWithoutLosingOrDuplicatingCodeSync() throws Exception {
    LinkedBlockingQueue<InboundMessage> inbound = harness.inbound("cut", ChannelSpec.CODE_SYNC);
    String a = harness.start("cut", "sender", "receiver", Map.of());
    String b = harness.start("cut", "receiver", "sender", Map.of());
    harness.awaitState(a, "connected", Duration.ofSeconds(20));
    harness.awaitState(b, "connected", Duration.ofSeconds(20));
    harness.clearStates();

    Future<Void> sent = sendNumbered(a, 10_000, 50, 20);
    try (PathCut cut = new PathCut(harness.signalingPort)) {
      harness.vertx.timer(1_000).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      long cutAt = System.nanoTime();
      cut.cut();
      StateChange lost = harness.awaitState(s -> s.connection().equals(a) && !s.to().equals("connected"),
          Duration.ofSeconds(15), "loss detected");
      long detectedMs = (System.nanoTime() - cutAt) / 1_000_000;
      harness.vertx.timer(3_000).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      long restoredAt = System.nanoTime();
      cut.restore();
      harness.awaitState(a, "connected", Duration.ofSeconds(40));
      long recoveredMs = (System.nanoTime() - restoredAt) / 1_000_000;
      System.out.printf("MEASURED short cut: detected after %d ms (%s), recovered %d ms after restore%n",
          detectedMs, lost.reason(), recoveredMs);
    }
    Await.result(sent, 120);
    assertExactlyOnceInOrder(inbound, b, 10_000);
  }

  /** Settings that make the ladder short enough for a test: one ICE restart, then new connections. */
  private static Map<String, Object> shortLadder(boolean degradedAllowed, int newConnections) {
    return Map.of("graceDelayMs", 300, "iceRestartAttempts", 1, "iceRestartTimeoutMs", 1_500,
        "newConnectionAttempts", newConnections, "connectTimeoutMs", 3_000, "backoffBaseMs", 100,
        "backoffCapMs", 500, "degradedAllowed", degradedAllowed, "probeIntervalMs", 1_500,
        "probeMaxIntervalMs", 1_500);
  }

  @Test
  void aCutLongerThanTheIceRestartBudgetGetsANewConnectionAndStillLosesNoCodeSync() throws Exception {
    LinkedBlockingQueue<InboundMessage> inbound = harness.inbound("long-cut", ChannelSpec.CODE_SYNC);
    String a = harness.start("long-cut", "sender", "receiver", shortLadder(false, 50));
    String b = harness.start("long-cut", "receiver", "sender", shortLadder(false, 50));
    harness.awaitState(a, "connected", Duration.ofSeconds(20));
    harness.awaitState(b, "connected", Duration.ofSeconds(20));
    harness.clearStates();
    Future<Void> sent = sendNumbered(a, 3_000, 30, 20);
    try (PathCut cut = new PathCut(harness.signalingPort)) {
      cut.cut();
      harness.awaitState(s -> s.connection().equals(a) && s.to().equals("reconnecting"), Duration.ofSeconds(30),
          "a new-connection attempt");
      cut.restore();
      long restoredAt = System.nanoTime();
      harness.awaitState(a, "connected", Duration.ofSeconds(40));
      System.out.printf("MEASURED long cut: new connection up %d ms after restore%n",
          (System.nanoTime() - restoredAt) / 1_000_000);
      harness.states.stream().filter(x -> x.connection().equals(a))
          .forEach(x -> System.out.println("TIMELINE long " + x.from() + " -> " + x.to() + " " + x.reason()));
    }
    Await.result(sent, 120);
    assertExactlyOnceInOrder(inbound, b, 3_000);
  }

  @Test
  void whenWebRtcIsBlockedDegradedModeCarriesTheChannelsOverSignalingAndUpgradesBack() throws Exception {
    LinkedBlockingQueue<InboundMessage> inbound = harness.inbound("degraded", ChannelSpec.CODE_SYNC);
    LinkedBlockingQueue<InboundMessage> cursors = harness.inbound("degraded", ChannelSpec.CURSOR_POS);
    String a = harness.start("degraded", "sender", "receiver", shortLadder(true, 1));
    String b = harness.start("degraded", "receiver", "sender", shortLadder(true, 1));
    harness.awaitState(a, "connected", Duration.ofSeconds(20));
    harness.awaitState(b, "connected", Duration.ofSeconds(20));
    harness.clearStates();
    try (PathCut cut = new PathCut(harness.signalingPort)) {
      cut.cut();
      harness.awaitState(a, "degraded", Duration.ofSeconds(40));
      harness.awaitState(b, "degraded", Duration.ofSeconds(40));
      Await.result(sendNumbered(a, 300, 10, 20), 60);
      assertTrue(Await.result(harness.send(a, ChannelSpec.CURSOR_POS, new byte[] {1, 2})).accepted());
      assertExactlyOnceInOrder(inbound, b, 300);
      InboundMessage cursor = cursors.poll(20, TimeUnit.SECONDS);
      assertTrue(cursor != null && cursor.connection().equals(b), "cursor-pos travels over signaling too");
      cut.restore();
      long restoredAt = System.nanoTime();
      harness.awaitState(a, "connected", Duration.ofSeconds(40));
      System.out.printf("MEASURED degraded: upgraded back to WebRTC %d ms after restore%n",
          (System.nanoTime() - restoredAt) / 1_000_000);
      harness.states.stream().filter(x -> x.connection().equals(a))
          .forEach(x -> System.out.println("TIMELINE degraded " + x.from() + " -> " + x.to() + " " + x.reason()));
    }
    Future<Void> after = sendNumbered(a, 100, 10, 10);
    Await.result(after, 60);
    long expected = 300;
    while (expected < 400) {
      InboundMessage m = inbound.poll(30, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("message " + expected + " never arrived after the upgrade");
      }
      if (m.connection().equals(b)) {
        assertEquals(expected - 300, ByteBuffer.wrap(m.data()).getLong());
        assertEquals(expected + 1, m.seq());
        expected++;
      }
    }
  }

  @Test
  void theStopRuleEndsInFailedWithAReason() throws Exception {
    Map<String, Object> giveUpFast = new java.util.HashMap<>(shortLadder(false, 1));
    giveUpFast.put("maxAttempts", 2);
    String a = harness.start("doomed", "sender", "receiver", giveUpFast);
    String b = harness.start("doomed", "receiver", "sender", giveUpFast);
    harness.awaitState(a, "connected", Duration.ofSeconds(20));
    harness.awaitState(b, "connected", Duration.ofSeconds(20));
    try (PathCut cut = new PathCut(harness.signalingPort)) {
      cut.cut();
      StateChange failed = harness.awaitState(a, "failed", Duration.ofSeconds(60));
      assertTrue(failed.reason() != null && !failed.reason().isBlank(), "failed carries a reason");
      System.out.println("MEASURED stop rule reason: " + failed.reason());
      // Refused with "failed" while the supervisor undeploys, then no handler at all: never accepted.
      SendAck refused = Await.result(harness.send(a, ChannelSpec.CODE_SYNC, new byte[] {1})
          .recover(e -> Future.succeededFuture(new SendAck(false, "gone"))));
      assertTrue(!refused.accepted(), "a failed connection accepts nothing");
    }
  }
}

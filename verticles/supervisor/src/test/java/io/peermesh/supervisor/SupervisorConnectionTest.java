package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.peermesh.shared.testing.SignalClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two supervisors connect through real signaling with real webrtc-java connections. */
class SupervisorConnectionTest {
  private static SupervisorHarness harness;

  @BeforeAll
  static void start() {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    harness = new SupervisorHarness();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void twoSupervisorsOpenAllFiveChannelsAndPassMessagesBothWaysOnEach() throws Exception {
    Map<ChannelSpec, LinkedBlockingQueue<InboundMessage>> inbound = new EnumMap<>(ChannelSpec.class);
    for (ChannelSpec spec : ChannelSpec.values()) {
      inbound.put(spec, harness.inbound("pair", spec));
    }
    long started = System.nanoTime();
    String a = harness.start("pair", "bot-a", "bot-b", Map.of());
    String b = harness.start("pair", "bot-b", "bot-a", Map.of());
    harness.awaitState(a, "connected", Duration.ofSeconds(20));
    StateChange bUp = harness.awaitState(b, "connected", Duration.ofSeconds(20));
    System.out.printf("MEASURED supervisor pair setup (request to connected) %d ms%n",
        (System.nanoTime() - started) / 1_000_000);
    assertEquals("pair", bUp.room());

    for (ChannelSpec spec : ChannelSpec.values()) {
      byte[] toB = ("a->b " + spec.label()).getBytes(StandardCharsets.UTF_8);
      byte[] toA = ("b->a " + spec.label()).getBytes(StandardCharsets.UTF_8);
      assertTrue(Await.result(harness.send(a, spec, toB)).accepted());
      assertTrue(Await.result(harness.send(b, spec, toA)).accepted());
      InboundMessage first = inbound.get(spec).poll(10, TimeUnit.SECONDS);
      InboundMessage second = inbound.get(spec).poll(10, TimeUnit.SECONDS);
      assertNotNull(first, spec.label());
      assertNotNull(second, spec.label());
      InboundMessage atB = first.connection().equals(b) ? first : second;
      InboundMessage atA = first.connection().equals(a) ? first : second;
      assertArrayEquals(toB, atB.data(), spec.label());
      assertEquals("bot-a", atB.from());
      assertArrayEquals(toA, atA.data(), spec.label());
      assertEquals(spec.sequenced() ? 1 : 0, atB.seq(), spec.label());
    }
    assertEquals("unknown-channel", Await.result(harness.send(a, ChannelSpec.CODE_SYNC, new byte[0])
        .compose(ok -> harness.vertx.eventBus().<io.peermesh.shared.bus.BusMessages.SendAck>request(
            io.peermesh.shared.bus.Addresses.Supervisor.send(a),
            new io.peermesh.shared.bus.BusMessages.OutboundMessage("smoke-signals", new byte[1])))).body().code());
    // A batch: taken in order, one reply; a batch for no channel is refused whole.
    io.peermesh.shared.bus.BusMessages.BatchAck batchAck = Await.result(harness.vertx.eventBus()
        .<io.peermesh.shared.bus.BusMessages.BatchAck>request(io.peermesh.shared.bus.Addresses.Supervisor.sendBatch(a),
            new io.peermesh.shared.bus.BusMessages.OutboundBatch("code-sync", java.util.List.of(
                "batch-1".getBytes(StandardCharsets.UTF_8), "batch-2".getBytes(StandardCharsets.UTF_8),
                "batch-3".getBytes(StandardCharsets.UTF_8))))).body();
    assertEquals(new io.peermesh.shared.bus.BusMessages.BatchAck(3, null), batchAck);
    assertEquals(0, inbound.get(ChannelSpec.CODE_SYNC).poll(10, TimeUnit.SECONDS).data().length,
        "the empty message sent before the unknown channel comes first");
    for (int i = 1; i <= 3; i++) {
      InboundMessage m = inbound.get(ChannelSpec.CODE_SYNC).poll(10, TimeUnit.SECONDS);
      assertNotNull(m);
      assertEquals("batch-" + i, new String(m.data(), StandardCharsets.UTF_8));
    }
    assertEquals(new io.peermesh.shared.bus.BusMessages.BatchAck(0, "unknown-channel"), Await.result(
        harness.vertx.eventBus().<io.peermesh.shared.bus.BusMessages.BatchAck>request(
            io.peermesh.shared.bus.Addresses.Supervisor.sendBatch(a),
            new io.peermesh.shared.bus.BusMessages.OutboundBatch("smoke-signals", java.util.List.of(new byte[1]))))
        .body());
    harness.close(a);
    harness.close(b);
    harness.awaitState(a, "closed", Duration.ofSeconds(10));
  }

  /**
   * A report sent to a remote not yet in the room used to be retried by the hub until the remote appeared, and
   * its "connecting from idle" could then land after the link was up and read as the remote starting over
   * (a second peer connection for 1-2% of the pairs set up at once).
   */
  @Test
  void stateReportsGoOnlyToARemoteThatIsInTheRoom() {
    try (SignalClient browser = SignalClient.connect(harness.vertx, harness.signalingPort)) {
      String bot = harness.start("first-alone", "zz-bot", "aa-browser", Map.of());
      harness.awaitState(bot, "connecting", Duration.ofSeconds(10));
      // At once: the hub retried a delivery to an absent peer for 75 ms.
      browser.joinDev("first-alone", "aa-browser");
      // zz-bot is the impolite side: the browser's arrival makes it offer.
      io.vertx.core.json.JsonObject offer = browser.await("offer");
      assertEquals("zz-bot", offer.getString("from"));
      assertEquals(java.util.List.of(), browser.unconsumed().stream()
          .filter(m -> "state".equals(m.getString("type"))).toList(), "no report from before the browser came");
      harness.close(bot);
    }
  }

  /** A browser whose connectTo leaves this supervisor out declines its offer: the supervisor stops at once. */
  @Test
  void aRemoteThatDeclinesEndsTheConnectionInsteadOfRetries() {
    try (SignalClient browser = SignalClient.connect(harness.vertx, harness.signalingPort)) {
      browser.joinDev("declining", "aa-picky");
      String bot = harness.start("declining", "zz-bot", "aa-picky", Map.of());
      io.vertx.core.json.JsonObject offer = browser.await("offer");
      assertEquals("zz-bot", offer.getString("from"));
      browser.send(new io.vertx.core.json.JsonObject().put("type", "state").put("to", "zz-bot")
          .put("state", "declined").put("reason", "not in connectTo"));
      StateChange closed = harness.awaitState(s -> s.connection().equals(bot) && s.to().equals("closed"),
          Duration.ofSeconds(10), "the supervisor to close");
      assertEquals("declined by aa-picky: not in connectTo", closed.reason());
    }
  }

  /**
   * A mesh browser offers to every peer of the room, a supervisor included: one that links with another remote
   * declines, so the browser stops offering (it used to get no answer and try again and again).
   */
  @Test
  void aSupervisorDeclinesOffersAndReportsFromPeersOtherThanItsRemote() {
    try (SignalClient stranger = SignalClient.connect(harness.vertx, harness.signalingPort)) {
      String relay = harness.start("meshy", "zz-relay", "aa-owner", Map.of());
      harness.awaitState(relay, "connecting", Duration.ofSeconds(10));
      stranger.joinDev("meshy", "mm-stranger");
      stranger.send(new io.vertx.core.json.JsonObject().put("type", "offer").put("to", "zz-relay")
          .put("sdp", "v=0").put("connection", 1));
      io.vertx.core.json.JsonObject declined = stranger.await("state");
      assertEquals("declined", declined.getString("state"));
      assertEquals("zz-relay", declined.getString("from"));
      assertEquals("links with aa-owner only", declined.getString("reason"));
      // A polite stranger reports while it waits for an offer: declined too. A decline is never answered.
      stranger.send(new io.vertx.core.json.JsonObject().put("type", "state").put("to", "zz-relay")
          .put("state", "connecting").put("previous", "idle"));
      assertEquals("declined", stranger.await("state").getString("state"));
      stranger.send(new io.vertx.core.json.JsonObject().put("type", "state").put("to", "zz-relay")
          .put("state", "declined").put("reason", "not in connectTo"));
      assertEquals(java.util.List.of(), stranger.unconsumed().stream()
          .filter(m -> "state".equals(m.getString("type"))).toList(), "a decline was answered");
      harness.close(relay);
    }
  }
}

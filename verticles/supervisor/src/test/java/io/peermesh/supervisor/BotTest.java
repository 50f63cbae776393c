package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.BotBroadcastAck;
import io.peermesh.shared.bus.BusMessages.BotPeers;
import io.peermesh.shared.bus.BusMessages.BotRequest;
import io.peermesh.shared.bus.BusMessages.BotSend;
import io.peermesh.shared.bus.BusMessages.BotStarted;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.eventbus.ReplyException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A bot holds one real webrtc-java connection per matching peer of its room, made and dropped as they come and go. */
class BotTest {
  private static final Duration UP = Duration.ofSeconds(20);
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

  private static BotStarted bot(String room, String peer, String remotes) {
    return Await.result(harness.vertx.eventBus().<BotStarted>request(Addresses.Supervisor.BOT_START,
        new BotRequest(room, peer, remotes, "127.0.0.1", harness.signalingPort, null, Map.of())).map(r -> r.body()));
  }

  /** The bot's connection to {@code remote} once it is connected. */
  private static String botConnectionTo(String bot, String remote) {
    StateChange up = harness.awaitState(s -> s.connection().startsWith(bot + "." + remote + ".")
        && s.to().equals("connected"), UP, bot + " connected to " + remote);
    return up.connection();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void connectsToEveryMatchingPeerAsTheyComeAndGo() throws Exception {
    String room = "bots";
    LinkedBlockingQueue<InboundMessage> inbound = harness.inbound(room, ChannelSpec.CODE_SYNC);
    BotStarted bot = bot(room, "ai-helper", "client-.*");
    String early = harness.start(room, "client-1", "ai-helper", Map.of());
    // Not a match: the bot leaves this pair alone.
    String outsider = harness.start(room, "other-1", "other-2", Map.of());
    String outsiderPeer = harness.start(room, "other-2", "other-1", Map.of());
    String late = harness.start(room, "client-2", "ai-helper", Map.of());
    harness.awaitState(early, "connected", UP);
    harness.awaitState(late, "connected", UP);
    harness.awaitState(outsider, "connected", UP);
    Map<String, String> botSide = new HashMap<>();
    botSide.put("client-1", botConnectionTo(bot.bot(), "client-1"));
    botSide.put("client-2", botConnectionTo(bot.bot(), "client-2"));

    // Each client reaches the bot, and what the bot sends on a connection reaches that client only.
    for (Map.Entry<String, String> client : Map.of("client-1", early, "client-2", late).entrySet()) {
      assertTrue(Await.result(harness.send(client.getValue(), ChannelSpec.CODE_SYNC,
          utf8("from " + client.getKey()))).accepted());
      InboundMessage atBot = inbound.poll(10, TimeUnit.SECONDS);
      assertNotNull(atBot);
      assertEquals(botSide.get(client.getKey()), atBot.connection());
      assertEquals(client.getKey(), atBot.from());
      assertArrayEquals(utf8("from " + client.getKey()), atBot.data());

      assertTrue(Await.result(harness.send(botSide.get(client.getKey()), ChannelSpec.CODE_SYNC,
          utf8("to " + client.getKey()))).accepted());
      InboundMessage atClient = inbound.poll(10, TimeUnit.SECONDS);
      assertNotNull(atClient);
      assertEquals(client.getValue(), atClient.connection());
      assertEquals("ai-helper", atClient.from());
      assertArrayEquals(utf8("to " + client.getKey()), atClient.data());
    }
    // Addressed by remote, not connection: one remote, then every one; who is connected; no connection → 404.
    assertTrue(Await.result(harness.vertx.eventBus().<SendAck>request(Addresses.Supervisor.botSend(bot.bot()),
        new BotSend("client-2", ChannelSpec.CODE_SYNC.label(), utf8("by name")))).body().accepted());
    InboundMessage byName = inbound.poll(10, TimeUnit.SECONDS);
    assertNotNull(byName);
    assertEquals(late, byName.connection());
    assertArrayEquals(utf8("by name"), byName.data());
    BotBroadcastAck everyone = Await.result(harness.vertx.eventBus().<BotBroadcastAck>request(
        Addresses.Supervisor.botBroadcast(bot.bot()), new OutboundMessage(ChannelSpec.CODE_SYNC.label(), utf8("all"))))
        .body();
    assertEquals(new BotBroadcastAck(List.of("client-1", "client-2"), Map.of()), everyone);
    java.util.Set<String> reached = new java.util.HashSet<>();
    for (int i = 0; i < 2; i++) {
      InboundMessage all = inbound.poll(10, TimeUnit.SECONDS);
      assertNotNull(all);
      assertArrayEquals(utf8("all"), all.data());
      reached.add(all.connection());
    }
    assertEquals(java.util.Set.of(early, late), reached);
    assertEquals(List.of("client-1", "client-2"), Await.result(harness.vertx.eventBus().<BotPeers>request(
        Addresses.Supervisor.botPeers(bot.bot()), null)).body().remotes());
    ReplyException nobody = (ReplyException) assertThrows(AssertionError.class, () -> Await.result(
        harness.vertx.eventBus().request(Addresses.Supervisor.botSend(bot.bot()),
            new BotSend("other-1", ChannelSpec.CODE_SYNC.label(), utf8("x"))))).getCause();
    assertEquals(BotVerticle.NO_CONNECTION, nobody.failureCode());

    assertTrue(harness.states.stream().noneMatch(s -> s.connection().startsWith(bot.bot() + ".other-")),
        "the bot connected to a peer outside its pattern");

    // A client that leaves takes its connection with it; one that joins later gets one.
    harness.close(late);
    harness.awaitState(s -> s.connection().equals(botSide.get("client-2")) && s.to().equals("closed"), UP,
        "the bot's connection to the client that left closes");
    String third = harness.start(room, "client-3", "ai-helper", Map.of());
    harness.awaitState(third, "connected", UP);
    String botToThird = botConnectionTo(bot.bot(), "client-3");
    assertTrue(Await.result(harness.send(botToThird, ChannelSpec.CODE_SYNC, utf8("welcome"))).accepted());
    InboundMessage welcome = inbound.poll(10, TimeUnit.SECONDS);
    assertNotNull(welcome);
    assertEquals(third, welcome.connection());

    // A connection of the bot that ends while its remote stays (as one that gave up) is started again.
    String old = botSide.get("client-1");
    harness.clearStates();
    harness.close(old);
    String again = harness.awaitState(s -> s.connection().startsWith(bot.bot() + ".client-1.")
        && !s.connection().equals(old) && s.to().equals("connected"), UP, "a new connection to client-1")
        .connection();
    harness.awaitState(s -> s.connection().equals(early) && s.to().equals("connected"), UP,
        "client-1 linked with the bot again");
    assertTrue(Await.result(harness.send(again, ChannelSpec.CODE_SYNC, utf8("again"))).accepted());
    InboundMessage atOne = inbound.poll(10, TimeUnit.SECONDS);
    assertNotNull(atOne);
    assertEquals(early, atOne.connection());
    assertArrayEquals(utf8("again"), atOne.data(), "numbered afresh for the new instance, so delivered");
    botSide.put("client-1", again);

    // Closing the bot closes its connections and leaves the room: its clients see the remote go.
    assertEquals("closed", Await.result(harness.vertx.eventBus().request(Addresses.Supervisor.botClose(bot.bot()),
        null)).body());
    harness.awaitState(s -> s.connection().equals(botSide.get("client-1")) && s.to().equals("closed"), UP,
        "the bot's connection to client-1 closes");
    harness.awaitState(s -> s.connection().equals(early) && s.from().equals("connected"), UP,
        "client-1 loses its link to the bot");
    harness.close(early);
    harness.close(third);
    harness.close(outsider);
    harness.close(outsiderPeer);
  }

  @Test
  void aPeerThatDeclinesTheBotIsNotTriedAgainUntilItRejoins() throws Exception {
    String room = "bots-declined";
    BotStarted bot = bot(room, "ai-declined", "client-.*");
    try (io.peermesh.shared.testing.SignalClient picky = io.peermesh.shared.testing.SignalClient.connect(
        harness.vertx, harness.signalingPort)) {
      picky.joinDev(room, "client-picky");
      // The bot is the polite side here: it reports its state and waits for an offer, which never comes.
      io.vertx.core.json.JsonObject report = picky.await("state");
      assertEquals("ai-declined", report.getString("from"));
      String first = botConnectionStarted(bot.bot(), "client-picky");
      picky.send(new io.vertx.core.json.JsonObject().put("type", "state").put("to", "ai-declined")
          .put("state", "declined").put("reason", "not in connectTo"));
      harness.awaitState(s -> s.connection().equals(first) && s.to().equals("closed"), UP, "the declined one closes");
      harness.clearStates();
      // Twice the restart delay: a connection that gave up would have been started again by now.
      Await.result(io.vertx.core.Future.future(p -> harness.vertx.setTimer(2 * BotVerticle.RESTART_DELAY_MS,
          t -> p.complete())));
      assertTrue(harness.states.stream().noneMatch(s -> s.connection().startsWith(bot.bot() + ".client-picky.")),
          "the bot tried again: " + harness.states);
      assertEquals(List.of(), Await.result(harness.vertx.eventBus().<BotPeers>request(
          Addresses.Supervisor.botPeers(bot.bot()), null)).body().remotes());
      // Its connectTo changed (a page that resumed its session): it reports a new link, and the bot tries again.
      picky.send(new io.vertx.core.json.JsonObject().put("type", "state").put("to", "ai-declined")
          .put("state", "connecting").put("previous", "idle"));
      String again = botConnectionStarted(bot.bot(), "client-picky");
      assertTrue(!again.equals(first), "a new connection: " + again);
      picky.send(new io.vertx.core.json.JsonObject().put("type", "leave"));
      picky.awaitClose();
    }
    // Back in the room: a new instance, tried again.
    try (io.peermesh.shared.testing.SignalClient again = io.peermesh.shared.testing.SignalClient.connect(
        harness.vertx, harness.signalingPort)) {
      again.joinDev(room, "client-picky");
      assertEquals("ai-declined", again.await("state").getString("from"));
    }
    Await.result(harness.vertx.eventBus().request(Addresses.Supervisor.botClose(bot.bot()), null));
  }

  /** A peer its remotes pattern leaves out is declined when it offers or reports: it stops trying. */
  @Test
  void aPeerOutsideTheBotsRemotesIsDeclined() throws Exception {
    String room = "bots-outside";
    BotStarted bot = bot(room, "ai-outside", "client-.*");
    try (io.peermesh.shared.testing.SignalClient stranger = io.peermesh.shared.testing.SignalClient.connect(
        harness.vertx, harness.signalingPort)) {
      stranger.joinDev(room, "zz-stranger");
      stranger.send(new io.vertx.core.json.JsonObject().put("type", "offer").put("to", "ai-outside")
          .put("sdp", "v=0").put("connection", 1));
      io.vertx.core.json.JsonObject declined = stranger.await("state");
      assertEquals("declined", declined.getString("state"));
      assertEquals("links with peers matching client-.* only", declined.getString("reason"));
      stranger.send(new io.vertx.core.json.JsonObject().put("type", "state").put("to", "ai-outside")
          .put("state", "connecting").put("previous", "idle"));
      assertEquals("declined", stranger.await("state").getString("state"));
    }
    Await.result(harness.vertx.eventBus().request(Addresses.Supervisor.botClose(bot.bot()), null));
  }

  /** The id of the bot's first connection to {@code remote} once its supervisor reports a state. */
  private static String botConnectionStarted(String bot, String remote) {
    return harness.awaitState(s -> s.connection().startsWith(bot + "." + remote + "."), UP,
        bot + " starting a connection to " + remote).connection();
  }

  @Test
  void refusesABadRequest() {
    AssertionError badPattern = assertThrows(AssertionError.class, () -> bot("bots-bad", "ai-x", "client-(["));
    assertEquals(SupervisorManagerVerticle.BAD_REQUEST, ((ReplyException) badPattern.getCause()).failureCode());
    AssertionError badPeer = assertThrows(AssertionError.class, () -> bot("bots-bad", "no spaces", null));
    assertEquals(SupervisorManagerVerticle.BAD_REQUEST, ((ReplyException) badPeer.getCause()).failureCode());
  }
}

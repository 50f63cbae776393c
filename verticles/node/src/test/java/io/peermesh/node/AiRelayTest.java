package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.peermesh.airelay.ScriptedChatServer;
import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.AiInvite;
import io.peermesh.shared.bus.BusMessages.BotStarted;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.json.Json;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The AI relay on a node: its bot joins the configured room, clients (real supervisors with real webrtc-java
 * connections to the bot) prompt it on ai-stream and get the answer a real HTTP backend streams, numbered;
 * refusals come back with codes; an answer resumes from any connection of the same client.
 */
class AiRelayTest {
  private static final String ROOM = "ai-room";
  private static final String BOT = "ai-assistant-" + ROOM;
  private static ScriptedChatServer backend;
  private static PeerMeshNode node;
  private static final LinkedBlockingQueue<StateChange> states = new LinkedBlockingQueue<>();
  private static final LinkedBlockingQueue<InboundMessage> inbound = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    backend = new ScriptedChatServer();
    JsonObject config = TestNodes.config(false, TestNodes.uniqueClusterName(), 5896, 5896);
    config.put("ai", new JsonObject().put("enabled", true).put("rooms", new JsonArray().add(ROOM))
        .put("peer", "ai-assistant").put("remotes", "client-.*").put("maxStreamsPerClient", 1)
        .put("maxPromptBytes", 1_000)
        .put("promptsPerMinute", 1).put("promptBurst", 5)
        .put("backend", new JsonObject().put("url", backend.url()).put("model", "scripted")
            .put("idleTimeoutMs", 2_000)));
    node = TestNodes.start(config);
    Await.result(node.vertx().eventBus().<StateChange>consumer(Addresses.Supervisor.STATE,
        m -> states.add(m.body())).completion());
    Await.result(node.vertx().eventBus().<InboundMessage>consumer(Addresses.Supervisor.inbound(ROOM, "ai-stream"),
        m -> {
          if (!m.body().connection().startsWith("b-")) {
            inbound.add(m.body());
          }
        }).completion());
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      Await.result(node.close());
    }
    if (backend != null) {
      backend.close();
    }
  }

  /** A client in the room connected with the bot; returns its connection. */
  private static String client(String peer) throws InterruptedException {
    String connection = Await.result(node.vertx().eventBus().<SupervisorStarted>request(Addresses.Supervisor.START,
        new SupervisorRequest(ROOM, peer, BOT, "127.0.0.1", node.signalingPort(), null, Map.of())))
        .body().connection();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      StateChange change = states.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertNotNull(change, peer + " never connected with the bot");
      if (change.connection().equals(connection) && change.to().equals("connected")) {
        return connection;
      }
    }
  }

  private static void send(String connection, String json) {
    SendAck ack = Await.result(node.vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
        new OutboundMessage("ai-stream", json.getBytes(StandardCharsets.UTF_8)))).body();
    assertTrue(ack.accepted(), ack.code());
  }

  /** The next message the bot sent to {@code connection}. */
  private static JsonNode next(String connection) throws InterruptedException {
    while (true) {
      InboundMessage message = inbound.poll(20, TimeUnit.SECONDS);
      assertNotNull(message, "nothing from the bot");
      assertEquals(BOT, message.from());
      if (message.connection().equals(connection)) {
        return Json.read(message.data(), JsonNode.class);
      }
    }
  }

  /** Messages to {@code connection} up to and including the end of stream {@code id} (done or error). */
  private static List<JsonNode> untilEnd(String connection, String id) throws InterruptedException {
    List<JsonNode> got = new ArrayList<>();
    while (true) {
      JsonNode m = next(connection);
      got.add(m);
      if (id.equals(m.path("id").asText()) && !m.path("type").asText().equals("delta")) {
        return got;
      }
    }
  }

  private static String text(List<JsonNode> messages) {
    StringBuilder text = new StringBuilder();
    messages.stream().filter(m -> m.path("type").asText().equals("delta")).forEach(m -> text.append(m.path("text")
        .asText()));
    return text.toString();
  }

  private static void assertNumbered(List<JsonNode> messages, int from) {
    for (int i = 0; i < messages.size(); i++) {
      assertEquals(from + i, messages.get(i).path("n").asInt(), "piece " + i + " of " + messages);
    }
  }

  @Test
  void answersPromptsResumesAndRefusesBadRequestsWithCodes() throws Exception {
    String alice = client("client-alice");
    send(alice, "{\"type\":\"prompt\",\"id\":\"q1\",\"prompt\":\"hello\"}");
    List<JsonNode> answer = untilEnd(alice, "q1");
    assertEquals(ScriptedChatServer.ANSWER_TEXT, text(answer));
    assertNumbered(answer, 0);
    JsonNode done = answer.get(answer.size() - 1);
    assertEquals("done", done.path("type").asText());
    assertEquals("stop", done.path("finish").asText());
    assertEquals("hello", backend.bodies.get(backend.bodies.size() - 1).path("messages").path(0).path("content")
        .asText());

    // A finished answer is kept: a resume sends it again from the piece asked for.
    send(alice, "{\"type\":\"resume\",\"id\":\"q1\",\"from\":2}");
    List<JsonNode> resumed = untilEnd(alice, "q1");
    assertNumbered(resumed, 2);
    assertEquals(answer.subList(2, answer.size()), resumed);

    String[][] refusals = {
        {"{not json", "ai-bad-request", ""},
        {"{\"type\":\"prompt\",\"id\":\"q2\"}", "ai-bad-request", "q2"},
        {"{\"type\":\"sing\",\"id\":\"q2\"}", "ai-unknown-type", "q2"},
        {"{\"type\":\"prompt\",\"id\":\"q1\",\"prompt\":\"again\"}", "ai-duplicate-id", "q1"},
        {"{\"type\":\"resume\",\"id\":\"nope\",\"from\":0}", "ai-unknown-stream", "nope"},
        {"{\"type\":\"prompt\",\"id\":\"q3\",\"prompt\":\"" + "x".repeat(1_001) + "\"}", "ai-too-large", "q3"},
    };
    for (String[] refusal : refusals) {
      send(alice, refusal[0]);
      JsonNode error = next(alice);
      assertEquals("error", error.path("type").asText(), refusal[0]);
      assertEquals(refusal[1], error.path("code").asText(), refusal[0]);
      assertEquals(refusal[2], error.path("id").asText(), refusal[0]);
      assertTrue(error.path("n").isMissingNode(), "a refusal is not a piece of a stream");
    }

    // A backend failure ends the stream with an error piece.
    send(alice, "{\"type\":\"prompt\",\"id\":\"q4\",\"prompt\":\"status\"}");
    List<JsonNode> failed = untilEnd(alice, "q4");
    assertEquals(1, failed.size());
    assertEquals("ai-backend-error", failed.get(0).path("code").asText());
    assertEquals(0, failed.get(0).path("n").asInt());
    assertTrue(failed.get(0).path("message").asText().contains("429"));
    // The backend was asked with the client's conversation so far: its complete exchanges, then the prompt.
    List<String> asked = new ArrayList<>();
    backend.bodies.get(backend.bodies.size() - 1).path("messages").forEach(m -> asked.add(m.path("role").asText()
        + ": " + m.path("content").asText()));
    assertEquals(List.of("user: hello", "assistant: " + ScriptedChatServer.ANSWER_TEXT, "user: status"), asked);
  }

  @Test
  void oneAnswerAtATimePerClientAndACancelStopsTheBackend() throws Exception {
    String bob = client("client-bob");
    send(bob, "{\"type\":\"prompt\",\"id\":\"s1\",\"prompt\":\"long\"}");
    assertEquals("delta", next(bob).path("type").asText());
    send(bob, "{\"type\":\"prompt\",\"id\":\"s2\",\"prompt\":\"hello\"}");
    JsonNode busy;
    do {
      busy = next(bob);
    } while (busy.path("type").asText().equals("delta"));
    assertEquals("ai-busy", busy.path("code").asText());
    assertEquals("s2", busy.path("id").asText());

    send(bob, "{\"type\":\"cancel\",\"id\":\"s1\"}");
    List<JsonNode> rest = untilEnd(bob, "s1");
    assertEquals("cancelled", rest.get(rest.size() - 1).path("finish").asText());
    assertNotNull(backend.slowClosedAfter.poll(10, TimeUnit.SECONDS), "the backend's answer was not stopped");
    // The client may ask again once its answer has ended.
    send(bob, "{\"type\":\"prompt\",\"id\":\"s2\",\"prompt\":\"hello\"}");
    assertEquals(ScriptedChatServer.ANSWER_TEXT, text(untilEnd(bob, "s2")));
  }

  @Test
  void anAnswerResumesOnTheClientsNextConnectionFromThePieceItHolds() throws Exception {
    String first = client("client-carol");
    send(first, "{\"type\":\"prompt\",\"id\":\"r1\",\"prompt\":\"long\"}");
    List<JsonNode> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(next(first));
    }
    assertNumbered(held, 0);
    // The client goes (a closed page) and comes back as a new instance: the bot connects with it afresh.
    Await.result(node.vertx().eventBus().request(Addresses.Supervisor.close(first), null));
    String second = client("client-carol");
    send(second, "{\"type\":\"resume\",\"id\":\"r1\",\"from\":5}");
    List<JsonNode> more = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      more.add(next(second));
    }
    assertNumbered(more, 5);
    send(second, "{\"type\":\"cancel\",\"id\":\"r1\"}");
    List<JsonNode> end = untilEnd(second, "r1");
    assertEquals("cancelled", end.get(end.size() - 1).path("finish").asText());
    assertNumbered(end, 25);
    backend.slowClosedAfter.poll(10, TimeUnit.SECONDS);
  }

  @Test
  void promptsPastTheBurstAreRefusedUntilTheRateAllowsMore() throws Exception {
    String erin = client("client-erin");
    for (int i = 0; i < 5; i++) {
      send(erin, "{\"type\":\"prompt\",\"id\":\"e" + i + "\",\"prompt\":\"hello\"}");
      assertEquals(ScriptedChatServer.ANSWER_TEXT, text(untilEnd(erin, "e" + i)));
      if (i == 0) {
        // A refused prompt costs nothing of the allowance: the burst of five is still whole after it.
        send(erin, "{\"type\":\"prompt\",\"id\":\"e0\",\"prompt\":\"hello\"}");
        assertEquals("ai-duplicate-id", next(erin).path("code").asText());
      }
    }
    send(erin, "{\"type\":\"prompt\",\"id\":\"e5\",\"prompt\":\"hello\"}");
    JsonNode limited = next(erin);
    assertEquals("ai-rate-limited", limited.path("code").asText());
    assertEquals("e5", limited.path("id").asText());
  }

  @Test
  void anInvitationBringsTheBotIntoAnotherRoomOnce() {
    BotStarted bot = Await.result(node.vertx().eventBus().<BotStarted>request(Addresses.AiRelay.INVITE,
        new AiInvite("ai-room-2"))).body();
    assertTrue(bot.bot().startsWith("b-"));
    assertEquals(node.nodeId(), bot.node());
    AssertionError again = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> Await.result(
        node.vertx().eventBus().request(Addresses.AiRelay.INVITE, new AiInvite("ai-room-2"))));
    assertEquals(409, ((ReplyException) again.getCause()).failureCode());
    AssertionError bad = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> Await.result(
        node.vertx().eventBus().request(Addresses.AiRelay.INVITE, new AiInvite("no room"))));
    assertEquals(400, ((ReplyException) bad.getCause()).failureCode());
  }
}

package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.airelay.ScriptedChatServer;
import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes run the AI relay for one room; the node whose relay holds the bot is SIGKILLed (a separate
 * JVM) and the other's relay brings the bot back, so the client, on the surviving node, is answered again, and
 * the answers the dead relay streamed are resumed from the cluster's copy.
 */
class AiRelayFailoverTest {
  private static final String ROOM = "ai-failover";
  private static final String BOT = "ai-assistant-" + ROOM;

  private static JsonObject config(String cluster, int port, String backendUrl) {
    JsonObject config = TestNodes.config(true, cluster, port, 5876, 5877);
    config.put("ai", new JsonObject().put("enabled", true).put("rooms", new JsonArray().add(ROOM))
        .put("remotes", "client-.*").put("claimIntervalMs", 500)
        .put("backend", new JsonObject().put("url", backendUrl).put("model", "scripted")));
    return config;
  }

  @Test
  void whenTheBotsNodeDiesAnotherRelayBringsTheBotBackAndAnswers() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    String cluster = TestNodes.uniqueClusterName();
    try (ScriptedChatServer backend = new ScriptedChatServer();
        ChildNode doomed = new ChildNode(config(cluster, 5876, backend.url()))) {
      doomed.awaitReady();
      // The child started first and holds the room's bot; the survivor's relay finds it held.
      PeerMeshNode survivor = TestNodes.start(config(cluster, 5877, backend.url()));
      try {
        LinkedBlockingQueue<StateChange> states = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<InboundMessage> inbound = new LinkedBlockingQueue<>();
        Await.result(survivor.vertx().eventBus().<StateChange>localConsumer(Addresses.Supervisor.STATE,
            m -> states.add(m.body())).completion());
        Await.result(survivor.vertx().eventBus().<InboundMessage>localConsumer(
            Addresses.Supervisor.inbound(ROOM, "ai-stream"), m -> inbound.add(m.body())).completion());
        String client = Await.result(survivor.vertx().eventBus().<SupervisorStarted>request(
            Addresses.Supervisor.START, new SupervisorRequest(ROOM, "client-dana", BOT, "127.0.0.1",
                survivor.signalingPort(), null, Map.of()), new DeliveryOptions().setLocalOnly(true))).body()
            .connection();
        awaitConnected(states, client);
        assertEquals("Hello, wörld! ✓", ask(survivor, inbound, client, "before"));
        // An answer under way when the node dies: the client holds its first 40 pieces.
        inbound.clear();
        send(survivor, client, "{\"type\":\"prompt\",\"id\":\"cut\",\"prompt\":\"slow\"}");
        List<JsonObject> held = pieces(inbound, client, "cut", 40);
        assertEquals(39, held.get(39).getInteger("n"));

        doomed.kill();
        long killed = System.nanoTime();
        // The client's link to the dead bot goes; the survivor's relay brings a new bot, which links again.
        awaitConnected(states, client);
        System.out.printf("MEASURED AI bot back and linked %d ms after its node was killed%n",
            (System.nanoTime() - killed) / 1_000_000);
        assertEquals("Hello, wörld! ✓", ask(survivor, inbound, client, "after"));
        // The new relay asked with the conversation the dead one had: the cluster's copy of it.
        List<String> asked = new ArrayList<>();
        backend.bodies.get(backend.bodies.size() - 1).path("messages").forEach(m -> asked.add(
            m.path("role").asText() + ": " + m.path("content").asText()));
        assertEquals(List.of("user: hello", "assistant: Hello, wörld! ✓", "user: hello"), asked);

        // The dead relay's answers were copied into the cluster: the new one serves their resumes.
        inbound.clear();
        send(survivor, client, "{\"type\":\"resume\",\"id\":\"before\",\"from\":2}");
        List<JsonObject> rest = pieces(inbound, client, "before", 3);
        assertEquals(List.of("delta 2 wörld", "delta 3 ! ✓", "done 4 null"), rest.stream()
            .map(p -> p.getString("type") + " " + p.getInteger("n") + " " + p.getString("text")).toList());
        // The one cut off ends as interrupted, at the piece the client asks for or after what the archive had.
        send(survivor, client, "{\"type\":\"resume\",\"id\":\"cut\",\"from\":40}");
        List<JsonObject> tail = new ArrayList<>();
        do {
          tail.addAll(pieces(inbound, client, "cut", 1));
        } while (tail.get(tail.size() - 1).getString("type").equals("delta"));
        for (int i = 0; i < tail.size(); i++) {
          JsonObject piece = tail.get(i);
          assertEquals(40 + i, piece.getInteger("n"), piece.encode());
          if (i < tail.size() - 1) {
            assertEquals("p" + (40 + i) + " ", piece.getString("text"));
          }
        }
        assertEquals("ai-interrupted", tail.get(tail.size() - 1).getString("code"));
        System.out.printf("MEASURED AI answer cut by the kill: %d pieces past the client's 40 were archived%n",
            tail.size() - 1);
      } finally {
        Await.result(survivor.close(), 60);
      }
    }
  }

  @Test
  void aRelayThatStopsWhileItsNodeStaysHandsItsRoomOver() throws Exception {
    String cluster = TestNodes.uniqueClusterName();
    String room = "ai-handover";
    try (ScriptedChatServer backend = new ScriptedChatServer()) {
      java.util.function.IntFunction<JsonObject> config = port -> {
        JsonObject c = TestNodes.config(true, cluster, port, 5878, 5879);
        c.put("ai", new JsonObject().put("enabled", true).put("rooms", new JsonArray().add(room))
            // Frequent rounds: a round under way as the relay stops must not record its room for it again.
            .put("claimIntervalMs", 20)
            .put("backend", new JsonObject().put("url", backend.url()).put("model", "scripted")));
        return c;
      };
      PeerMeshNode first = TestNodes.start(config.apply(5878));
      PeerMeshNode second = TestNodes.start(config.apply(5879));
      try {
        io.vertx.core.shareddata.AsyncMap<String, String> owners = Await.result(second.vertx().sharedData()
            .getAsyncMap(io.peermesh.airelay.AiRelayVerticle.OWNERS));
        assertEquals(first.nodeId(), Await.result(owners.get(room)), "the first relay up holds the room");
        Await.result(first.vertx().undeploy(first.aiRelayDeployment()));
        String holder = Await.until(second.vertx(), () -> owners.get(room),
            h -> second.nodeId().equals(h), 20);
        assertEquals(second.nodeId(), holder, "the other relay took the room while the first node stays");
      } finally {
        Await.result(second.close(), 60);
        Await.result(first.close(), 60);
      }
    }
  }

  private static void awaitConnected(LinkedBlockingQueue<StateChange> states, String connection) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    boolean left = false;
    while (true) {
      StateChange change = states.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertNotNull(change, connection + " did not get (back) to connected");
      if (change.connection().equals(connection)) {
        left |= !change.to().equals("connected");
        if (change.to().equals("connected") && (left || change.from().equals("connecting"))) {
          return;
        }
      }
    }
  }

  private static void send(PeerMeshNode node, String client, String json) {
    SendAck ack = Await.result(node.vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(client),
        new OutboundMessage("ai-stream", json.getBytes(StandardCharsets.UTF_8)))).body();
    assertTrue(ack.accepted(), ack.code());
  }

  /** The next {@code count} pieces of answer {@code id} that reach {@code client}. */
  private static List<JsonObject> pieces(LinkedBlockingQueue<InboundMessage> inbound, String client, String id,
      int count) throws Exception {
    List<JsonObject> got = new ArrayList<>();
    while (got.size() < count) {
      InboundMessage m = inbound.poll(30, TimeUnit.SECONDS);
      assertNotNull(m, "only " + got.size() + " pieces of " + id);
      JsonObject piece = new JsonObject(new String(m.data(), StandardCharsets.UTF_8));
      if (m.connection().equals(client) && id.equals(piece.getString("id"))) {
        got.add(piece);
      }
    }
    return got;
  }

  /** Prompts the bot from {@code client}; returns the answer's text once done. */
  private static String ask(PeerMeshNode node, LinkedBlockingQueue<InboundMessage> inbound, String client,
      String id) throws Exception {
    inbound.clear();
    SendAck ack = Await.result(node.vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(client),
        new OutboundMessage("ai-stream", ("{\"type\":\"prompt\",\"id\":\"" + id + "\",\"prompt\":\"hello\"}")
            .getBytes(StandardCharsets.UTF_8)))).body();
    assertTrue(ack.accepted(), ack.code());
    StringBuilder text = new StringBuilder();
    while (true) {
      InboundMessage m = inbound.poll(30, TimeUnit.SECONDS);
      assertNotNull(m, "no answer to " + id);
      if (!m.connection().equals(client)) {
        continue;
      }
      JsonObject piece = new JsonObject(new String(m.data(), StandardCharsets.UTF_8));
      assertEquals(id, piece.getString("id"), piece.encode());
      if (piece.getString("type").equals("delta")) {
        text.append(piece.getString("text"));
      } else {
        assertEquals("done", piece.getString("type"), piece.encode());
        return text.toString();
      }
    }
  }
}

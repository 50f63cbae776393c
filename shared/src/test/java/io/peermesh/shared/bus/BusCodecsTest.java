package io.peermesh.shared.bus;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BusCodecsTest {

  /** One sample per allow-listed type, with non-trivial content (unicode, nulls, lists, enums). */
  private static final Map<Class<? extends Record>, List<Record>> SAMPLES = Map.ofEntries(
      Map.entry(BusMessages.PeerDelivery.class, List.of(
          new BusMessages.PeerDelivery("alice", "room-1", "bob", "{\"type\":\"offer\",\"from\":\"alice\",\"sdp\":\"v=0\"}"),
          new BusMessages.PeerDelivery("b\u00f6b", "r", "\u00e5sa", "\u2603"))),
      Map.entry(BusMessages.DeliveryAck.class, List.of(
          new BusMessages.DeliveryAck(true, null),
          new BusMessages.DeliveryAck(false, "unknown-peer"),
          new BusMessages.DeliveryAck(false, BusMessages.DeliveryAck.NOT_HERE))),
      Map.entry(BusMessages.RoomEvent.class, List.of(
          new BusMessages.RoomEvent(BusMessages.RoomEventKind.JOINED, "room", "alice", "node-1", "{}"),
          new BusMessages.RoomEvent(BusMessages.RoomEventKind.LEFT, "room", "alice", "node-1", null),
          new BusMessages.RoomEvent(BusMessages.RoomEventKind.STATE, "room", "alice", "node-2", "{\"s\":1}"))),
      Map.entry(BusMessages.Takeover.class, List.of(
          new BusMessages.Takeover("alice", "room", "resume-token", "node-2"))),
      Map.entry(BusMessages.TakeoverReply.class, List.of(
          new BusMessages.TakeoverReply(true, null, List.of("{\"a\":1}", "{\"b\":2}")),
          new BusMessages.TakeoverReply(true, null, List.of()),
          new BusMessages.TakeoverReply(false, "resume-failed", null))),
      Map.entry(BusMessages.SupervisorRequest.class, List.of(
          new BusMessages.SupervisorRequest("room", "bot", "alice", "127.0.0.1", 8080, null, Map.of()),
          new BusMessages.SupervisorRequest("room", "bot", "alice", "h", 1, "jwt", Map.of("maxAttempts", 3)))),
      Map.entry(BusMessages.SupervisorStarted.class, List.of(new BusMessages.SupervisorStarted("c-1", "node-1"))),
      Map.entry(BusMessages.BotRequest.class, List.of(
          new BusMessages.BotRequest("room", "ai-bot", null, "127.0.0.1", 8080, null, Map.of()),
          new BusMessages.BotRequest("room", "ai-bot", "alice|b\u00f6b", "h", 1, "jwt", Map.of("maxAttempts", 3)))),
      Map.entry(BusMessages.BotStarted.class, List.of(new BusMessages.BotStarted("b-1", "node-1"))),
      Map.entry(BusMessages.BotSend.class, List.of(
          new BusMessages.BotSend("alice", "code-sync", new byte[] {0, 1, (byte) 255}))),
      Map.entry(BusMessages.BotBroadcastAck.class, List.of(new BusMessages.BotBroadcastAck(List.of("alice"),
          Map.of("b\u00f6b", "queue-full")), new BusMessages.BotBroadcastAck(List.of(), Map.of()))),
      Map.entry(BusMessages.BotPeers.class, List.of(new BusMessages.BotPeers(List.of("alice", "bob")))),
      Map.entry(BusMessages.AckHold.class, List.of(new BusMessages.AckHold(List.of("code-sync", "ai-stream"), true))),
      Map.entry(BusMessages.Commit.class, List.of(new BusMessages.Commit("code-sync", 2, 1_000_000_000_000L))),
      Map.entry(BusMessages.RouteAck.class, List.of(new BusMessages.RouteAck("node-2", "c-1", "code-sync", 0, 42))),
      Map.entry(BusMessages.RouteResend.class, List.of(
          new BusMessages.RouteResend("node-2", "c-1", "code-sync", 3, -1))),
      Map.entry(BusMessages.AiInvite.class, List.of(new BusMessages.AiInvite("r\u00f6\u00f6m"))),
      Map.entry(BusMessages.OutboundMessage.class, List.of(
          new BusMessages.OutboundMessage("code-sync", new byte[] {0, 1, (byte) 255}))),
      Map.entry(BusMessages.SendAck.class, List.of(new BusMessages.SendAck(true, null),
          new BusMessages.SendAck(false, "queue-full"))),
      Map.entry(BusMessages.OutboundBatch.class, List.of(
          new BusMessages.OutboundBatch("code-sync", List.of(new byte[] {1}, new byte[0], new byte[] {(byte) 200})),
          new BusMessages.OutboundBatch("presence", List.of()))),
      Map.entry(BusMessages.BatchAck.class, List.of(new BusMessages.BatchAck(3, null),
          new BusMessages.BatchAck(1, "resend-buffer-full"))),
      Map.entry(BusMessages.InboundMessage.class, List.of(
          new BusMessages.InboundMessage("room", "c-1", "alice", "ai-stream", 7, new byte[] {42}))),
      Map.entry(BusMessages.StateChange.class, List.of(
          new BusMessages.StateChange("c-1", "room", "bot", "alice", "connected", "disconnected", "heartbeat", 1,
              "host"))),
      Map.entry(BusMessages.FileSend.class, List.of(
          new BusMessages.FileSend("a.bin", "application/octet-stream", new byte[] {1, 2, 3}),
          new BusMessages.FileSend("empty", null, new byte[0]))),
      Map.entry(BusMessages.FileSendResult.class, List.of(
          new BusMessages.FileSendResult("0123", true, "ab", null),
          new BusMessages.FileSendResult(null, false, null, "closed"))),
      Map.entry(BusMessages.FileReceived.class, List.of(
          new BusMessages.FileReceived("room", "c-1", "alice", "0123", "a.bin", "text/plain", 3, "ab", true,
              "node-1", "/tmp/x"),
          new BusMessages.FileReceived("room", "c-1", "alice", "0123", "a.bin", "text/plain", 3, "ab", false,
              "node-1", null))),
      Map.entry(BusMessages.NodeStats.class, List.of(
          new BusMessages.NodeStats("node-1", List.of()),
          new BusMessages.NodeStats("node-1", List.of(new BusMessages.ConnectionStats("c-1", "room", "bot",
              "alice", "node-1", "connected", 2, "up", "direct", "host/prflx", "prflx",
              List.of(new BusMessages.ChannelStats("files", 1, 2, 3, 4, 5))))))),
      Map.entry(BusMessages.RouteJoin.class, List.of(new BusMessages.RouteJoin("room", "c-1"))),
      Map.entry(BusMessages.RouteLeave.class, List.of(new BusMessages.RouteLeave("room", "c-1"))),
      Map.entry(BusMessages.RouteJoined.class, List.of(new BusMessages.RouteJoined("room", "c-1", "node-1", 2))),
      Map.entry(BusMessages.RouteRoster.class, List.of(
          new BusMessages.RouteRoster("node-1", List.of("a", "b"), List.of(), true),
          new BusMessages.RouteRoster("node-2", List.of(), List.of("a"), false))),
      Map.entry(BusMessages.RouteEvent.class, List.of(
          new BusMessages.RouteEvent(BusMessages.RouteEventKind.OVERFLOW, "room", "c-1", "node-1", "dropped 3"),
          new BusMessages.RouteEvent(BusMessages.RouteEventKind.JOINED, "room", "c-1", "node-1", null))));

  static Stream<Record> samples() {
    return BusCodecs.TYPES.stream().flatMap(type -> {
      List<Record> list = SAMPLES.get(type);
      assertTrue(list != null && !list.isEmpty(), () -> "no sample for " + type);
      return list.stream();
    });
  }

  @SuppressWarnings("unchecked")
  private static <T> BusCodecs.RecordCodec<T> codecFor(T value) {
    return new BusCodecs.RecordCodec<>((Class<T>) value.getClass());
  }

  @Test
  void everyAllowListedTypeHasASample() {
    assertEquals(SAMPLES.keySet(), new HashSet<>(BusCodecs.TYPES));
    assertEquals(BusCodecs.TYPES.size(), new HashSet<>(BusCodecs.TYPES).size());
  }

  @ParameterizedTest
  @MethodSource("samples")
  void encodesAndDecodesAtNonZeroOffset(Record sample) {
    BusCodecs.RecordCodec<Record> codec = codecFor(sample);
    Buffer buffer = Buffer.buffer().appendBytes(new byte[] {9, 8, 7, 6, 5});
    int pos = buffer.length();
    codec.encodeToWire(buffer, sample);
    buffer.appendString("trailing bytes the codec must not read");
    assertEquals(sample, codec.decodeFromWire(pos, buffer));
  }

  @ParameterizedTest
  @MethodSource("samples")
  void wireFormIsLengthPrefixedJson(Record sample) {
    BusCodecs.RecordCodec<Record> codec = codecFor(sample);
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, sample);
    int length = buffer.getInt(0);
    assertEquals(buffer.length() - 4, length);
    String json = buffer.getString(4, buffer.length(), StandardCharsets.UTF_8.name());
    assertTrue(json.startsWith("{") && json.endsWith("}"), json);
  }

  @Test
  void decodesTwoConsecutiveRecordsFromOneBuffer() {
    var first = new BusMessages.Takeover("a", "r", "t", "n1");
    var second = new BusMessages.Takeover("b", "r", "u", "n2");
    var codec = new BusCodecs.RecordCodec<>(BusMessages.Takeover.class);
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, first);
    int secondPos = buffer.length();
    codec.encodeToWire(buffer, second);
    assertEquals(first, codec.decodeFromWire(0, buffer));
    assertEquals(second, codec.decodeFromWire(secondPos, buffer));
  }

  @Test
  void decodeOfUnexpectedJsonFailsWithUncheckedIoException() {
    var codec = new BusCodecs.RecordCodec<>(BusMessages.DeliveryAck.class);
    byte[] json = "{\"accepted\":true,\"evil\":1}".getBytes(StandardCharsets.UTF_8);
    Buffer buffer = Buffer.buffer().appendInt(json.length).appendBytes(json);
    assertThrows(UncheckedIOException.class, () -> codec.decodeFromWire(0, buffer));
  }

  @ParameterizedTest
  @MethodSource("samples")
  void transformReturnsTheSameInstance(Record sample) {
    assertSame(sample, codecFor(sample).transform(sample));
  }

  @Test
  void codecNamesAreUniqueAndPrefixed() {
    Set<String> names = new HashSet<>();
    for (Class<? extends Record> type : BusCodecs.TYPES) {
      BusCodecs.RecordCodec<?> codec = new BusCodecs.RecordCodec<>(type);
      assertTrue(codec.name().startsWith("peermesh."), codec.name());
      assertTrue(codec.name().endsWith(type.getName()), codec.name());
      assertTrue(names.add(codec.name()), () -> "duplicate codec name " + codec.name());
      assertEquals(-1, codec.systemCodecID());
    }
    assertEquals(BusCodecs.TYPES.size(), names.size());
  }

  @Test
  void registerTwiceOnOneVertxDoesNotThrow() {
    Vertx vertx = Vertx.vertx();
    try {
      assertDoesNotThrow(() -> BusCodecs.register(vertx));
      assertDoesNotThrow(() -> BusCodecs.register(vertx));
    } finally {
      Await.result(vertx.close());
    }
  }

  @Test
  void registerOnTwoVertxInstancesDoesNotThrow() {
    Vertx one = Vertx.vertx();
    Vertx two = Vertx.vertx();
    try {
      assertDoesNotThrow(() -> BusCodecs.register(one));
      assertDoesNotThrow(() -> BusCodecs.register(two));
    } finally {
      Await.result(one.close());
      Await.result(two.close());
    }
  }

  @Test
  void localRequestReplyOfPeerDeliveryWorks() {
    Vertx vertx = Vertx.vertx();
    try {
      BusCodecs.register(vertx);
      List<BusMessages.PeerDelivery> received = new CopyOnWriteArrayList<>();
      String address = Addresses.Signaling.nodePeers("node-1");
      Await.result(vertx.eventBus().<BusMessages.PeerDelivery>consumer(address, message -> {
        received.add(message.body());
        BusMessages.PeerDelivery body = message.body();
        message.reply("room-1".equals(body.fromRoom()) ? new BusMessages.DeliveryAck(true, null)
            : new BusMessages.DeliveryAck(false, "unknown-peer"));
      }).completion());

      var delivery = new BusMessages.PeerDelivery("alice", "room-1", "bob", "{\"type\":\"offer\"}");
      Message<BusMessages.DeliveryAck> reply = Await.result(vertx.eventBus().request(address, delivery));
      assertEquals(new BusMessages.DeliveryAck(true, null), reply.body());

      Message<BusMessages.DeliveryAck> refused = Await.result(vertx.eventBus().request(address,
          new BusMessages.PeerDelivery("mallory", "room-2", "bob", "{}"), new DeliveryOptions().setSendTimeout(5_000)));
      assertEquals(new BusMessages.DeliveryAck(false, "unknown-peer"), refused.body());

      assertEquals(2, received.size());
      // Local delivery goes through transform(), which returns the very instance that was sent.
      assertSame(delivery, received.get(0));
    } finally {
      Await.result(vertx.close());
    }
  }

  @Test
  void unregisteredRecordCannotBeSentWithoutACodec() {
    record NotAllowed(String x) {}
    Vertx vertx = Vertx.vertx();
    try {
      BusCodecs.register(vertx);
      assertThrows(IllegalArgumentException.class,
          () -> vertx.eventBus().send(Addresses.Signaling.nodePeers("x"), new NotAllowed("x")));
    } finally {
      Await.result(vertx.close());
    }
  }

  // ---- BusMessages ----

  @Test
  void roomEventKindsAreJoinedLeftState() {
    assertEquals(List.of(BusMessages.RoomEventKind.JOINED, BusMessages.RoomEventKind.LEFT,
        BusMessages.RoomEventKind.STATE), List.of(BusMessages.RoomEventKind.values()));
  }

  // ---- Addresses ----

  @Test
  void nodeAddressesAreDistinctAndPrefixed() {
    String id = "same-name";
    List<String> addresses = List.of(Addresses.Signaling.nodePeers(id), Addresses.Signaling.node(id),
        Addresses.Signaling.nodeTakeover(id));
    assertEquals(3, new HashSet<>(addresses).size(), addresses::toString);
    for (String address : addresses) {
      assertTrue(address.startsWith("peermesh."), address);
      assertTrue(address.endsWith("." + id), address);
    }
    assertEquals("peermesh.signal.node-peers.same-name", Addresses.Signaling.nodePeers(id));
    assertEquals("peermesh.signal.node.same-name", Addresses.Signaling.node(id));
    assertEquals("peermesh.signal.node-takeover.same-name", Addresses.Signaling.nodeTakeover(id));
  }

  @Test
  void addressesOfDifferentIdsDiffer() {
    assertNotEquals(Addresses.Signaling.nodePeers("a"), Addresses.Signaling.nodePeers("b"));
    assertNotEquals(Addresses.Signaling.node("a"), Addresses.Signaling.node("b"));
    assertNotEquals(Addresses.Signaling.nodeTakeover("a"), Addresses.Signaling.nodeTakeover("b"));
  }

  @Test
  void nodeAddressesCannotCollide() {
    for (String a : List.of("x", "peers.x", "takeover.x", "node.x")) {
      for (String b : List.of("x", "peers.x", "takeover.x", "node.x")) {
        assertNotEquals(Addresses.Signaling.nodePeers(a), Addresses.Signaling.node(b));
        assertNotEquals(Addresses.Signaling.nodePeers(a), Addresses.Signaling.nodeTakeover(b));
        assertNotEquals(Addresses.Signaling.node(a), Addresses.Signaling.nodeTakeover(b));
      }
    }
  }

  @Test
  void nodeAddressesArePrefixedAndDistinct() {
    List<String> names = List.of(Addresses.Node.CLUSTER_SAFE, Addresses.Node.MEMBER_LEFT, Addresses.Node.LOCAL_MAP);
    assertEquals(3, new HashSet<>(names).size());
    names.forEach(n -> assertTrue(n.startsWith("peermesh."), n));
    assertFalse(Addresses.Node.MEMBERS_KEY.isBlank());
  }
}

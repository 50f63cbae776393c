package io.peermesh.shared.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.peermesh.shared.json.Json;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerMessageTest {

  /** One fully populated sample of every ServerMessage record, with its expected wire type. */
  static Stream<Arguments> fullMessages() {
    return Stream.of(
        Arguments.of("joined", new ServerMessage.Joined("j1", 1, "room", "alice",
            List.of(new ServerMessage.PeerInfo("bob"), new ServerMessage.PeerInfo("carol")),
            List.of(new ServerMessage.IceServer(List.of("stun:stun.example.org:3478"), null, null),
                new ServerMessage.IceServer(List.of("turn:t.example.org:3478?transport=udp",
                    "turns:t.example.org:5349"), "1700000000:alice", "c3VwZXJzZWNyZXQ=")),
            "resume-token", 5_000L, 15_000L, true)),
        Arguments.of("peer-joined", new ServerMessage.PeerJoined("room", "bob")),
        Arguments.of("peer-left", new ServerMessage.PeerLeft("room", "bob", "timeout")),
        Arguments.of("offer", new ServerMessage.Offer("alice", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n", 2)),
        Arguments.of("answer", new ServerMessage.Answer("bob", "v=0\r\n", 2)),
        Arguments.of("candidate", new ServerMessage.Candidate("alice", "candidate:1 1 udp 2122 1.2.3.4 5 typ host",
            "0", 0, 1)),
        Arguments.of("pong", new ServerMessage.Pong("p1", 1_700_000_000_000L, 1_700_000_000_005L)),
        Arguments.of("state", new ServerMessage.State("alice", "connected", "connecting", "ice", 2)),
        Arguments.of("relay", new ServerMessage.Relay("alice", "chat", "aGVsbG8=")),
        Arguments.of("error", new ServerMessage.Error("wrong-type", "field 'to' must be a string", "to", "o1")));
  }

  /** Samples with every nullable field null. */
  static Stream<Arguments> sparseMessages() {
    return Stream.of(
        Arguments.of("joined", new ServerMessage.Joined(null, 1, "room", "alice", List.of(), List.of(), null, 5_000L,
            15_000L, false), Set.of("ref", "resumeToken")),
        Arguments.of("peer-left", new ServerMessage.PeerLeft("room", "bob", null), Set.of("reason")),
        Arguments.of("candidate", new ServerMessage.Candidate("alice", null, null, null, null),
            Set.of("candidate", "sdpMid", "sdpMLineIndex")),
        Arguments.of("pong", new ServerMessage.Pong(null, null, 42L), Set.of("ref", "ts")),
        Arguments.of("state", new ServerMessage.State("alice", "failed", null, null, null),
            Set.of("previous", "reason", "attempt")),
        Arguments.of("error", new ServerMessage.Error("bad-json", "malformed JSON", null, null),
            Set.of("field", "ref")));
  }

  private static JsonNode tree(String json) throws Exception {
    return Json.tree(json);
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fullMessages")
  void writesTypeFirstWithItsConstant(String type, ServerMessage message) throws Exception {
    String json = Json.write(message);
    assertTrue(json.startsWith("{\"type\":\"" + type + "\","), json);
    assertEquals(type, message.type());
    JsonNode node = tree(json);
    assertEquals("type", fieldNames(node).get(0));
    assertEquals(type, node.get("type").textValue());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fullMessages")
  void writesEveryRecordComponent(String type, ServerMessage message) throws Exception {
    JsonNode node = tree(Json.write(message));
    Set<String> expected = new HashSet<>();
    expected.add("type");
    for (var component : message.getClass().getRecordComponents()) {
      expected.add(component.getName());
    }
    assertEquals(expected, new HashSet<>(fieldNames(node)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fullMessages")
  void readsBackIntoEqualRecord(String type, ServerMessage message) {
    String json = Json.write(message);
    assertEquals(message, Json.read(json, message.getClass()));
    assertEquals(message, Json.read(Json.writeBytes(message), message.getClass()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sparseMessages")
  void omitsNullFields(String type, ServerMessage message, Set<String> absent) throws Exception {
    String json = Json.write(message);
    JsonNode node = tree(json);
    assertEquals("type", fieldNames(node).get(0));
    assertEquals(type, node.get("type").textValue());
    for (String field : absent) {
      assertFalse(node.has(field), () -> field + " should be omitted from " + json);
    }
    assertFalse(json.contains("null"), json);
    assertEquals(message, Json.read(json, message.getClass()));
  }

  @Test
  void joinedWritesPrimitivesEvenWhenZeroOrFalse() throws Exception {
    JsonNode node = tree(Json.write(new ServerMessage.Joined(null, 1, "r", "p", List.of(), List.of(), null, 0L, 0L,
        false)));
    assertEquals(1, node.get("v").intValue());
    assertEquals(0L, node.get("heartbeatMs").longValue());
    assertEquals(0L, node.get("resumeGraceMs").longValue());
    assertFalse(node.get("resumed").booleanValue());
    assertTrue(node.get("peers").isArray());
    assertTrue(node.get("iceServers").isArray());
  }

  @Test
  void joinedNestsPeersAndIceServersAsObjects() throws Exception {
    JsonNode node = tree(Json.write(new ServerMessage.Joined("j", 1, "r", "a",
        List.of(new ServerMessage.PeerInfo("b")),
        List.of(new ServerMessage.IceServer(List.of("stun:s:3478"), null, null)), "t", 1, 2, false)));
    assertEquals("b", node.get("peers").get(0).get("peer").textValue());
    JsonNode ice = node.get("iceServers").get(0);
    assertEquals("stun:s:3478", ice.get("urls").get(0).textValue());
    assertFalse(ice.has("username"));
    assertFalse(ice.has("credential"));
  }

  @Test
  void iceServerAndPeerInfoRoundTrip() {
    var ice = new ServerMessage.IceServer(List.of("turn:a", "turn:b"), "u", "c");
    assertEquals(ice, Json.read(Json.write(ice), ServerMessage.IceServer.class));
    var info = new ServerMessage.PeerInfo("p");
    assertEquals("{\"peer\":\"p\"}", Json.write(info));
    assertEquals(info, Json.read(Json.write(info), ServerMessage.PeerInfo.class));
  }

  @Test
  void readIgnoresTypeEvenIfItDiffers() {
    // type is write-only: a Java client binds by the record class it asks for.
    assertEquals(new ServerMessage.Offer("a", "s", null),
        Json.read("{\"type\":\"answer\",\"from\":\"a\",\"sdp\":\"s\"}", ServerMessage.Offer.class));
  }

  @Test
  void readRejectsUnknownProperty() {
    org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
        () -> Json.read("{\"type\":\"offer\",\"from\":\"a\",\"sdp\":\"s\",\"extra\":1}", ServerMessage.Offer.class));
  }

  @Test
  void typeConstantsAreDistinct() {
    Set<String> types = new HashSet<>();
    fullMessages().forEach(args -> assertTrue(types.add((String) args.get()[0])));
    assertEquals(10, types.size());
    assertEquals(ServerMessage.class.getPermittedSubclasses().length, types.size());
  }

  // ---- Error.of ----

  @Test
  void errorOfMapsCodeMessageFieldAndRef() {
    ProtocolException e = new ProtocolException(ErrorCode.UNKNOWN_FIELD, "field 'x' is not defined here", "x", "m1");
    assertEquals(new ServerMessage.Error("unknown-field", "field 'x' is not defined here", "x", "m1"),
        ServerMessage.Error.of(e));
  }

  @Test
  void errorOfWithoutFieldAndRefOmitsThemOnTheWire() throws Exception {
    ServerMessage.Error error = ServerMessage.Error.of(new ProtocolException(ErrorCode.BAD_JSON, "malformed JSON"));
    assertEquals(new ServerMessage.Error("bad-json", "malformed JSON", null, null), error);
    assertEquals("{\"type\":\"error\",\"code\":\"bad-json\",\"message\":\"malformed JSON\"}", Json.write(error));
  }

  @Test
  void errorOfParserFailureCarriesParserRef() {
    try {
      ClientMessageParser.parse("{\"type\":\"offer\",\"id\":\"o9\",\"to\":\"p\"}");
    } catch (ProtocolException e) {
      ServerMessage.Error error = ServerMessage.Error.of(e);
      assertEquals("missing-field", error.code());
      assertEquals("sdp", error.field());
      assertEquals("o9", error.ref());
      assertEquals("field 'sdp' is required", error.message());
      return;
    }
    throw new AssertionError("expected a ProtocolException");
  }

  // ---- ProtocolException ----

  @Test
  void protocolExceptionWithRefKeepsEverythingElse() {
    ProtocolException e = new ProtocolException(ErrorCode.WRONG_TYPE, "msg", "to", "old");
    ProtocolException moved = e.withRef("new");
    assertEquals(ErrorCode.WRONG_TYPE, moved.code());
    assertEquals("msg", moved.getMessage());
    assertEquals("to", moved.field());
    assertEquals("new", moved.ref());
    assertEquals("old", e.ref());
  }

  @Test
  void protocolExceptionIsCheapWithoutStackTrace() {
    ProtocolException e = new ProtocolException(ErrorCode.INTERNAL, "boom");
    assertEquals(0, e.getStackTrace().length);
    assertNull(e.getCause());
    assertNull(e.field());
    assertNull(e.ref());
  }

  // ---- ErrorCode ----

  @Test
  void errorCodeWireCodesAreUnique() {
    Set<String> seen = new HashSet<>();
    for (ErrorCode code : ErrorCode.values()) {
      assertTrue(seen.add(code.wire()), () -> "duplicate wire code " + code.wire());
    }
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void errorCodeWireIsLowerKebabCaseOfItsName(ErrorCode code) {
    assertTrue(code.wire().matches("[a-z]+(-[a-z]+)*"), code.wire());
    assertEquals(code.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), code.wire());
    assertFalse(code.description().isBlank());
  }

  // ---- RoomNames ----

  @ParameterizedTest
  @ValueSource(strings = {"a", "Z", "0", "room-1", "room_1", "room.1", "A.b_C-9", "...", "-", "_"})
  void roomNamesAcceptsLettersDigitsDotUnderscoreDash(String name) {
    assertTrue(RoomNames.isValid(name));
  }

  @Test
  void roomNamesAcceptsUpTo64Chars() {
    assertTrue(RoomNames.isValid("x".repeat(64)));
    assertFalse(RoomNames.isValid("x".repeat(65)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "a b", "a/b", "a:b", "a*", "\u00e9", "a\n", "peermesh.signal.room.#", "a,b"})
  void roomNamesRejectsEverythingElse(String name) {
    assertFalse(RoomNames.isValid(name));
  }

  @Test
  void roomNamesRejectsNull() {
    assertFalse(RoomNames.isValid(null));
  }

  @Test
  void roomNamesRuleDescribesTheLimit() {
    assertTrue(RoomNames.RULE.contains("64"));
  }

  // ---- CloseCodes ----

  @Test
  void closeCodesAreDistinctAndInValidRanges() throws Exception {
    Map<Short, String> seen = new java.util.HashMap<>();
    for (var f : CloseCodes.class.getDeclaredFields()) {
      if (f.getType() == short.class) {
        short code = f.getShort(null);
        String previous = seen.put(code, f.getName());
        assertNull(previous, () -> f.getName() + " reuses " + code);
        assertTrue(code == 1000 || (code >= 1000 && code < 1016) || (code >= 4000 && code <= 4999),
            f.getName() + "=" + code);
      }
    }
    assertEquals(8, seen.size());
    assertEquals(1000, CloseCodes.NORMAL);
    assertEquals(1009, CloseCodes.FRAME_TOO_LARGE);
  }
}

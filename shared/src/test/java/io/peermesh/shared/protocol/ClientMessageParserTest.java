package io.peermesh.shared.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import java.util.stream.Stream;

class ClientMessageParserTest {

  private static ProtocolException reject(String text) {
    return assertThrows(ProtocolException.class, () -> ClientMessageParser.parse(text), text);
  }

  private static void assertRejected(String text, ErrorCode code, String field, String ref) {
    ProtocolException e = reject(text);
    assertEquals(code, e.code(), () -> text + " -> " + e.getMessage());
    assertEquals(field, e.field(), () -> "field of " + text);
    assertEquals(ref, e.ref(), () -> "ref of " + text);
  }

  private static ClientMessage parse(String text) throws ProtocolException {
    return ClientMessageParser.parse(text);
  }

  // ---- malformed JSON ----

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"type\":\"leave\"",            // truncated
      "{\"type\":",                     // truncated after a key
      "not json",                       // not JSON at all
      "{type:'leave'}",                 // unquoted key, single quotes
      "{\"type\":\"leave\"} garbage",   // trailing garbage
      "{\"type\":\"leave\"}}",          // trailing close brace
      "{\"type\":\"leave\"} {\"type\":\"leave\"}", // two documents
      "{\"type\":\"leave\",}",          // trailing comma
  })
  void rejectsMalformedJsonWithBadJsonCode(String text) {
    assertRejected(text, ErrorCode.BAD_JSON, null, null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "[{\"type\":\"leave\"}]", "\"leave\"", "42", "true", "null", "", "   "})
  void rejectsNonObjectJsonWithBadJsonCode(String text) {
    assertRejected(text, ErrorCode.BAD_JSON, null, null);
  }

  @Test
  void badJsonMessageSaysMalformed() {
    assertTrue(reject("{\"type\"").getMessage().startsWith("malformed JSON"));
    assertEquals("a message is a JSON object", reject("[]").getMessage());
  }

  @Test
  void rejectsDuplicateKeyWithDuplicateKeyCode() {
    ProtocolException e = reject("{\"type\":\"leave\",\"type\":\"leave\"}");
    assertEquals(ErrorCode.DUPLICATE_KEY, e.code());
    assertTrue(e.getMessage().contains("type"), e.getMessage());
  }

  @Test
  void rejectsDuplicateNonTypeKeyWithDuplicateKeyCode() {
    ProtocolException e = reject("{\"type\":\"offer\",\"to\":\"a\",\"sdp\":\"x\",\"to\":\"b\"}");
    assertEquals(ErrorCode.DUPLICATE_KEY, e.code());
    assertTrue(e.getMessage().contains("to"), e.getMessage());
  }

  // ---- type ----

  @Test
  void rejectsUnknownTypeWithUnknownTypeCodeAndTypeAsRef() {
    assertRejected("{\"type\":\"hello\"}", ErrorCode.UNKNOWN_TYPE, "type", "hello");
  }

  @Test
  void rejectsUnknownTypeEchoingIdAsRef() {
    assertRejected("{\"type\":\"hello\",\"id\":\"m1\"}", ErrorCode.UNKNOWN_TYPE, "type", "m1");
  }

  @Test
  void typeIsCaseSensitive() {
    assertRejected("{\"type\":\"JOIN\"}", ErrorCode.UNKNOWN_TYPE, "type", "JOIN");
  }

  @Test
  void rejectsMissingTypeWithMissingFieldCode() {
    assertRejected("{}", ErrorCode.MISSING_FIELD, "type", null);
    assertRejected("{\"room\":\"r\"}", ErrorCode.MISSING_FIELD, "type", null);
  }

  @Test
  void rejectsNullTypeAsMissing() {
    assertRejected("{\"type\":null}", ErrorCode.MISSING_FIELD, "type", null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "true", "[\"join\"]", "{\"t\":\"join\"}", "1.5"})
  void rejectsNonStringTypeWithWrongTypeCode(String value) {
    assertRejected("{\"type\":" + value + "}", ErrorCode.WRONG_TYPE, "type", null);
  }

  // ---- missing required fields ----

  static Stream<Arguments> missingFields() {
    return Stream.of(
        Arguments.of("{\"type\":\"join\",\"room\":\"r\"}", "v", "join"),
        Arguments.of("{\"type\":\"join\",\"v\":1}", "room", "join"),
        Arguments.of("{\"type\":\"join\",\"v\":1,\"room\":null}", "room", "join"),
        Arguments.of("{\"type\":\"offer\",\"sdp\":\"s\"}", "to", "offer"),
        Arguments.of("{\"type\":\"offer\",\"to\":\"p\"}", "sdp", "offer"),
        Arguments.of("{\"type\":\"answer\",\"sdp\":\"s\"}", "to", "answer"),
        Arguments.of("{\"type\":\"answer\",\"to\":\"p\"}", "sdp", "answer"),
        Arguments.of("{\"type\":\"candidate\",\"candidate\":\"c\"}", "to", "candidate"),
        Arguments.of("{\"type\":\"state\",\"to\":\"p\"}", "state", "state"),
        Arguments.of("{\"type\":\"relay\",\"channel\":\"c\",\"data\":\"d\"}", "to", "relay"),
        Arguments.of("{\"type\":\"relay\",\"to\":\"p\",\"data\":\"d\"}", "channel", "relay"),
        Arguments.of("{\"type\":\"relay\",\"to\":\"p\",\"channel\":\"c\"}", "data", "relay"),
        Arguments.of("{\"type\":\"relay\",\"id\":\"r7\",\"to\":\"p\",\"channel\":\"c\"}", "data", "r7"));
  }

  @ParameterizedTest
  @MethodSource("missingFields")
  void rejectsMissingRequiredFieldNamingIt(String text, String field, String ref) {
    assertRejected(text, ErrorCode.MISSING_FIELD, field, ref);
    assertEquals("field '" + field + "' is required", reject(text).getMessage());
  }

  // ---- wrong types ----

  static Stream<Arguments> wrongTypes() {
    return Stream.of(
        // string where int expected
        Arguments.of("{\"type\":\"join\",\"v\":\"1\",\"room\":\"r\"}", "v"),
        Arguments.of("{\"type\":\"candidate\",\"to\":\"p\",\"sdpMLineIndex\":\"0\"}", "sdpMLineIndex"),
        Arguments.of("{\"type\":\"state\",\"state\":\"s\",\"attempt\":\"2\"}", "attempt"),
        Arguments.of("{\"type\":\"ping\",\"ts\":\"123\"}", "ts"),
        // float where int expected
        Arguments.of("{\"type\":\"join\",\"v\":1.0,\"room\":\"r\"}", "v"),
        Arguments.of("{\"type\":\"join\",\"v\":1e0,\"room\":\"r\"}", "v"),
        Arguments.of("{\"type\":\"candidate\",\"to\":\"p\",\"sdpMLineIndex\":0.5}", "sdpMLineIndex"),
        Arguments.of("{\"type\":\"ping\",\"ts\":1.5}", "ts"),
        // huge numbers
        Arguments.of("{\"type\":\"join\",\"v\":4294967297,\"room\":\"r\"}", "v"),
        Arguments.of("{\"type\":\"join\",\"v\":99999999999999999999999,\"room\":\"r\"}", "v"),
        Arguments.of("{\"type\":\"state\",\"state\":\"s\",\"attempt\":2147483648}", "attempt"),
        Arguments.of("{\"type\":\"ping\",\"ts\":99999999999999999999999}", "ts"),
        // other JSON types where int expected
        Arguments.of("{\"type\":\"join\",\"v\":true,\"room\":\"r\"}", "v"),
        Arguments.of("{\"type\":\"join\",\"v\":[1],\"room\":\"r\"}", "v"),
        // int where string expected
        Arguments.of("{\"type\":\"join\",\"v\":1,\"room\":5}", "room"),
        Arguments.of("{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"token\":5}", "token"),
        Arguments.of("{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"resume\":false}", "resume"),
        Arguments.of("{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"peer\":7}", "peer"),
        Arguments.of("{\"type\":\"offer\",\"to\":1,\"sdp\":\"s\"}", "to"),
        Arguments.of("{\"type\":\"offer\",\"to\":\"p\",\"sdp\":{\"x\":1}}", "sdp"),
        Arguments.of("{\"type\":\"answer\",\"to\":\"p\",\"sdp\":[\"s\"]}", "sdp"),
        Arguments.of("{\"type\":\"candidate\",\"to\":\"p\",\"candidate\":1}", "candidate"),
        Arguments.of("{\"type\":\"candidate\",\"to\":\"p\",\"sdpMid\":0}", "sdpMid"),
        Arguments.of("{\"type\":\"state\",\"state\":1}", "state"),
        Arguments.of("{\"type\":\"state\",\"state\":\"s\",\"to\":1}", "to"),
        Arguments.of("{\"type\":\"state\",\"state\":\"s\",\"previous\":1}", "previous"),
        Arguments.of("{\"type\":\"state\",\"state\":\"s\",\"reason\":true}", "reason"),
        Arguments.of("{\"type\":\"relay\",\"to\":\"p\",\"channel\":2,\"data\":\"d\"}", "channel"),
        Arguments.of("{\"type\":\"relay\",\"to\":\"p\",\"channel\":\"c\",\"data\":3}", "data"));
  }

  @ParameterizedTest
  @MethodSource("wrongTypes")
  void rejectsWrongTypedFieldWithWrongTypeCodeNamingIt(String text, String field) {
    ProtocolException e = reject(text);
    assertEquals(ErrorCode.WRONG_TYPE, e.code(), e::getMessage);
    assertEquals(field, e.field());
    assertTrue(e.getMessage().startsWith("field '" + field + "' must be"), e.getMessage());
  }

  @Test
  void wrongTypeCarriesTypeAsRefWithoutId() {
    assertRejected("{\"type\":\"offer\",\"to\":1,\"sdp\":\"s\"}", ErrorCode.WRONG_TYPE, "to", "offer");
  }

  @Test
  void wrongTypeCarriesIdAsRef() {
    assertRejected("{\"type\":\"offer\",\"id\":\"o-1\",\"to\":1,\"sdp\":\"s\"}", ErrorCode.WRONG_TYPE, "to", "o-1");
  }

  // ---- unknown fields ----

  static Stream<Arguments> unknownFields() {
    return Stream.of(
        Arguments.of("{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"extra\":1}", "extra", "join"),
        Arguments.of("{\"type\":\"offer\",\"to\":\"p\",\"sdp\":\"s\",\"from\":\"me\"}", "from", "offer"),
        Arguments.of("{\"type\":\"answer\",\"to\":\"p\",\"sdp\":\"s\",\"x\":null}", "x", "answer"),
        Arguments.of("{\"type\":\"candidate\",\"to\":\"p\",\"sdpMLineindex\":0}", "sdpMLineindex", "candidate"),
        Arguments.of("{\"type\":\"leave\",\"reason\":\"bye\"}", "reason", "leave"),
        Arguments.of("{\"type\":\"ping\",\"ts\":1,\"serverTime\":2}", "serverTime", "ping"),
        Arguments.of("{\"type\":\"state\",\"state\":\"s\",\"room\":\"r\"}", "room", "state"),
        Arguments.of("{\"type\":\"relay\",\"to\":\"p\",\"channel\":\"c\",\"data\":\"d\",\"binary\":true}", "binary",
            "relay"),
        Arguments.of("{\"type\":\"leave\",\"id\":\"l1\",\"Type\":\"leave\"}", "Type", "l1"));
  }

  @ParameterizedTest
  @MethodSource("unknownFields")
  void rejectsUnknownFieldWithUnknownFieldCodeNamingIt(String text, String field, String ref) {
    assertRejected(text, ErrorCode.UNKNOWN_FIELD, field, ref);
    assertEquals("field '" + field + "' is not defined here", reject(text).getMessage());
  }

  @Test
  void unknownFieldIsReportedBeforeMissingField() {
    assertRejected("{\"type\":\"offer\",\"bogus\":1}", ErrorCode.UNKNOWN_FIELD, "bogus", "offer");
  }

  // ---- join validation ----

  @ParameterizedTest
  @ValueSource(ints = {0, 2, -1, 100})
  void rejectsUnsupportedVersionWithUnsupportedVersionCode(int v) {
    ProtocolException e = reject("{\"type\":\"join\",\"id\":\"j1\",\"v\":" + v + ",\"room\":\"r\"}");
    assertEquals(ErrorCode.UNSUPPORTED_VERSION, e.code());
    assertEquals("v", e.field());
    assertEquals("j1", e.ref());
    assertTrue(e.getMessage().contains(String.valueOf(v)), e.getMessage());
  }

  @Test
  void versionIsCheckedBeforeRoom() {
    assertRejected("{\"type\":\"join\",\"v\":2}", ErrorCode.UNSUPPORTED_VERSION, "v", "join");
  }

  @ParameterizedTest
  @ValueSource(strings = {"my room", "", " ", "room/1", "r\u00e9sum\u00e9", "room*", "a\\tb",
      "12345678901234567890123456789012345678901234567890123456789012345"})
  void rejectsInvalidRoomNameWithWrongTypeCode(String room) {
    ProtocolException e = reject("{\"type\":\"join\",\"v\":1,\"room\":\"" + room + "\"}");
    assertEquals(ErrorCode.WRONG_TYPE, e.code());
    assertEquals("room", e.field());
    assertEquals("join", e.ref());
    assertEquals(RoomNames.RULE, e.getMessage());
  }

  @Test
  void acceptsRoomNameOfExactly64Chars() throws Exception {
    String room = "a".repeat(64);
    ClientMessage.Join join = (ClientMessage.Join) parse("{\"type\":\"join\",\"v\":1,\"room\":\"" + room + "\"}");
    assertEquals(room, join.room());
  }

  @ParameterizedTest
  @ValueSource(strings = {"peer one", "", "p:1", "p@host"})
  void rejectsInvalidPeerIdWithWrongTypeCode(String peer) {
    ProtocolException e = reject("{\"type\":\"join\",\"id\":\"j\",\"v\":1,\"room\":\"r\",\"peer\":\"" + peer + "\"}");
    assertEquals(ErrorCode.WRONG_TYPE, e.code());
    assertEquals("peer", e.field());
    assertEquals("j", e.ref());
    assertTrue(e.getMessage().contains(RoomNames.RULE), e.getMessage());
  }

  @Test
  void rejectsPeerIdOf65CharsWithWrongTypeCode() {
    String peer = "p".repeat(65);
    assertRejected("{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"peer\":\"" + peer + "\"}", ErrorCode.WRONG_TYPE,
        "peer", "join");
  }

  // ---- id ----

  @Test
  void rejectsIdLongerThan128CharsWithWrongTypeCode() {
    String id = "i".repeat(129);
    ProtocolException e = reject("{\"type\":\"leave\",\"id\":\"" + id + "\"}");
    assertEquals(ErrorCode.WRONG_TYPE, e.code());
    assertEquals("id", e.field());
    assertEquals("field 'id' exceeds 128 chars", e.getMessage());
  }

  @Test
  void acceptsIdOfExactly128Chars() throws Exception {
    String id = "i".repeat(128);
    assertEquals(id, parse("{\"type\":\"leave\",\"id\":\"" + id + "\"}").id());
  }

  @Test
  void rejectsNonStringIdWithWrongTypeCode() {
    ProtocolException e = reject("{\"type\":\"leave\",\"id\":5}");
    assertEquals(ErrorCode.WRONG_TYPE, e.code());
    assertEquals("id", e.field());
  }

  @Test
  void nullIdFallsBackToTypeAsRef() {
    assertEquals("offer", reject("{\"type\":\"offer\",\"id\":null,\"to\":\"p\"}").ref());
  }

  @Test
  void nullIdParsesAsAbsentId() throws Exception {
    assertNull(parse("{\"type\":\"leave\",\"id\":null}").id());
  }

  @Test
  void refEchoesIdWhenPresentAndTypeOtherwise() {
    assertEquals("abc", reject("{\"type\":\"offer\",\"id\":\"abc\",\"to\":\"p\"}").ref());
    assertEquals("offer", reject("{\"type\":\"offer\",\"to\":\"p\"}").ref());
  }

  // ---- success cases ----

  @Test
  void parsesMinimalJoin() throws Exception {
    assertEquals(new ClientMessage.Join(null, 1, "room-1", null, null, null),
        parse("{\"type\":\"join\",\"v\":1,\"room\":\"room-1\"}"));
  }

  @Test
  void parsesJoinWithTokenResumeAndPeer() throws Exception {
    ClientMessage m = parse("{\"type\":\"join\",\"id\":\"1\",\"v\":1,\"room\":\"Room_A.b-c\",\"token\":\"eyJ.x.y\","
        + "\"resume\":\"res-tok\",\"peer\":\"alice\"}");
    ClientMessage.Join join = assertInstanceOf(ClientMessage.Join.class, m);
    assertEquals(new ClientMessage.Join("1", 1, "Room_A.b-c", "eyJ.x.y", "res-tok", "alice"), join);
    assertEquals("join", join.type());
  }

  @Test
  void parsesJoinWithExplicitNullOptionals() throws Exception {
    assertEquals(new ClientMessage.Join(null, 1, "r", null, null, null),
        parse("{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"token\":null,\"resume\":null,\"peer\":null}"));
  }

  @Test
  void parsesOffer() throws Exception {
    ClientMessage m = parse("{\"type\":\"offer\",\"id\":\"o\",\"to\":\"bob\",\"sdp\":\"v=0\\r\\n\"}");
    assertEquals(new ClientMessage.Offer("o", "bob", "v=0\r\n", null), m);
    assertEquals("offer", m.type());
  }

  @Test
  void parsesAnswer() throws Exception {
    ClientMessage m = parse("{\"to\":\"alice\",\"sdp\":\"v=0\",\"type\":\"answer\"}");
    assertEquals(new ClientMessage.Answer(null, "alice", "v=0", null), m);
    assertEquals("answer", m.type());
  }

  @Test
  void parsesCandidateWithAllFields() throws Exception {
    ClientMessage m = parse("{\"type\":\"candidate\",\"id\":\"c1\",\"to\":\"bob\",\"candidate\":\"candidate:1 1 udp\","
        + "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}");
    assertEquals(new ClientMessage.Candidate("c1", "bob", "candidate:1 1 udp", "0", 0, null), m);
    assertEquals("candidate", m.type());
  }

  @Test
  void parsesCandidateWithNullCandidateAsEndOfCandidates() throws Exception {
    ClientMessage.Candidate c = (ClientMessage.Candidate) parse(
        "{\"type\":\"candidate\",\"to\":\"bob\",\"candidate\":null}");
    assertEquals(new ClientMessage.Candidate(null, "bob", null, null, null, null), c);
    assertNull(c.candidate());
  }

  @Test
  void parsesCandidateWithoutCandidateAsEndOfCandidates() throws Exception {
    assertEquals(new ClientMessage.Candidate(null, "bob", null, null, null, null),
        parse("{\"type\":\"candidate\",\"to\":\"bob\"}"));
  }

  @Test
  void parsesLeave() throws Exception {
    ClientMessage m = parse("{\"type\":\"leave\"}");
    assertEquals(new ClientMessage.Leave(null), m);
    assertEquals("leave", m.type());
    assertEquals(new ClientMessage.Leave("x"), parse("{\"type\":\"leave\",\"id\":\"x\"}"));
  }

  @Test
  void parsesPingWithTs() throws Exception {
    ClientMessage m = parse("{\"type\":\"ping\",\"id\":\"p\",\"ts\":1700000000123}");
    assertEquals(new ClientMessage.Ping("p", 1_700_000_000_123L), m);
    assertEquals("ping", m.type());
  }

  @Test
  void parsesPingWithTsAtLongLimits() throws Exception {
    assertEquals(new ClientMessage.Ping(null, Long.MAX_VALUE), parse("{\"type\":\"ping\",\"ts\":" + Long.MAX_VALUE + "}"));
    assertEquals(new ClientMessage.Ping(null, -1L), parse("{\"type\":\"ping\",\"ts\":-1}"));
  }

  @Test
  void parsesPingWithoutTs() throws Exception {
    assertEquals(new ClientMessage.Ping(null, null), parse("{\"type\":\"ping\"}"));
    assertEquals(new ClientMessage.Ping(null, null), parse("{\"type\":\"ping\",\"ts\":null}"));
  }

  @Test
  void parsesStateWithAllFields() throws Exception {
    ClientMessage m = parse("{\"type\":\"state\",\"id\":\"s\",\"to\":\"bob\",\"state\":\"connected\","
        + "\"previous\":\"connecting\",\"reason\":\"ice\",\"attempt\":3}");
    assertEquals(new ClientMessage.State("s", "bob", "connected", "connecting", "ice", 3), m);
    assertEquals("state", m.type());
  }

  @Test
  void parsesStateWithOnlyState() throws Exception {
    assertEquals(new ClientMessage.State(null, null, "failed", null, null, null),
        parse("{\"type\":\"state\",\"state\":\"failed\"}"));
  }

  @Test
  void parsesRelay() throws Exception {
    ClientMessage m = parse("{\"type\":\"relay\",\"id\":\"r\",\"to\":\"bob\",\"channel\":\"chat\",\"data\":\"aGk=\"}");
    assertEquals(new ClientMessage.Relay("r", "bob", "chat", "aGk="), m);
    assertEquals("relay", m.type());
  }

  @Test
  void toleratesWhitespaceAroundTheObject() throws Exception {
    assertEquals(new ClientMessage.Leave(null), parse("  \n{ \"type\" : \"leave\" }\n "));
  }

  @Test
  void versionConstantIsOne() {
    assertEquals(1, ClientMessageParser.VERSION);
  }

  @Test
  void offersAnswersAndCandidatesMayNameTheirConnectionGeneration() throws Exception {
    assertEquals(new ClientMessage.Offer(null, "bob", "v=0", 3),
        parse("{\"type\":\"offer\",\"to\":\"bob\",\"sdp\":\"v=0\",\"connection\":3}"));
    assertRejected("{\"type\":\"answer\",\"to\":\"bob\",\"sdp\":\"v=0\",\"connection\":\"3\"}",
        ErrorCode.WRONG_TYPE, "connection", "answer");
  }

  @Test
  void rejectsAnAddresseeThatIsNotAPeerId() {
    assertRejected("{\"type\":\"offer\",\"to\":\"\",\"sdp\":\"x\"}", ErrorCode.WRONG_TYPE, "to", "offer");
    assertRejected("{\"type\":\"relay\",\"to\":\"a b\",\"channel\":\"c\",\"data\":\"d\"}",
        ErrorCode.WRONG_TYPE, "to", "relay");
  }

  @Test
  void errorsBeforeTheTypeIsKnownStillEchoAUsableId() {
    assertRejected("{\"id\":\"abc\"}", ErrorCode.MISSING_FIELD, "type", "abc");
    assertRejected("{\"id\":\"abc\",\"type\":5}", ErrorCode.WRONG_TYPE, "type", "abc");
  }
}

package io.peermesh.shared.json;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  record Sample(String name, Integer count, List<String> tags) {}

  record Nested(Sample inner, long at) {}

  /** Jackson cannot serialise a getter that throws. */
  static final class Exploding {
    public String getValue() {
      throw new IllegalStateException("boom");
    }
  }

  /** No properties at all: written as {} because FAIL_ON_EMPTY_BEANS is off. */
  static final class Empty {}

  @Test
  void writeOmitsNullFields() {
    assertEquals("{\"name\":\"a\"}", Json.write(new Sample("a", null, null)));
  }

  @Test
  void writeAndReadRoundTripARecord() {
    Sample sample = new Sample("a", 3, List.of("x", "y"));
    String json = Json.write(sample);
    assertEquals("{\"name\":\"a\",\"count\":3,\"tags\":[\"x\",\"y\"]}", json);
    assertEquals(sample, Json.read(json, Sample.class));
  }

  @Test
  void writeBytesAndReadBytesRoundTripUtf8() throws Exception {
    Sample sample = new Sample("gr\u00fc\u00df \u2603", 1, List.of("\ud83d\ude00"));
    byte[] bytes = Json.writeBytes(sample);
    // The byte form may escape surrogate pairs where the String form does not; both denote the same document.
    assertEquals(Json.MAPPER.valueToTree(sample), Json.tree(new String(bytes, StandardCharsets.UTF_8)));
    assertEquals(sample, Json.read(bytes, Sample.class));
    assertEquals(sample, Json.read(Json.write(sample).getBytes(StandardCharsets.UTF_8), Sample.class));
  }

  @Test
  void roundTripsNestedRecords() {
    Nested nested = new Nested(new Sample("n", null, List.of()), Long.MAX_VALUE);
    assertEquals(nested, Json.read(Json.write(nested), Nested.class));
    assertEquals(nested, Json.read(Json.writeBytes(nested), Nested.class));
  }

  @Test
  void readsAbsentFieldsAsNull() {
    assertEquals(new Sample("a", null, null), Json.read("{\"name\":\"a\"}", Sample.class));
  }

  @Test
  void writesEmptyBeanAsEmptyObject() {
    assertEquals("{}", Json.write(new Empty()));
    assertEquals("{}", new String(Json.writeBytes(new Empty()), StandardCharsets.UTF_8));
  }

  @Test
  void writesMapsOmittingNullValues() {
    Map<String, Object> map = new java.util.LinkedHashMap<>();
    map.put("a", 1);
    map.put("b", null);
    assertEquals("{\"a\":1}", Json.write(map));
  }

  // ---- strictness ----

  @Test
  void readRejectsDuplicateKeys() {
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> Json.read("{\"name\":\"a\",\"name\":\"b\"}", Sample.class));
    assertInstanceOf(JsonParseException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("Duplicate field 'name'"), e.getCause().getMessage());
  }

  @Test
  void readBytesRejectsDuplicateKeys() {
    assertThrows(UncheckedIOException.class,
        () -> Json.read("{\"name\":\"a\",\"name\":\"b\"}".getBytes(StandardCharsets.UTF_8), Sample.class));
  }

  @Test
  void treeRejectsDuplicateKeysIncludingNested() {
    JsonParseException e = assertThrows(JsonParseException.class, () -> Json.tree("{\"a\":{\"b\":1,\"b\":2}}"));
    assertTrue(e.getOriginalMessage().startsWith("Duplicate field"), e.getOriginalMessage());
  }

  @Test
  void readRejectsTrailingTokens() {
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> Json.read("{\"name\":\"a\"} {\"name\":\"b\"}", Sample.class));
    assertInstanceOf(MismatchedInputException.class, e.getCause());
    assertThrows(UncheckedIOException.class,
        () -> Json.read("{\"name\":\"a\"}x".getBytes(StandardCharsets.UTF_8), Sample.class));
  }

  @Test
  void treeRejectsTrailingTokens() {
    assertThrows(JsonProcessingException.class, () -> Json.tree("{} {}"));
    assertThrows(JsonProcessingException.class, () -> Json.tree("[1] 2"));
  }

  @Test
  void readRejectsUnknownProperties() {
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> Json.read("{\"name\":\"a\",\"colour\":\"red\"}", Sample.class));
    UnrecognizedPropertyException cause = assertInstanceOf(UnrecognizedPropertyException.class, e.getCause());
    assertEquals("colour", cause.getPropertyName());
  }

  @Test
  void readRejectsWrongJsonType() {
    assertThrows(UncheckedIOException.class, () -> Json.read("{\"count\":{}}", Sample.class));
  }

  @Test
  void readFailureNamesTheTargetType() {
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Json.read("not json", Sample.class));
    assertEquals("cannot decode Sample", e.getMessage());
    UncheckedIOException bytes = assertThrows(UncheckedIOException.class,
        () -> Json.read(new byte[] {'{'}, Sample.class));
    assertEquals("cannot decode Sample", bytes.getMessage());
  }

  @Test
  void writeFailureSurfacesAsIllegalArgumentException() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.write(new Exploding()));
    assertEquals("cannot encode Exploding", e.getMessage());
    assertInstanceOf(JsonProcessingException.class, e.getCause());
  }

  @Test
  void writeBytesFailureSurfacesAsIllegalArgumentException() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Json.writeBytes(new Exploding()));
    assertEquals("cannot encode Exploding", e.getMessage());
    assertInstanceOf(JsonProcessingException.class, e.getCause());
  }

  @Test
  void treeParsesAnObject() throws Exception {
    JsonNode node = Json.tree("{\"a\":[1,2],\"b\":null}");
    assertTrue(node.isObject());
    assertEquals(2, node.get("a").size());
    assertTrue(node.get("b").isNull());
  }

  @Test
  void mapperIsConfiguredStrict() {
    assertTrue(Json.MAPPER.getFactory().isEnabled(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION));
    assertTrue(Json.MAPPER.isEnabled(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
    assertTrue(Json.MAPPER.isEnabled(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
  }

  // ---- warmUp ----

  @Test
  void warmUpRoundTripsTheSample() {
    assertDoesNotThrow(() -> Json.warmUp(new Sample("w", 1, List.of("t"))));
    assertDoesNotThrow(() -> Json.warmUp(new Nested(new Sample("w", null, null), 1)));
  }

  @Test
  void warmUpOfUnencodableSampleFails() {
    assertThrows(IllegalArgumentException.class, () -> Json.warmUp(new Exploding()));
  }

  @Test
  void mapperIsUsableAfterWarmUp() {
    Json.warmUp(new Sample("w", 1, null));
    assertNotNull(Json.read(Json.write(new Sample("x", 2, null)), Sample.class));
  }
}

package io.peermesh.shared.reconnect;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReconnectConfigTest {

  @Test
  void defaultsAreTheDocumentedConstants() {
    ReconnectConfig c = ReconnectConfig.defaults();
    assertEquals(
        new ReconnectConfig(2_000, 5_000, 0, 2, false, 2, true, 10_000, 300_000, 10_000, 250, 10_000, 2.0, 12, 120_000),
        c);
    assertEquals(Duration.ofSeconds(2), c.graceDelay());
    assertEquals(Duration.ofSeconds(5), c.iceRestartTimeout());
    assertEquals(Duration.ofSeconds(10), c.probeInterval());
    assertEquals(Duration.ofSeconds(10), c.connectTimeout());
  }

  @Test
  void mapKeysAreTheComponentNamesInOrder() {
    List<String> components = Arrays.stream(ReconnectConfig.class.getRecordComponents())
        .map(RecordComponent::getName).toList();
    assertEquals(components, ReconnectConfig.KEYS);
    assertEquals(components, List.copyOf(ReconnectConfig.defaults().toMap().keySet()));
  }

  @Test
  void mapRoundTripPreservesEveryField() {
    ReconnectConfig custom =
        new ReconnectConfig(0, 1_500, 0, 5, true, 1, false, 30_000, 30_000, 8_000, 100, 100, 1.0, 0, 60_000);
    assertEquals(custom, ReconnectConfig.fromMap(custom.toMap()));
    assertEquals(ReconnectConfig.defaults(), ReconnectConfig.fromMap(ReconnectConfig.defaults().toMap()));
  }

  @Test
  void absentKeysTakeTheirDefaults() {
    assertEquals(ReconnectConfig.defaults(), ReconnectConfig.fromMap(Map.of()));
    ReconnectConfig c = ReconnectConfig.fromMap(Map.of("relayAvailable", true, "graceDelayMs", 500));
    assertTrue(c.relayAvailable());
    assertEquals(500, c.graceDelayMs());
    assertEquals(ReconnectConfig.DEFAULT_MAX_ATTEMPTS, c.maxAttempts());
  }

  @Test
  void unknownKeysAreRejectedSoTyposDoNotFallBackToDefaults() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReconnectConfig.fromMap(Map.of("graceDelay", 500)));
    assertEquals("unknown reconnect config key: graceDelay", e.getMessage());
  }

  @Test
  void valuesAsJsonReadersProduceThemAreAccepted() {
    ReconnectConfig c = ReconnectConfig.fromMap(Map.of("graceDelayMs", 2_500L, "maxAttempts", 4.0,
        "backoffMultiplier", 3, "relayAttempts", (short) 1, "newConnectionAttempts", (byte) 3));
    assertEquals(2_500, c.graceDelayMs());
    assertEquals(4, c.maxAttempts());
    assertEquals(3.0, c.backoffMultiplier());
    assertEquals(1, c.relayAttempts());
    assertEquals(3, c.newConnectionAttempts());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
      "graceDelayMs, 2.5",
      "graceDelayMs, text",
      "maxElapsedMs, 1e30",
      "iceRestartAttempts, 3000000000",
      "iceRestartAttempts, -3000000000",
      "relayAvailable, yes",
      "backoffMultiplier, fast",
  })
  void valuesOfTheWrongTypeAreRejectedNamingTheKey(String key, String raw) {
    Map<String, Object> map = new HashMap<>();
    map.put(key, parse(raw));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReconnectConfig.fromMap(map));
    assertTrue(e.getMessage().startsWith(key + " "), e.getMessage());
  }

  @Test
  void nullValuesAreRejected() {
    Map<String, Object> map = new HashMap<>();
    map.put("probeIntervalMs", null);
    assertThrows(IllegalArgumentException.class, () -> ReconnectConfig.fromMap(map));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
      "graceDelayMs, -1",
      "iceRestartTimeoutMs, 0",
      "iceRestartAttempts, -1",
      "relayAttempts, -1",
      "newConnectionAttempts, -1",
      "probeIntervalMs, 0",
      "probeMaxIntervalMs, 9999",
      "connectTimeoutMs, 0",
      "backoffBaseMs, 0",
      "backoffCapMs, 249",
      "backoffMultiplier, 0.5",
      "backoffMultiplier, NaN",
      "backoffMultiplier, Infinity",
      "maxAttempts, -1",
      "maxElapsedMs, -1",
  })
  void invalidValuesAreRejectedNamingTheField(String key, String raw) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReconnectConfig.fromMap(Map.of(key, parse(raw))));
    assertTrue(e.getMessage().startsWith(key + " must be"), e.getMessage());
  }

  @Test
  void attemptAndTimeLimitsCannotBothBeUnlimited() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReconnectConfig.fromMap(Map.of("maxAttempts", 0, "maxElapsedMs", 0)));
    assertTrue(e.getMessage().contains("maxAttempts") && e.getMessage().contains("maxElapsedMs"), e.getMessage());
    assertDoesNotThrow(() -> ReconnectConfig.fromMap(Map.of("maxAttempts", 0)));
    assertDoesNotThrow(() -> ReconnectConfig.fromMap(Map.of("maxElapsedMs", 0)));
  }

  @Test
  void toMapIsReadOnly() {
    assertThrows(UnsupportedOperationException.class, () -> ReconnectConfig.defaults().toMap().put("x", 1));
  }

  /** CSV gives strings; turn them into the JSON-like value they stand for. */
  private static Object parse(String raw) {
    if (raw.matches("-?\\d+")) {
      return Long.parseLong(raw);
    }
    try {
      return Double.parseDouble(raw);
    } catch (NumberFormatException e) {
      return raw;
    }
  }
}

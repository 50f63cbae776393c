package io.peermesh.shared.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigOverlayTest {

  private static JsonObject base() {
    return new JsonObject()
        .put("node", new JsonObject().put("clustered", true).put("roles", new JsonArray().add("signaling")))
        .put("signaling", new JsonObject()
            .put("host", "127.0.0.1")
            .put("port", 8080)
            .put("devMode", true)
            .put("jwtHs256Secret", null)
            .put("stunUrls", new JsonArray())
            .put("turnUrls", new JsonArray().add("turn:old"))
            .put("maxFrameBytes", 65_536)
            .put("idleTimeoutMs", 15_000L)
            .put("loadFactor", 0.75));
  }

  private static JsonObject apply(Map<String, String> env, Map<String, String> sys) {
    return ConfigOverlay.apply(base(), env, sys);
  }

  private static JsonObject signaling(JsonObject result) {
    return result.getJsonObject("signaling");
  }

  @Test
  void noOverridesYieldsAnEqualCopy() {
    JsonObject base = base();
    JsonObject result = ConfigOverlay.apply(base, Map.of(), Map.of());
    assertEquals(base, result);
    assertNotSame(base, result);
  }

  @Test
  void doesNotModifyTheBase() {
    JsonObject base = base();
    ConfigOverlay.apply(base, Map.of("PEERMESH_SIGNALING_PORT", "9000"), Map.of());
    assertEquals(8080, base.getJsonObject("signaling").getInteger("port"));
  }

  @Test
  void envVariableSetsAnIntegerKey() {
    JsonObject s = signaling(apply(Map.of("PEERMESH_SIGNALING_PORT", "8081"), Map.of()));
    assertEquals(8081, s.getValue("port"));
    assertInstanceOf(Integer.class, s.getValue("port"));
  }

  @Test
  void envVariableMatchesCamelCaseKeyCaseInsensitively() {
    JsonObject s = signaling(apply(Map.of("PEERMESH_SIGNALING_MAXFRAMEBYTES", "1024"), Map.of()));
    assertEquals(1024, s.getValue("maxFrameBytes"));
    assertFalse(s.containsKey("MAXFRAMEBYTES"));
    assertFalse(s.containsKey("maxframebytes"));
  }

  @Test
  void envVariableUnderscoresInsideTheKeyAreIgnored() {
    JsonObject s = signaling(apply(Map.of("PEERMESH_SIGNALING_MAX_FRAME_BYTES", "2048"), Map.of()));
    assertEquals(2048, s.getValue("maxFrameBytes"));
  }

  @Test
  void envVariableValueIsTrimmedForNumbers() {
    assertEquals(9000, signaling(apply(Map.of("PEERMESH_SIGNALING_PORT", " 9000 "), Map.of())).getValue("port"));
  }

  @Test
  void systemPropertySetsAKeyByPath() {
    JsonObject s = signaling(apply(Map.of(), Map.of("peermesh.signaling.port", "8082")));
    assertEquals(8082, s.getValue("port"));
  }

  @Test
  void systemPropertyMatchesKeyCaseInsensitively() {
    JsonObject s = signaling(apply(Map.of(), Map.of("peermesh.Signaling.maxframebytes", "512")));
    assertEquals(512, s.getValue("maxFrameBytes"));
  }

  @Test
  void systemPropertyWinsOverEnvironment() {
    JsonObject s = signaling(apply(Map.of("PEERMESH_SIGNALING_PORT", "1111"), Map.of("peermesh.signaling.port", "2222")));
    assertEquals(2222, s.getValue("port"));
  }

  @Test
  void booleanOverrides() {
    assertEquals(false, signaling(apply(Map.of("PEERMESH_SIGNALING_DEVMODE", "false"), Map.of())).getValue("devMode"));
    assertEquals(false, signaling(apply(Map.of("PEERMESH_SIGNALING_DEVMODE", "FALSE"), Map.of())).getValue("devMode"));
    assertEquals(true, signaling(apply(Map.of(), Map.of("peermesh.signaling.devMode", "True"))).getValue("devMode"));
    assertEquals(false, apply(Map.of(), Map.of("peermesh.node.clustered", "false")).getJsonObject("node")
        .getValue("clustered"));
  }

  @Test
  void invalidBooleanIsRejectedNamingTheOrigin() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of("PEERMESH_SIGNALING_DEVMODE", "yes"), Map.of()));
    assertTrue(e.getMessage().startsWith("PEERMESH_SIGNALING_DEVMODE: cannot use 'yes'"), e.getMessage());
    assertTrue(e.getMessage().contains("true or false"), e.getMessage());
  }

  @Test
  void longOverride() {
    JsonObject s = signaling(apply(Map.of("PEERMESH_SIGNALING_IDLETIMEOUTMS", "30000000000"), Map.of()));
    assertEquals(30_000_000_000L, s.getValue("idleTimeoutMs"));
    assertInstanceOf(Long.class, s.getValue("idleTimeoutMs"));
  }

  @Test
  void doubleOverride() {
    JsonObject s = signaling(apply(Map.of(), Map.of("peermesh.signaling.loadFactor", "0.5")));
    assertEquals(0.5, s.getValue("loadFactor"));
  }

  @Test
  void arrayOverrideFromCommaList() {
    JsonObject s = signaling(apply(Map.of("PEERMESH_SIGNALING_STUNURLS", "stun:a:3478, stun:b:3478 ,stun:c"),
        Map.of()));
    assertEquals(new JsonArray().add("stun:a:3478").add("stun:b:3478").add("stun:c"), s.getJsonArray("stunUrls"));
  }

  @Test
  void arrayOverrideWithSingleValue() {
    JsonObject s = signaling(apply(Map.of(), Map.of("peermesh.signaling.turnUrls", "turn:new")));
    assertEquals(new JsonArray().add("turn:new"), s.getJsonArray("turnUrls"));
  }

  @Test
  void blankArrayOverrideClearsTheArray() {
    JsonObject s = signaling(apply(Map.of("PEERMESH_SIGNALING_TURNURLS", " "), Map.of()));
    assertEquals(new JsonArray(), s.getJsonArray("turnUrls"));
  }

  @Test
  void nullValuedKeyBecomesAString() {
    String secret = "0123456789abcdef0123456789abcdef";
    JsonObject s = signaling(apply(Map.of("PEERMESH_SIGNALING_JWTHS256SECRET", secret), Map.of()));
    assertEquals(secret, s.getValue("jwtHs256Secret"));
  }

  @Test
  void stringKeyKeepsTheValueVerbatim() {
    assertEquals(" 0.0.0.0 ", signaling(apply(Map.of("PEERMESH_SIGNALING_HOST", " 0.0.0.0 "), Map.of()))
        .getValue("host"));
  }

  @Test
  void numericLookingValueOfStringKeyStaysAString() {
    assertEquals("8080", signaling(apply(Map.of(), Map.of("peermesh.signaling.host", "8080"))).getValue("host"));
  }

  @Test
  void unknownSectionFromEnvIsRejectedNamingTheOrigin() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of("PEERMESH_SIGNALLING_PORT", "1"), Map.of()));
    assertEquals("PEERMESH_SIGNALLING_PORT: no config section 'signalling'", e.getMessage());
  }

  @Test
  void unknownKeyFromEnvIsRejectedNamingTheOrigin() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of("PEERMESH_SIGNALING_PROT", "1"), Map.of()));
    assertTrue(e.getMessage().startsWith("PEERMESH_SIGNALING_PROT: no config key"), e.getMessage());
    assertTrue(e.getMessage().contains("signaling"), e.getMessage());
  }

  @Test
  void unknownSectionFromSystemPropertyIsRejectedNamingTheOrigin() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of(), Map.of("peermesh.router.port", "1")));
    assertTrue(e.getMessage().startsWith("peermesh.router.port:"), e.getMessage());
  }

  @Test
  void unknownKeyFromSystemPropertyIsRejectedNamingTheOrigin() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of(), Map.of("peermesh.signaling.prot", "1")));
    assertEquals("peermesh.signaling.prot: no config key 'prot' in section signaling", e.getMessage());
  }

  @Test
  void badIntegerIsRejectedNamingTheOrigin() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of("PEERMESH_SIGNALING_PORT", "eighty"), Map.of()));
    assertTrue(e.getMessage().startsWith("PEERMESH_SIGNALING_PORT: cannot use 'eighty'"), e.getMessage());
    assertInstanceOf(NumberFormatException.class, e.getCause());
  }

  @Test
  void integerOverflowIsRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of(), Map.of("peermesh.signaling.port", "99999999999")));
  }

  @Test
  void badLongIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of(), Map.of("peermesh.signaling.idleTimeoutMs", "15s")));
    assertTrue(e.getMessage().startsWith("peermesh.signaling.idleTimeoutMs: cannot use '15s'"), e.getMessage());
  }

  @Test
  void badDoubleIsRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of(), Map.of("peermesh.signaling.loadFactor", "half")));
  }

  @Test
  void floatForIntegerKeyIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> apply(Map.of("PEERMESH_SIGNALING_PORT", "80.5"), Map.of()));
  }

  @Test
  void nonPeermeshEnvironmentVariablesAreIgnored() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/bin");
    env.put("SIGNALING_PORT", "1");
    env.put("peermesh_signaling_port", "2");
    env.put("XPEERMESH_SIGNALING_PORT", "3");
    env.put("PEERMESH", "4");
    env.put("PEERMESH_HOME", "/opt/peermesh");
    assertEquals(base(), apply(env, Map.of()));
  }

  @Test
  void nonPeermeshSystemPropertiesAreIgnored() {
    Map<String, String> sys = new LinkedHashMap<>();
    sys.put("java.version", "17");
    sys.put("signaling.port", "1");
    sys.put("PEERMESH.signaling.port", "2");
    sys.put("peermesh.root", "/work/main");
    sys.put("peermeshx.signaling.port", "3");
    assertEquals(base(), apply(Map.of(), sys));
  }

  @Test
  void appliesSeveralOverridesAtOnce() {
    Map<String, String> env = Map.of("PEERMESH_SIGNALING_PORT", "9001", "PEERMESH_SIGNALING_DEVMODE", "false",
        "PEERMESH_NODE_ROLES", "signaling,router");
    JsonObject result = apply(env, Map.of("peermesh.signaling.host", "0.0.0.0"));
    assertEquals(9001, signaling(result).getValue("port"));
    assertEquals(false, signaling(result).getValue("devMode"));
    assertEquals("0.0.0.0", signaling(result).getValue("host"));
    assertEquals(new JsonArray().add("signaling").add("router"), result.getJsonObject("node").getJsonArray("roles"));
  }

  @Test
  void overlayResultFeedsSignalingConfig() {
    String secret = "0123456789abcdef0123456789abcdef";
    JsonObject base = new JsonObject().put("signaling", SignalingConfig.from(new JsonObject().put("devMode", true))
        .toJson());
    JsonObject result = ConfigOverlay.apply(base,
        Map.of("PEERMESH_SIGNALING_DEVMODE", "false", "PEERMESH_SIGNALING_JWTHS256SECRET", secret),
        Map.of("peermesh.signaling.port", "8443", "peermesh.signaling.maxMessagesPerSecond", "5"));
    SignalingConfig config = SignalingConfig.from(result.getJsonObject("signaling"));
    assertFalse(config.devMode());
    assertEquals(secret, config.jwtHs256Secret());
    assertEquals(8443, config.port());
    assertEquals(5, config.maxMessagesPerSecond());
    assertNull(config.jwtIssuer());
  }
}

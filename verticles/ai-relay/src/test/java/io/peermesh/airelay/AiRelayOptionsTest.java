package io.peermesh.airelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AiRelayOptionsTest {
  @Test
  void theShippedDefaultsAreReadAsDocumented() throws Exception {
    Path conf = Path.of(System.getProperty("peermesh.root", "../.."), "conf", "peermesh.json");
    AiRelayOptions options = AiRelayOptions.from(new JsonObject(Files.readString(conf)).getJsonObject("ai"));
    assertEquals(AiRelayOptions.from(new JsonObject()), options, "conf/peermesh.json holds the code's defaults");
    assertEquals("ai-assistant", options.peer());
    assertEquals(64, options.backend().maxConnections());
  }

  @Test
  void refusesUnknownKeysBadLimitsAndAnEnabledRelayWithoutABackend() {
    String typo = assertThrows(IllegalArgumentException.class,
        () -> AiRelayOptions.from(new JsonObject().put("promptPerMinute", 5))).getMessage();
    assertTrue(typo.contains("ai.promptPerMinute"), typo);
    assertThrows(IllegalArgumentException.class, () -> AiRelayOptions.from(new JsonObject()
        .put("backend", new JsonObject().put("modle", "x"))));
    assertThrows(IllegalArgumentException.class, () -> AiRelayOptions.from(new JsonObject().put("enabled", true)));
    assertThrows(IllegalArgumentException.class, () -> AiRelayOptions.from(new JsonObject().put("maxStreams", 0)));
    assertThrows(IllegalArgumentException.class, () -> AiRelayOptions.from(new JsonObject().put("remotes", "(")));
    assertThrows(IllegalArgumentException.class, () -> AiRelayOptions.from(new JsonObject().put("tokenEnv", "T")
        .put("rooms", new JsonArray().add("a").add("b"))));
    assertEquals("http://h/v1", AiRelayOptions.from(new JsonObject().put("backend", new JsonObject()
        .put("url", "http://h/v1//"))).backend().url(), "trailing slashes dropped");
  }
}

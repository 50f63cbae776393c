package io.peermesh.shared.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ConfigKeysTest {
  private static final JsonObject DEFAULTS = new JsonObject("""
      {"node": {"roles": ["signaling"]},
       "ai": {"peer": "ai-assistant", "tokenEnv": null, "backend": {"url": null, "maxTokens": 0}}}""");

  @Test
  void aConfigWithKnownKeysOnlyPasses() {
    assertDoesNotThrow(() -> ConfigKeys.requireKnown(DEFAULTS, DEFAULTS.copy()));
    assertDoesNotThrow(() -> ConfigKeys.requireKnown(DEFAULTS, new JsonObject("""
        {"ai": {"tokenEnv": "BOT_TOKEN", "backend": {"url": "http://llm"}}}""")));
  }

  @Test
  void anUnknownSectionIsNamedWithTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigKeys.requireKnown(DEFAULTS, new JsonObject().put("supervisr", new JsonObject())));
    assertEquals("unknown config key supervisr; known sections: [ai, node]", e.getMessage());
  }

  @Test
  void anUnknownKeyIsNamedWithItsWholePathAtAnyDepth() {
    IllegalArgumentException top = assertThrows(IllegalArgumentException.class,
        () -> ConfigKeys.requireKnown(DEFAULTS, new JsonObject("{\"node\": {\"role\": []}}")));
    assertEquals("unknown config key node.role; known in node: [roles]", top.getMessage());
    IllegalArgumentException deep = assertThrows(IllegalArgumentException.class,
        () -> ConfigKeys.requireKnown(DEFAULTS, new JsonObject("{\"ai\": {\"backend\": {\"maxToken\": 5}}}")));
    assertEquals("unknown config key ai.backend.maxToken; known in ai.backend: [maxTokens, url]", deep.getMessage());
  }

  @Test
  void aSectionGivenAsAValueIsAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigKeys.requireKnown(DEFAULTS, new JsonObject("{\"ai\": {\"backend\": \"http://llm\"}}")));
    assertEquals("config key ai.backend must be a section (an object)", e.getMessage());
  }
}

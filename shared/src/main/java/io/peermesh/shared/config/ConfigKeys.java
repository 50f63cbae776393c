package io.peermesh.shared.config;

import io.vertx.core.json.JsonObject;
import java.util.TreeSet;

/**
 * Checks a whole config against the documented one (conf/peermesh.json): every section and key must be one
 * the defaults hold, so a typo anywhere is an error instead of a silent fall-back to a default.
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  /**
   * Fails on the first key of {@code config} that {@code defaults} does not have, at any depth. A key whose
   * default is a section must be a section too; below a key whose default is anything else (null included,
   * as for optional strings) nothing is checked here: the section's own parser checks types and values.
   *
   * @throws IllegalArgumentException naming the key's full path and the keys known at that level
   */
  public static void requireKnown(JsonObject defaults, JsonObject config) {
    check("", defaults, config);
  }

  private static void check(String path, JsonObject defaults, JsonObject config) {
    for (String key : config.fieldNames()) {
      String full = path.isEmpty() ? key : path + "." + key;
      if (!defaults.containsKey(key)) {
        throw new IllegalArgumentException("unknown config key " + full + "; known"
            + (path.isEmpty() ? " sections" : " in " + path) + ": " + new TreeSet<>(defaults.fieldNames()));
      }
      if (defaults.getValue(key) instanceof JsonObject section) {
        if (!(config.getValue(key) instanceof JsonObject given)) {
          throw new IllegalArgumentException("config key " + full + " must be a section (an object)");
        }
        check(full, section, given);
      }
    }
  }
}

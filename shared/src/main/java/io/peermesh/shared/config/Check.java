package io.peermesh.shared.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** Validation helpers for config records: each failure names the key. */
final class Check {
  private Check() {}

  static void positive(String key, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(key + " must be positive, was " + value);
    }
  }

  static void range(String key, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], was " + value);
    }
  }

  static void onlyKeys(String section, JsonObject json, String... keys) {
    Set<String> allowed = Set.of(keys);
    for (String key : json.fieldNames()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException("unknown config key " + section + "." + key);
      }
    }
  }
}

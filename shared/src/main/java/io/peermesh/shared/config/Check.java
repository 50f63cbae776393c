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

  /** An integer key: absent gives the default; null, fractions, other types and overflow name the key. */
  static int intValue(JsonObject json, String key, int defaultValue) {
    long value = longValue(json, key, defaultValue);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + " is out of the integer range: " + value);
    }
    return (int) value;
  }

  static long longValue(JsonObject json, String key, long defaultValue) {
    if (!json.containsKey(key)) {
      return defaultValue;
    }
    Object value = json.getValue(key);
    if (!(value instanceof Number number)) {
      throw new IllegalArgumentException(key + " must be an integer, was " + describe(value));
    }
    java.math.BigDecimal exact = new java.math.BigDecimal(number.toString());
    try {
      return exact.longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(key + " must be an integer in range, was " + number, e);
    }
  }

  static boolean boolValue(JsonObject json, String key, boolean defaultValue) {
    if (!json.containsKey(key)) {
      return defaultValue;
    }
    if (!(json.getValue(key) instanceof Boolean b)) {
      throw new IllegalArgumentException(key + " must be true or false, was " + describe(json.getValue(key)));
    }
    return b;
  }

  /** A string key; absent and null both mean "not set". */
  static String stringValue(JsonObject json, String key, String defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return json.containsKey(key) ? null : defaultValue;
    }
    if (!(value instanceof String s)) {
      throw new IllegalArgumentException(key + " must be a string, was " + describe(value));
    }
    return s;
  }

  static java.util.List<String> stringList(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return java.util.List.of();
    }
    if (!(value instanceof io.vertx.core.json.JsonArray array)) {
      throw new IllegalArgumentException(key + " must be an array of strings, was " + describe(value));
    }
    java.util.List<String> out = new java.util.ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof String s)) {
        throw new IllegalArgumentException(key + " must be an array of strings, has " + describe(item));
      }
      out.add(s);
    }
    return out;
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName() + " " + value;
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

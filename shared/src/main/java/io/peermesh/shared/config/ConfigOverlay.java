package io.peermesh.shared.config;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;

/**
 * Applies overrides on top of the file config. System properties name a key by path
 * ({@code peermesh.signaling.port=8081}); environment variables use upper case and underscores
 * ({@code PEERMESH_SIGNALING_PORT=8081}) and match the existing key case-insensitively, so camelCase keys
 * work too ({@code PEERMESH_SIGNALING_MAXFRAMEBYTES}). Values are converted to the type of the default.
 */
public final class ConfigOverlay {
  private ConfigOverlay() {}

  public static JsonObject apply(JsonObject base, Map<String, String> env, Map<String, String> sysProps) {
    JsonObject result = base.copy();
    env.forEach((name, value) -> {
      if (name.startsWith("PEERMESH_")) {
        String[] parts = name.substring("PEERMESH_".length()).split("_", 2);
        if (parts.length == 2) {
          set(result, parts[0], parts[1].replace("_", ""), value, name);
        }
      }
    });
    sysProps.forEach((name, value) -> {
      if (name.startsWith("peermesh.")) {
        String[] parts = name.substring("peermesh.".length()).split("\\.", 2);
        if (parts.length == 2) {
          set(result, parts[0], parts[1], value, name);
        }
      }
    });
    return result;
  }

  private static void set(JsonObject root, String sectionName, String keyName, String value, String origin) {
    String section = match(root, sectionName);
    if (section == null) {
      throw new IllegalArgumentException(origin + ": no config section '" + sectionName.toLowerCase(Locale.ROOT)
          + "'");
    }
    if (!(root.getValue(section) instanceof JsonObject target)) {
      throw new IllegalArgumentException(origin + ": '" + section + "' is not a config section");
    }
    String key = match(target, keyName);
    if (key == null) {
      throw new IllegalArgumentException(origin + ": no config key '" + keyName + "' in section " + section);
    }
    Object current = target.getValue(key);
    if (current instanceof JsonObject) {
      throw new IllegalArgumentException(origin + ": '" + key + "' is a section; override its keys one by one");
    }
    target.put(key, convert(current, value, origin));
  }

  private static String match(JsonObject object, String name) {
    for (String key : object.fieldNames()) {
      if (key.equalsIgnoreCase(name)) {
        return key;
      }
    }
    return null;
  }

  private static Object convert(Object current, String value, String origin) {
    try {
      if (current instanceof Boolean) {
        String trimmed = value.trim();
        if (!trimmed.equalsIgnoreCase("true") && !trimmed.equalsIgnoreCase("false")) {
          throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(trimmed);
      }
      if (current instanceof Integer) {
        return Integer.parseInt(value.trim());
      }
      if (current instanceof Long) {
        return Long.parseLong(value.trim());
      }
      if (current instanceof Double || current instanceof Float) {
        return Double.parseDouble(value.trim());
      }
      if (current instanceof io.vertx.core.json.JsonArray) {
        return value.isBlank() ? new io.vertx.core.json.JsonArray()
            : new io.vertx.core.json.JsonArray(java.util.Arrays.stream(value.split(",")).map(String::trim).toList());
      }
      return value;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(origin + ": cannot use '" + value + "': " + e.getMessage(), e);
    }
  }
}

package io.peermesh.shared.protocol;

import java.util.regex.Pattern;

/** Room names and peer ids share one rule so they are safe inside event-bus addresses and map keys. */
public final class RoomNames {
  public static final String RULE = "1 to 64 characters of letters, digits, '.', '_' or '-'";
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private RoomNames() {}

  public static boolean isValid(String name) {
    return name != null && VALID.matcher(name).matches();
  }
}

package io.peermesh.supervisor.rtc;

/** The node refuses a new connection: it is at the capacity it can hold without harming the ones it has. */
public final class CapacityException extends Exception {
  public CapacityException(String message) {
    super(message, null, false, false);
  }
}

package io.peermesh.shared.reconnect;

/**
 * An event arrived in a state where the transition table does not allow it. This always means a bug in
 * the caller's wiring, so it is thrown rather than ignored (stale events are not illegal; they are
 * dropped).
 */
public final class IllegalTransitionException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final ConnectionState state;
  // Records are not Serializable; the message keeps the information if the exception is serialised.
  private final transient ConnectionEvent event;

  public IllegalTransitionException(ConnectionState state, ConnectionEvent event, String detail) {
    super("illegal event " + event + " in state " + state + (detail == null ? "" : ": " + detail));
    this.state = state;
    this.event = event;
  }

  /** The state the machine was in (unchanged). */
  public ConnectionState state() {
    return state;
  }

  /** The rejected event. */
  public ConnectionEvent event() {
    return event;
  }
}

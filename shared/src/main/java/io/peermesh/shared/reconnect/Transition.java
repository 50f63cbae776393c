package io.peermesh.shared.reconnect;

import java.util.List;
import java.util.Objects;

/**
 * The visible result of one event: the state before and after, the effects to execute in order, and
 * whether the event was dropped as stale.
 *
 * @param from state before the event
 * @param to state after the event (equal to {@code from} for stale events and in-state steps)
 * @param effects what the caller must do, in order
 * @param stale true when the event belonged to a superseded attempt id and was ignored
 */
public record Transition(ConnectionState from, ConnectionState to, List<Effect> effects, boolean stale) {

  public Transition {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    effects = List.copyOf(effects);
    if (stale && (from != to || !effects.isEmpty())) {
      throw new IllegalArgumentException("a stale transition keeps its state and has no effects");
    }
  }

  /** A dropped event from an older attempt. */
  public static Transition stale(ConnectionState state) {
    return new Transition(state, state, List.of(), true);
  }

  /** A legal event that needs nothing done (for example a second Close). */
  public static Transition noop(ConnectionState state) {
    return new Transition(state, state, List.of(), false);
  }

  /** True when the state changed; only these transitions are reported to listeners. */
  public boolean changed() {
    return from != to;
  }
}

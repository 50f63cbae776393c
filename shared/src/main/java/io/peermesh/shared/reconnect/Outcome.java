package io.peermesh.shared.reconnect;

import java.util.List;
import java.util.Objects;

/**
 * Result of {@link ReconnectStateMachine#apply}: the machine's next data plus what happened.
 *
 * @param state the machine's state after the event (the same object when nothing changed)
 * @param transition from/to, effects to execute in order, stale flag
 */
public record Outcome(MachineState state, Transition transition) {

  public Outcome {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(transition, "transition");
    if (state.state() != transition.to()) {
      throw new IllegalArgumentException("transition ends in " + transition.to() + " but state is " + state.state());
    }
  }

  /** Shortcut for {@code transition().effects()}. */
  public List<Effect> effects() {
    return transition.effects();
  }
}

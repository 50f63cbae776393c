package io.peermesh.shared.reconnect;

/** Observer of state changes made through a {@link ReconnectController} (status broadcast, metrics, logs). */
@FunctionalInterface
public interface TransitionListener {

  /**
   * Called after the controller has moved to {@code state}, only when the state actually changed. The
   * caller of {@link ReconnectController#fire} executes the effects; listeners should only observe.
   */
  void onTransition(Transition transition, MachineState state);
}

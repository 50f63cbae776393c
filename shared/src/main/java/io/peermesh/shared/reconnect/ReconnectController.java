package io.peermesh.shared.reconnect;

import io.peermesh.shared.reconnect.ConnectionEvent.AttemptFailed;
import io.peermesh.shared.reconnect.ConnectionEvent.Connected;
import io.peermesh.shared.reconnect.ConnectionEvent.TransportLost;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Mutable holder around the pure {@link ReconnectStateMachine}: keeps the current {@link MachineState},
 * stamps events with the injected {@link Clock}, and tells listeners about state changes.
 *
 * <p>Not thread-safe: confine each controller to one Vert.x context (its event loop) and hop onto that
 * context before calling it from WebRTC callbacks. The caller executes the returned effects in order.
 */
public final class ReconnectController {
  private static final System.Logger LOG = System.getLogger(ReconnectController.class.getName());

  private final ReconnectStateMachine machine;
  private final Clock clock;
  private final List<TransitionListener> listeners = new ArrayList<>();
  private MachineState current;

  public ReconnectController(ReconnectStateMachine machine, Clock clock) {
    this.machine = Objects.requireNonNull(machine, "machine");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.current = machine.initial();
  }

  /** A controller with a policy built from {@code config}. */
  public static ReconnectController create(ReconnectConfig config, Clock clock, RandomGenerator random) {
    return new ReconnectController(new ReconnectStateMachine(config, new BackoffPolicy(config, random)), clock);
  }

  public MachineState snapshot() {
    return current;
  }

  public ConnectionState state() {
    return current.state();
  }

  /** The current attempt id, for events the caller builds itself. */
  public long attempt() {
    return current.attempt();
  }

  /**
   * Applies {@code event} at {@code clock.instant()}, stores the result and, if the state changed, notifies
   * the listeners (after storing, so a listener sees and may drive the new state).
   *
   * @return the outcome, whose effects the caller must execute
   * @throws IllegalTransitionException when the event is illegal; the state is then unchanged
   */
  public Outcome fire(ConnectionEvent event) {
    Outcome outcome = machine.apply(current, event, clock.instant());
    current = outcome.state();
    if (outcome.transition().changed()) {
      notifyListeners(outcome);
    }
    return outcome;
  }

  /**
   * The live peer connection reports connected: fires {@link Connected} with the current id where the
   * table accepts it, and ignores it elsewhere (for example a duplicate callback while CONNECTED).
   */
  public Outcome transportUp() {
    if (ReconnectStateMachine.isLegal(current.state(), Connected.class)) {
      return fire(new Connected(current.attempt()));
    }
    return ignored();
  }

  /**
   * The live peer connection reports disconnected or failed: {@link TransportLost} when CONNECTED (or
   * already DISCONNECTED), {@link AttemptFailed} when an attempt or probe is in flight, ignored otherwise
   * (BACKOFF and DEGRADED already know the transport is down).
   */
  public Outcome transportDown(String reason) {
    Objects.requireNonNull(reason, "reason");
    ConnectionState state = current.state();
    if (state == ConnectionState.CONNECTED || state == ConnectionState.DISCONNECTED) {
      return fire(new TransportLost(reason));
    }
    if (current.attemptInFlight()) {
      return fire(new AttemptFailed(current.attempt(), reason));
    }
    return ignored();
  }

  public void addListener(TransitionListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public boolean removeListener(TransitionListener listener) {
    return listeners.remove(listener);
  }

  private Outcome ignored() {
    return new Outcome(current, Transition.noop(current.state()));
  }

  private void notifyListeners(Outcome outcome) {
    // Copy: a listener may add or remove listeners while being notified.
    for (TransitionListener listener : List.copyOf(listeners)) {
      try {
        listener.onTransition(outcome.transition(), outcome.state());
      } catch (RuntimeException e) {
        // A broken observer must not stop the others nor keep the caller from executing the effects.
        LOG.log(System.Logger.Level.WARNING, "transition listener failed on " + outcome.transition(), e);
      }
    }
  }
}

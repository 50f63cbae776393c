package io.peermesh.shared.reconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Test harness around the pure machine: keeps the state and a virtual "now", and checks the invariants
 * that must hold for every transition, so each test only states what is specific to it.
 */
final class Driver {
  static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  final ReconnectStateMachine machine;
  MachineState state;
  Instant now = T0;
  Outcome last;

  Driver(ReconnectConfig config, double... randomValues) {
    this.machine = new ReconnectStateMachine(config, new BackoffPolicy(config, new FixedRandom(randomValues)));
    this.state = machine.initial();
  }

  /**
   * Defaults with some keys overridden; the random source always returns 0.5. The ladder under test has all
   * its rungs: 3 ICE restarts unless overridden (the product's default is none, see ReconnectConfig).
   */
  static Driver with(Map<String, ?> overrides) {
    return new Driver(ReconnectConfig.fromMap(withIceRestarts(overrides)), 0.5);
  }

  static Map<String, Object> withIceRestarts(Map<String, ?> overrides) {
    Map<String, Object> config = new java.util.HashMap<>(Map.of("iceRestartAttempts", 3));
    config.putAll(overrides);
    return config;
  }

  Outcome fire(ConnectionEvent event) {
    MachineState before = state;
    last = machine.apply(state, event, now);
    Invariants.check(before, last);
    state = last.state();
    return last;
  }

  void advance(Duration duration) {
    now = now.plus(duration);
  }

  /** The single timer the last transition armed. */
  Effect.ScheduleTimer timer() {
    List<Effect.ScheduleTimer> timers = last.effects().stream()
        .filter(Effect.ScheduleTimer.class::isInstance).map(Effect.ScheduleTimer.class::cast).toList();
    assertEquals(1, timers.size(), () -> "expected exactly one timer in " + last.effects());
    return timers.get(0);
  }

  /** Lets the pending timer run out and feeds its event back. */
  Outcome expire(TimerKind expected) {
    Effect.ScheduleTimer timer = timer();
    assertEquals(expected, timer.kind(), () -> "pending timer in " + last.effects());
    advance(timer.delay());
    return fire(timer.firedEvent());
  }

  Outcome fail(String reason) {
    return fire(new ConnectionEvent.AttemptFailed(state.attempt(), reason));
  }

  Outcome connected() {
    return fire(new ConnectionEvent.Connected(state.attempt()));
  }

  Outcome lose() {
    return fire(new ConnectionEvent.TransportLost("ice disconnected"));
  }

  /** Start then Connected. */
  Driver connectedAtT0() {
    fire(new ConnectionEvent.Start());
    connected();
    assertTrue(state.state() == ConnectionState.CONNECTED);
    return this;
  }

  ConnectionState current() {
    return state.state();
  }
}

package io.peermesh.shared.reconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.reconnect.ConnectionEvent.AttemptFailed;
import io.peermesh.shared.reconnect.ConnectionEvent.AttemptTimedOut;
import io.peermesh.shared.reconnect.ConnectionEvent.Close;
import io.peermesh.shared.reconnect.ConnectionEvent.Connected;
import io.peermesh.shared.reconnect.ConnectionEvent.GraceExpired;
import io.peermesh.shared.reconnect.ConnectionEvent.ProbeDue;
import io.peermesh.shared.reconnect.ConnectionEvent.ProbeSucceeded;
import io.peermesh.shared.reconnect.ConnectionEvent.RetryDue;
import io.peermesh.shared.reconnect.ConnectionEvent.TransportLost;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Validation and helpers of the small records and enums. */
class ValueTypesTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  @Test
  void eventsRejectNegativeIdsAndNullReasons() {
    assertThrows(IllegalArgumentException.class, () -> new Connected(-1));
    assertThrows(IllegalArgumentException.class, () -> new AttemptFailed(-1, "x"));
    assertThrows(IllegalArgumentException.class, () -> new GraceExpired(-1));
    assertThrows(IllegalArgumentException.class, () -> new RetryDue(-1));
    assertThrows(IllegalArgumentException.class, () -> new AttemptTimedOut(-1));
    assertThrows(IllegalArgumentException.class, () -> new ProbeDue(-1));
    assertThrows(IllegalArgumentException.class, () -> new ProbeSucceeded(-1));
    assertThrows(NullPointerException.class, () -> new AttemptFailed(1, null));
    assertThrows(NullPointerException.class, () -> new TransportLost(null));
    assertThrows(NullPointerException.class, () -> new Close(null));
  }

  @Test
  void eachTimerKindFiresItsOwnEventWithTheArmedId() {
    assertEquals(new GraceExpired(7), TimerKind.GRACE.eventFor(7));
    assertEquals(new RetryDue(7), TimerKind.RETRY.eventFor(7));
    assertEquals(new AttemptTimedOut(7), TimerKind.ATTEMPT_TIMEOUT.eventFor(7));
    assertEquals(new ProbeDue(7), TimerKind.PROBE.eventFor(7));
    assertEquals(new ProbeDue(3), new Effect.ScheduleTimer(TimerKind.PROBE, 3, Duration.ofSeconds(1)).firedEvent());
  }

  @Test
  void effectsRejectMissingOrNegativeValues() {
    assertThrows(IllegalArgumentException.class,
        () -> new Effect.ScheduleTimer(TimerKind.RETRY, 1, Duration.ofMillis(-1)));
    assertThrows(NullPointerException.class, () -> new Effect.ScheduleTimer(null, 1, Duration.ZERO));
    assertThrows(NullPointerException.class, () -> new Effect.ScheduleTimer(TimerKind.RETRY, 1, null));
    assertThrows(NullPointerException.class,
        () -> new Effect.EmitStatus(null, ConnectionState.CLOSED, "x", 1));
    assertThrows(NullPointerException.class,
        () -> new Effect.EmitStatus(ConnectionState.IDLE, null, "x", 1));
    assertThrows(NullPointerException.class,
        () -> new Effect.EmitStatus(ConnectionState.IDLE, ConnectionState.CLOSED, null, 1));
    assertThrows(NullPointerException.class, () -> new Effect.Fail(null));
  }

  @Test
  void transitionsCopyTheirEffectsAndStaleOnesCannotCarryAnyChange() {
    List<Effect> effects = new ArrayList<>(List.of(new Effect.CancelTimers()));
    Transition t = new Transition(ConnectionState.CONNECTED, ConnectionState.CLOSED, effects, false);
    effects.clear();
    assertEquals(1, t.effects().size());
    assertTrue(t.changed());
    assertThrows(IllegalArgumentException.class,
        () -> new Transition(ConnectionState.CONNECTED, ConnectionState.CLOSED, List.of(), true));
    assertThrows(IllegalArgumentException.class,
        () -> new Transition(ConnectionState.CONNECTED, ConnectionState.CONNECTED, List.of(new Effect.LeaveDegraded()),
            true));
    assertThrows(NullPointerException.class, () -> new Transition(null, ConnectionState.IDLE, List.of(), false));
    assertThrows(NullPointerException.class, () -> new Transition(ConnectionState.IDLE, null, List.of(), false));
    assertTrue(Transition.stale(ConnectionState.BACKOFF).stale());
  }

  @Test
  void outcomeMustEndInTheStateItCarries() {
    assertThrows(IllegalArgumentException.class,
        () -> new Outcome(MachineState.idle(), Transition.noop(ConnectionState.CLOSED)));
    assertThrows(NullPointerException.class, () -> new Outcome(null, Transition.noop(ConnectionState.IDLE)));
    assertThrows(NullPointerException.class, () -> new Outcome(MachineState.idle(), null));
  }

  @Test
  void machineStateRejectsInconsistentData() {
    assertThrows(IllegalArgumentException.class,
        () -> new MachineState(ConnectionState.BACKOFF, 1, 0, T0, LadderStep.ICE_RESTART, 0, true, "x"));
    assertThrows(IllegalArgumentException.class,
        () -> new MachineState(ConnectionState.IDLE, -1, 0, null, LadderStep.NONE, 0, false, "x"));
    assertThrows(IllegalArgumentException.class,
        () -> new MachineState(ConnectionState.IDLE, 0, -1, null, LadderStep.NONE, 0, false, "x"));
    assertThrows(IllegalArgumentException.class,
        () -> new MachineState(ConnectionState.IDLE, 0, 0, null, LadderStep.NONE, -1, false, "x"));
    assertThrows(NullPointerException.class,
        () -> new MachineState(null, 0, 0, null, LadderStep.NONE, 0, false, "x"));
    assertThrows(NullPointerException.class,
        () -> new MachineState(ConnectionState.IDLE, 0, 0, null, null, 0, false, "x"));
    assertThrows(NullPointerException.class,
        () -> new MachineState(ConnectionState.IDLE, 0, 0, null, LadderStep.NONE, 0, false, null));
  }

  @Test
  void recoveryElapsedIsEmptyWithoutRecoveryAndNeverNegative() {
    assertEquals(Optional.empty(), MachineState.idle().recoveryElapsed(T0));
    MachineState recovering =
        new MachineState(ConnectionState.BACKOFF, 4, 1, T0, LadderStep.ICE_RESTART, 1, false, "x");
    assertEquals(Optional.of(Duration.ofSeconds(3)), recovering.recoveryElapsed(T0.plusSeconds(3)));
    assertEquals(Optional.of(Duration.ZERO), recovering.recoveryElapsed(T0.minusSeconds(3)), "clock stepped back");
  }

  @Test
  void attemptInFlightMeansAnAttemptStateOrARunningProbe() {
    for (ConnectionState state : ConnectionState.values()) {
      MachineState s = new MachineState(state, 1, 0, null, LadderStep.NONE, 0, false, "x");
      boolean expected = switch (state) {
        case CONNECTING, ICE_RESTARTING, RELAY_ONLY, RECONNECTING -> true;
        default -> false;
      };
      assertEquals(expected, s.attemptInFlight(), state.name());
    }
    assertTrue(new MachineState(ConnectionState.DEGRADED, 1, 0, null, LadderStep.DEGRADED, 1, true, "x")
        .attemptInFlight());
  }

  @Test
  void illegalTransitionExceptionKeepsStateAndEvent() {
    Close close = new Close("x");
    IllegalTransitionException e = new IllegalTransitionException(ConnectionState.IDLE, close, null);
    assertSame(close, e.event());
    assertEquals("illegal event Close[reason=x] in state IDLE", e.getMessage());
  }

  @Test
  void machineRejectsNullArguments() {
    ReconnectStateMachine machine = new ReconnectStateMachine(ReconnectConfig.defaults(),
        new BackoffPolicy(ReconnectConfig.defaults(), new FixedRandom(0.5)));
    assertThrows(NullPointerException.class, () -> machine.apply(null, new Close("x"), T0));
    assertThrows(NullPointerException.class, () -> machine.apply(MachineState.idle(), null, T0));
    assertThrows(NullPointerException.class, () -> machine.apply(MachineState.idle(), new Close("x"), null));
    assertThrows(NullPointerException.class, () -> new ReconnectStateMachine(null, null));
    assertThrows(NullPointerException.class, () -> new ReconnectStateMachine(ReconnectConfig.defaults(), null));
    assertThrows(NullPointerException.class, () -> new ReconnectController(machine, null));
    assertThrows(NullPointerException.class, () -> new ReconnectController(null, Clock.systemUTC()));
  }
}

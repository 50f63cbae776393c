package io.peermesh.shared.reconnect;

import static io.peermesh.shared.reconnect.ConnectionState.BACKOFF;
import static io.peermesh.shared.reconnect.ConnectionState.CONNECTED;
import static io.peermesh.shared.reconnect.ConnectionState.CONNECTING;
import static io.peermesh.shared.reconnect.ConnectionState.DEGRADED;
import static io.peermesh.shared.reconnect.ConnectionState.DISCONNECTED;
import static io.peermesh.shared.reconnect.ConnectionState.FAILED;
import static io.peermesh.shared.reconnect.ConnectionState.ICE_RESTARTING;
import static io.peermesh.shared.reconnect.ConnectionState.IDLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.reconnect.ConnectionEvent.Close;
import io.peermesh.shared.reconnect.ConnectionEvent.GraceExpired;
import io.peermesh.shared.reconnect.ConnectionEvent.Start;
import io.peermesh.shared.reconnect.ConnectionEvent.TransportLost;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconnectControllerTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  private final MutableClock clock = new MutableClock(T0);
  private final List<String> seen = new ArrayList<>();

  private ReconnectController controller(Map<String, ?> config) {
    ReconnectController c = ReconnectController.create(ReconnectConfig.fromMap(Driver.withIceRestarts(config)), clock,
        new FixedRandom(0.5));
    c.addListener((transition, state) -> seen.add(transition.from() + ">" + transition.to() + "@" + state.attempt()));
    return c;
  }

  /** Fires the event the pending timer would produce, after letting its delay pass on the clock. */
  private Outcome expire(ReconnectController c, Outcome last) {
    Effect.ScheduleTimer timer = last.effects().stream().filter(Effect.ScheduleTimer.class::isInstance)
        .map(Effect.ScheduleTimer.class::cast).findFirst().orElseThrow();
    clock.advance(timer.delay());
    return c.fire(timer.firedEvent());
  }

  @Test
  void listenersHearOnlyRealStateChanges() {
    ReconnectController c = controller(Map.of("iceRestartAttempts", 0, "newConnectionAttempts", 0));
    c.fire(new Start());
    c.transportUp();
    Outcome lost = c.fire(new TransportLost("ice disconnected"));
    c.fire(new TransportLost("ice failed"));                  // legal no-op
    c.fire(new GraceExpired(lost.state().attempt() - 1));     // stale
    Outcome degraded = expire(c, lost);
    Outcome probe = expire(c, degraded);                      // probe starts, still DEGRADED
    assertFalse(probe.transition().changed());
    assertEquals(List.of("IDLE>CONNECTING@1", "CONNECTING>CONNECTED@2", "CONNECTED>DISCONNECTED@3",
        "DISCONNECTED>DEGRADED@4"), seen);
  }

  @Test
  void usesTheInjectedClockForRecoveryStartAndTheElapsedTimeStopRule() {
    ReconnectController c = controller(Map.of("maxAttempts", 0, "maxElapsedMs", 10_000));
    c.fire(new Start());
    c.transportUp();
    clock.advance(Duration.ofMinutes(1));
    Outcome last = c.transportDown("ice disconnected");
    assertEquals(T0.plusSeconds(60), c.snapshot().recoveryStartedAt());
    last = expire(c, last);                // grace: +2 s, ICE restart
    last = expire(c, last);                // timeout: +5 s, backoff
    assertEquals(BACKOFF, c.state());
    last = expire(c, last);                // +0.125 s, ICE restart
    expire(c, last);                       // +5 s: 12.1 s since the loss
    assertEquals(FAILED, c.state());
    assertEquals("gave up after 2 attempts in 12.1s (maxElapsedMs=10000)", c.snapshot().lastReason());
  }

  @Test
  void fixedClockStampsTheFirstConnect() {
    ReconnectController c = new ReconnectController(
        new ReconnectStateMachine(ReconnectConfig.defaults(), new BackoffPolicy(ReconnectConfig.defaults(),
            new FixedRandom(0.5))), Clock.fixed(T0.plusSeconds(7), ZoneOffset.UTC));
    c.fire(new Start());
    assertEquals(T0.plusSeconds(7), c.snapshot().recoveryStartedAt());
    assertEquals(1, c.attempt());
  }

  @Test
  void transportUpFiresConnectedWhereTheTableAllowsItAndIsIgnoredElsewhere() {
    ReconnectController c = controller(Map.of());
    assertIgnored(c, c.transportUp(), IDLE);
    c.fire(new Start());
    assertEquals(CONNECTED, c.transportUp().state().state());
    assertIgnored(c, c.transportUp(), CONNECTED);
    c.transportDown("ice disconnected");
    assertEquals(CONNECTED, c.transportUp().state().state(), "recovered during the grace period");
  }

  @Test
  void transportDownMapsToLossWhenConnectedAndToAttemptFailureWhenAnAttemptRuns() {
    ReconnectController c = controller(Map.of());
    assertIgnored(c, c.transportDown("x"), IDLE);
    c.fire(new Start());
    assertEquals(BACKOFF, c.transportDown("ice failed").state().state(), "first connect failed");
    assertIgnored(c, c.transportDown("ice failed again"), BACKOFF);
    assertEquals(CONNECTED, c.transportUp().state().state(), "the old connection came back while backing off");
    assertEquals(DISCONNECTED, c.transportDown("ice disconnected").state().state());
    assertTrue(c.transportDown("ice failed").effects().isEmpty(), "already disconnected");
    assertEquals(ICE_RESTARTING, c.fire(new GraceExpired(c.attempt())).state().state());
    assertEquals(BACKOFF, c.transportDown("restart failed").state().state());
  }

  @Test
  void transportDownDuringADegradedProbeFailsTheProbe() {
    ReconnectController c = controller(Map.of("iceRestartAttempts", 0, "newConnectionAttempts", 0));
    c.fire(new Start());
    Outcome degraded = c.transportDown("no route");
    assertEquals(DEGRADED, c.state());
    assertIgnored(c, c.transportDown("nothing to fail"), DEGRADED);
    expire(c, degraded);
    assertTrue(c.snapshot().probeInFlight());
    c.transportDown("probe failed");
    assertFalse(c.snapshot().probeInFlight());
    assertEquals("probe failed", c.snapshot().lastReason());
  }

  @Test
  void illegalEventsThrowAndLeaveTheStateUnchanged() {
    ReconnectController c = controller(Map.of());
    MachineState before = c.snapshot();
    assertThrows(IllegalTransitionException.class, () -> c.fire(new TransportLost("x")));
    assertSame(before, c.snapshot());
    assertTrue(seen.isEmpty());
  }

  @Test
  void aThrowingListenerDoesNotStopTheOthersNorLoseTheEffects() {
    ReconnectController c = controller(Map.of());
    List<ConnectionState> later = new ArrayList<>();
    c.addListener((transition, state) -> {
      throw new IllegalStateException("broken observer");
    });
    c.addListener((transition, state) -> later.add(state.state()));
    Outcome outcome = c.fire(new Start());
    assertEquals(List.of(CONNECTING), later);
    assertEquals(3, outcome.effects().size());
    assertEquals(CONNECTING, c.state());
  }

  @Test
  void listenersCanBeRemovedAndMayChangeTheListWhileBeingNotified() {
    ReconnectController c = controller(Map.of());
    List<ConnectionState> late = new ArrayList<>();
    TransitionListener adder = new TransitionListener() {
      @Override
      public void onTransition(Transition transition, MachineState state) {
        c.removeListener(this);
        c.addListener((t, s) -> late.add(s.state()));
      }
    };
    c.addListener(adder);
    c.fire(new Start());
    assertTrue(late.isEmpty(), "a listener added during a notification waits for the next change");
    c.transportUp();
    assertEquals(List.of(CONNECTED), late);
    assertFalse(c.removeListener(adder));
    assertThrows(NullPointerException.class, () -> c.addListener(null));
  }

  @Test
  void listenersMayDriveTheControllerFromANotification() {
    ReconnectController c = controller(Map.of());
    c.addListener((transition, state) -> {
      if (transition.to() == CONNECTING) {
        c.fire(new Close("shutting down"));
      }
    });
    c.fire(new Start());
    assertEquals(ConnectionState.CLOSED, c.state());
  }

  private static void assertIgnored(ReconnectController c, Outcome outcome, ConnectionState state) {
    assertEquals(state, c.state());
    assertSame(c.snapshot(), outcome.state());
    assertTrue(outcome.effects().isEmpty());
    assertFalse(outcome.transition().changed() || outcome.transition().stale());
  }
}

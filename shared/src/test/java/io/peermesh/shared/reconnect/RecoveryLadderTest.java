package io.peermesh.shared.reconnect;

import static io.peermesh.shared.reconnect.ConnectionState.BACKOFF;
import static io.peermesh.shared.reconnect.ConnectionState.CLOSED;
import static io.peermesh.shared.reconnect.ConnectionState.CONNECTED;
import static io.peermesh.shared.reconnect.ConnectionState.CONNECTING;
import static io.peermesh.shared.reconnect.ConnectionState.DEGRADED;
import static io.peermesh.shared.reconnect.ConnectionState.DISCONNECTED;
import static io.peermesh.shared.reconnect.ConnectionState.FAILED;
import static io.peermesh.shared.reconnect.ConnectionState.ICE_RESTARTING;
import static io.peermesh.shared.reconnect.ConnectionState.RECONNECTING;
import static io.peermesh.shared.reconnect.ConnectionState.RELAY_ONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.reconnect.ConnectionEvent.AttemptFailed;
import io.peermesh.shared.reconnect.ConnectionEvent.AttemptTimedOut;
import io.peermesh.shared.reconnect.ConnectionEvent.Close;
import io.peermesh.shared.reconnect.ConnectionEvent.Connected;
import io.peermesh.shared.reconnect.ConnectionEvent.GraceExpired;
import io.peermesh.shared.reconnect.ConnectionEvent.ProbeSucceeded;
import io.peermesh.shared.reconnect.ConnectionEvent.RetryDue;
import io.peermesh.shared.reconnect.ConnectionEvent.Start;
import io.peermesh.shared.reconnect.Effect.CancelTimers;
import io.peermesh.shared.reconnect.Effect.EmitStatus;
import io.peermesh.shared.reconnect.Effect.EnterDegraded;
import io.peermesh.shared.reconnect.Effect.Fail;
import io.peermesh.shared.reconnect.Effect.LeaveDegraded;
import io.peermesh.shared.reconnect.Effect.ScheduleTimer;
import io.peermesh.shared.reconnect.Effect.StartIceRestart;
import io.peermesh.shared.reconnect.Effect.StartNewConnection;
import io.peermesh.shared.reconnect.Effect.StartRelayOnly;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The recovery ladder end to end, with the random source pinned at 0.5 (delay = half the ceiling). */
class RecoveryLadderTest {

  @Test
  void fullLadderWalksIceRestartsNewConnectionsAndRelayThenDegradesAndProbesBackToConnected() {
    Driver d = Driver.with(Map.of("relayAvailable", true)).connectedAtT0();

    assertEquals(List.of(new ScheduleTimer(TimerKind.GRACE, 3, Duration.ofSeconds(2)),
        new EmitStatus(CONNECTED, DISCONNECTED, "ice disconnected", 3)), d.lose().effects());

    assertEquals(List.of(new StartIceRestart(4), new ScheduleTimer(TimerKind.ATTEMPT_TIMEOUT, 4, Duration.ofSeconds(5)),
        new EmitStatus(DISCONNECTED, ICE_RESTARTING, "ICE restart 1 of 3", 4)), d.expire(TimerKind.GRACE).effects());

    // A timeout needs no CancelTimers: the only pending timer is the one that fired.
    assertEquals(List.of(new ScheduleTimer(TimerKind.RETRY, 5, Duration.ofMillis(125)),
        new EmitStatus(ICE_RESTARTING, BACKOFF, "ICE restart timed out after 5000ms; next attempt in 125ms", 5)),
        d.expire(TimerKind.ATTEMPT_TIMEOUT).effects());

    assertStep(d.expire(TimerKind.RETRY), ICE_RESTARTING, new StartIceRestart(6), "ICE restart 2 of 3");
    assertEquals(List.of(new CancelTimers(), new ScheduleTimer(TimerKind.RETRY, 7, Duration.ofMillis(250)),
        new EmitStatus(ICE_RESTARTING, BACKOFF, "ice failed; next attempt in 250ms", 7)),
        d.fail("ice failed").effects());
    assertStep(d.expire(TimerKind.RETRY), ICE_RESTARTING, new StartIceRestart(8), "ICE restart 3 of 3");
    assertBackoff(d.fail("ice failed"), 500);

    // A new connection before relay-only: it gathers TURN candidates too, relay-only forces every byte through TURN.
    assertStep(d.expire(TimerKind.RETRY), RECONNECTING, new StartNewConnection(10), "new connection attempt 1 of 2");
    assertEquals(Duration.ofSeconds(10), d.timer().delay(), "new connections use connectTimeout");
    assertBackoff(d.fail("dtls failed"), 1000);
    assertStep(d.expire(TimerKind.RETRY), RECONNECTING, new StartNewConnection(12), "new connection attempt 2 of 2");
    assertBackoff(d.fail("dtls failed"), 2000);

    assertStep(d.expire(TimerKind.RETRY), RELAY_ONLY, new StartRelayOnly(14), "relay-only attempt 1 of 2");
    assertBackoff(d.fail("turn allocation failed"), 4000);
    assertStep(d.expire(TimerKind.RETRY), RELAY_ONLY, new StartRelayOnly(16), "relay-only attempt 2 of 2");
    assertEquals(7, d.state.attemptsInRecovery());

    // Last rung failed: straight to DEGRADED, no pointless backoff first.
    String degradedReason = "recovery ladder exhausted after 7 attempts in 14.9s; relaying messages over signaling";
    assertEquals(List.of(new CancelTimers(), new EnterDegraded(),
        new ScheduleTimer(TimerKind.PROBE, 17, Duration.ofSeconds(10)),
        new EmitStatus(RELAY_ONLY, DEGRADED, degradedReason, 17)), d.fail("turn allocation failed").effects());

    Outcome probe = d.expire(TimerKind.PROBE);
    assertFalse(probe.transition().changed(), "a probe runs while staying DEGRADED");
    assertEquals(List.of(new StartNewConnection(18),
        new ScheduleTimer(TimerKind.ATTEMPT_TIMEOUT, 18, Duration.ofSeconds(10))), probe.effects());
    assertTrue(d.state.probeInFlight());

    assertEquals(List.of(new ScheduleTimer(TimerKind.PROBE, 19, Duration.ofSeconds(20))),
        d.expire(TimerKind.ATTEMPT_TIMEOUT).effects(), "a failed probe only schedules the next one, later");
    assertEquals("probe timed out after 10000ms", d.state.lastReason());

    d.expire(TimerKind.PROBE);
    assertEquals(2, d.state.stepAttempts(), "second probe");
    assertEquals(List.of(new CancelTimers(), new LeaveDegraded(),
        new EmitStatus(DEGRADED, CONNECTED, "upgraded from degraded mode", 21)),
        d.fire(new ProbeSucceeded(20)).effects());
    assertEquals(new MachineState(CONNECTED, 21, 0, null, LadderStep.NONE, 0, false, "upgraded from degraded mode"),
        d.state, "a working transport resets the recovery");
  }

  @Test
  void withoutRelayTheLadderGoesFromIceRestartsStraightToNewConnections() {
    Driver d = Driver.with(Map.of("relayAvailable", false)).connectedAtT0();
    d.lose();
    List<ConnectionState> attempts = new ArrayList<>();
    d.expire(TimerKind.GRACE);
    while (d.current() != DEGRADED) {
      attempts.add(d.current());
      d.fail("failed");
      if (d.current() == BACKOFF) {
        d.expire(TimerKind.RETRY);
      }
    }
    assertEquals(List.of(ICE_RESTARTING, ICE_RESTARTING, ICE_RESTARTING, RECONNECTING, RECONNECTING), attempts);
    assertTrue(d.state.lastReason().startsWith("recovery ladder exhausted after 5 attempts"), d.state.lastReason());
  }

  @Test
  void withDegradedModeDisallowedAnExhaustedLadderFails() {
    Driver d = Driver.with(Map.of("relayAvailable", true, "degradedAllowed", false)).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    for (int i = 0; i < 6; i++) {
      d.fail("failed");
      d.expire(TimerKind.RETRY);
    }
    assertEquals(RELAY_ONLY, d.current());
    Outcome outcome = d.fail("turn allocation failed");
    // Every attempt failed at once: 2s grace + backoffs of 0.125 + 0.25 + 0.5 + 1 + 2 + 4 s.
    String reason = "recovery ladder exhausted after 7 attempts in 9.9s";
    assertEquals(List.of(new CancelTimers(), new Fail(reason), new EmitStatus(RELAY_ONLY, FAILED, reason, 17)),
        outcome.effects());
    assertEquals(reason, d.state.lastReason());
  }

  @Test
  void stopRuleByAttemptCountEndsInFailedWithReason() {
    Driver d = Driver.with(Map.of("maxAttempts", 2)).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    d.fail("ice failed");
    d.expire(TimerKind.RETRY);
    Outcome outcome = d.fail("ice failed");
    String reason = "gave up after 2 attempts in 2.1s (maxAttempts=2)";
    assertEquals(FAILED, d.current());
    assertEquals(List.of(new CancelTimers(), new Fail(reason), new EmitStatus(ICE_RESTARTING, FAILED, reason, 7)),
        outcome.effects());
  }

  @Test
  void stopRuleByElapsedTimeIsMeasuredFromTheLossUsingTheGivenNow() {
    Driver d = Driver.with(Map.of("maxAttempts", 0, "maxElapsedMs", 10_000)).connectedAtT0();
    d.advance(Duration.ofMinutes(5)); // time spent connected does not count
    d.lose();
    d.expire(TimerKind.GRACE);
    assertEquals(BACKOFF, d.expire(TimerKind.ATTEMPT_TIMEOUT).state().state(), "7s elapsed: retry");
    d.expire(TimerKind.RETRY);
    Outcome outcome = d.expire(TimerKind.ATTEMPT_TIMEOUT);
    String reason = "gave up after 2 attempts in 12.1s (maxElapsedMs=10000)";
    assertEquals(List.of(new Fail(reason), new EmitStatus(ICE_RESTARTING, FAILED, reason, 7)), outcome.effects());
  }

  @Test
  void initialConnectSucceedsWithoutTouchingTheLadder() {
    Driver d = Driver.with(Map.of());
    assertEquals(List.of(new StartNewConnection(1),
        new ScheduleTimer(TimerKind.ATTEMPT_TIMEOUT, 1, Duration.ofSeconds(10)),
        new EmitStatus(ConnectionState.IDLE, CONNECTING, "connecting", 1)), d.fire(new Start()).effects());
    assertEquals(Driver.T0, d.state.recoveryStartedAt());
    assertEquals(List.of(new CancelTimers(), new EmitStatus(CONNECTING, CONNECTED, "connected", 2)),
        d.connected().effects());
  }

  @Test
  void failedInitialConnectSkipsIceRestartsAndTriesNewConnectionsThenRelay() {
    Driver d = Driver.with(Map.of("relayAvailable", true));
    d.fire(new Start());
    assertBackoff(d.expire(TimerKind.ATTEMPT_TIMEOUT), 125);
    assertEquals("connect attempt timed out after 10000ms; next attempt in 125ms", d.state.lastReason());
    assertStep(d.expire(TimerKind.RETRY), RECONNECTING, new StartNewConnection(3), "new connection attempt 1 of 2");
    assertBackoff(d.fail("dtls failed"), 250);
    assertStep(d.expire(TimerKind.RETRY), RECONNECTING, new StartNewConnection(5), "new connection attempt 2 of 2");
    assertBackoff(d.fail("dtls failed"), 500);
    assertStep(d.expire(TimerKind.RETRY), RELAY_ONLY, new StartRelayOnly(7), "relay-only attempt 1 of 2");
  }

  @Test
  void failedInitialConnectWithoutRelayTriesNewConnections() {
    Driver d = Driver.with(Map.of());
    d.fire(new Start());
    d.fail("no candidates");
    assertStep(d.expire(TimerKind.RETRY), RECONNECTING, new StartNewConnection(3), "new connection attempt 1 of 2");
  }

  @Test
  void connectedDuringGracePeriodReturnsToConnectedWithoutIceRestart() {
    Driver d = Driver.with(Map.of()).connectedAtT0();
    d.lose();
    long graceTimer = d.timer().attempt();
    d.advance(Duration.ofMillis(60));
    assertEquals(List.of(new CancelTimers(),
        new EmitStatus(DISCONNECTED, CONNECTED, "path recovered during the grace period", 4)), d.connected().effects());
    assertNull(d.state.recoveryStartedAt());
    assertTrue(d.fire(new GraceExpired(graceTimer)).transition().stale(), "the grace timer fired anyway: dropped");
    assertEquals(CONNECTED, d.current());
  }

  @Test
  void repeatedTransportLostDuringGraceIsIgnoredAndKeepsTheGraceTimer() {
    Driver d = Driver.with(Map.of()).connectedAtT0();
    d.lose();
    MachineState disconnected = d.state;
    Outcome again = d.fire(new ConnectionEvent.TransportLost("ice failed"));
    assertFalse(again.transition().stale());
    assertTrue(again.effects().isEmpty());
    assertSame(disconnected, d.state);
  }

  @Test
  void staleTimersAndLateCallbacksFromAbandonedAttemptsAreDropped() {
    Driver d = Driver.with(Map.of()).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    long restart = d.state.attempt();
    d.expire(TimerKind.ATTEMPT_TIMEOUT);
    MachineState backoff = d.state;
    // The abandoned ICE restart reports in late, twice; then its timeout would fire again.
    assertTrue(d.fire(new AttemptFailed(restart, "ice failed")).transition().stale());
    assertTrue(d.fire(new Connected(restart)).transition().stale());
    assertTrue(d.fire(new AttemptTimedOut(restart)).transition().stale());
    assertSame(backoff, d.state);
  }

  @Test
  void connectionThatComesBackWhileBackingOffEndsTheRecovery() {
    Driver d = Driver.with(Map.of()).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    d.fail("ice failed");
    long retryTimer = d.timer().attempt();
    assertEquals(List.of(new CancelTimers(),
        new EmitStatus(BACKOFF, CONNECTED, "connection recovered by itself while backing off", 6)),
        d.connected().effects());
    assertTrue(d.fire(new RetryDue(retryTimer)).transition().stale());
  }

  @Test
  void everyRecoveryStartsWithFreshBudgets() {
    Driver d = Driver.with(Map.of()).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    d.fail("ice failed");
    d.expire(TimerKind.RETRY);
    assertEquals("ICE restart succeeded", d.connected().state().lastReason());
    d.advance(Duration.ofSeconds(30));
    d.lose();
    assertEquals(Driver.T0.plusSeconds(30).plusMillis(2125), d.state.recoveryStartedAt());
    assertStep(d.expire(TimerKind.GRACE), ICE_RESTARTING, new StartIceRestart(d.state.attempt()), "ICE restart 1 of 3");
    assertEquals(1, d.state.attemptsInRecovery());
  }

  @Test
  void ladderWithNoAttemptBudgetDegradesRightAfterTheGracePeriod() {
    Driver d = Driver.with(Map.of("iceRestartAttempts", 0, "newConnectionAttempts", 0)).connectedAtT0();
    d.lose();
    String reason = "recovery ladder exhausted after 0 attempts in 2.0s; relaying messages over signaling";
    assertEquals(List.of(new EnterDegraded(), new ScheduleTimer(TimerKind.PROBE, 4, Duration.ofSeconds(10)),
        new EmitStatus(DISCONNECTED, DEGRADED, reason, 4)), d.expire(TimerKind.GRACE).effects());
  }

  @Test
  void degradedProbesBackOffUpToTheCap() {
    Driver d = Driver.with(Map.of("iceRestartAttempts", 0, "newConnectionAttempts", 0, "probeMaxIntervalMs", 60_000))
        .connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    List<Duration> waits = new ArrayList<>();
    for (int probe = 1; probe <= 5; probe++) {
      d.expire(TimerKind.PROBE);
      for (Effect e : d.fail("probe failed").effects()) {
        if (e instanceof ScheduleTimer t && t.kind() == TimerKind.PROBE) {
          waits.add(t.delay());
        }
      }
    }
    assertEquals(List.of(Duration.ofSeconds(20), Duration.ofSeconds(40), Duration.ofSeconds(60),
        Duration.ofSeconds(60), Duration.ofSeconds(60)), waits);
  }

  @Test
  void degradedProbesGoOnForeverRegardlessOfTheStopRule() {
    Driver d = Driver.with(Map.of("iceRestartAttempts", 1, "newConnectionAttempts", 0, "maxAttempts", 1))
        .connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    d.fail("ice failed");
    assertEquals(DEGRADED, d.current(), "ladder exhausted before the stop rule is asked");
    for (int probe = 1; probe <= 20; probe++) {
      d.expire(TimerKind.PROBE);
      d.fail("probe failed");
      assertEquals(DEGRADED, d.current());
      assertEquals(probe, d.state.stepAttempts());
    }
  }

  @Test
  void connectedWhileDegradedAndWaitingLeavesDegradedMode() {
    Driver d = Driver.with(Map.of("iceRestartAttempts", 0, "newConnectionAttempts", 0)).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    assertEquals(List.of(new CancelTimers(), new LeaveDegraded(),
        new EmitStatus(DEGRADED, CONNECTED, "upgraded from degraded mode", 5)), d.connected().effects());
  }

  @Test
  void closeFromDegradedCancelsTimersAndLeavesDegradedMode() {
    Driver d = Driver.with(Map.of("iceRestartAttempts", 0, "newConnectionAttempts", 0)).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    assertEquals(List.of(new CancelTimers(), new LeaveDegraded(), new EmitStatus(DEGRADED, CLOSED, "room closed", 5)),
        d.fire(new Close("room closed")).effects());
  }

  @Test
  void closeIsIdempotentAndFailedKeepsItsReason() {
    Driver d = Driver.with(Map.of("maxAttempts", 1)).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    d.fail("ice failed");
    assertEquals(FAILED, d.current());
    MachineState failed = d.state;
    assertTrue(d.fire(new Close("cleanup")).effects().isEmpty());
    assertSame(failed, d.state);

    Driver closed = Driver.with(Map.of()).connectedAtT0();
    assertEquals(List.of(new CancelTimers(), new EmitStatus(CONNECTED, CLOSED, "peer left", 3)),
        closed.fire(new Close("peer left")).effects());
    assertTrue(closed.fire(new Close("again")).effects().isEmpty());
    assertEquals("peer left", closed.state.lastReason());
  }

  @Test
  void applyIsPureSameInputsGiveEqualOutcomesAndTheInputIsUntouched() {
    Driver d = Driver.with(Map.of()).connectedAtT0();
    d.lose();
    d.expire(TimerKind.GRACE);
    MachineState before = d.state;
    AttemptFailed event = new AttemptFailed(before.attempt(), "ice failed");
    Outcome first = d.machine.apply(before, event, d.now);
    Outcome second = d.machine.apply(before, event, d.now);
    assertEquals(first, second);
    assertEquals(ICE_RESTARTING, before.state());
    assertSame(d.machine.config(), d.machine.config());
    assertEquals(MachineState.idle(), d.machine.initial());
  }

  private static void assertStep(Outcome outcome, ConnectionState state, Effect action, String reason) {
    assertEquals(state, outcome.state().state());
    assertEquals(action, outcome.effects().get(0));
    assertEquals(reason, outcome.state().lastReason());
  }

  private static void assertBackoff(Outcome outcome, long delayMs) {
    assertEquals(BACKOFF, outcome.state().state());
    ScheduleTimer retry = outcome.effects().stream().filter(ScheduleTimer.class::isInstance)
        .map(ScheduleTimer.class::cast).findFirst().orElseThrow();
    assertEquals(new ScheduleTimer(TimerKind.RETRY, outcome.state().attempt(), Duration.ofMillis(delayMs)), retry);
  }
}

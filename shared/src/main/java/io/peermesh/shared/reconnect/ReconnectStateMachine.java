package io.peermesh.shared.reconnect;

import static io.peermesh.shared.reconnect.ConnectionState.BACKOFF;
import static io.peermesh.shared.reconnect.ConnectionState.CLOSED;
import static io.peermesh.shared.reconnect.ConnectionState.CONNECTED;
import static io.peermesh.shared.reconnect.ConnectionState.CONNECTING;
import static io.peermesh.shared.reconnect.ConnectionState.DEGRADED;
import static io.peermesh.shared.reconnect.ConnectionState.DISCONNECTED;
import static io.peermesh.shared.reconnect.ConnectionState.FAILED;
import static io.peermesh.shared.reconnect.ConnectionState.ICE_RESTARTING;
import static io.peermesh.shared.reconnect.ConnectionState.IDLE;
import static io.peermesh.shared.reconnect.ConnectionState.RECONNECTING;
import static io.peermesh.shared.reconnect.ConnectionState.RELAY_ONLY;

import io.peermesh.shared.reconnect.ConnectionEvent.AttemptFailed;
import io.peermesh.shared.reconnect.ConnectionEvent.AttemptScoped;
import io.peermesh.shared.reconnect.ConnectionEvent.AttemptTimedOut;
import io.peermesh.shared.reconnect.ConnectionEvent.Close;
import io.peermesh.shared.reconnect.ConnectionEvent.Connected;
import io.peermesh.shared.reconnect.ConnectionEvent.GraceExpired;
import io.peermesh.shared.reconnect.ConnectionEvent.ProbeDue;
import io.peermesh.shared.reconnect.ConnectionEvent.ProbeSucceeded;
import io.peermesh.shared.reconnect.ConnectionEvent.RetryDue;
import io.peermesh.shared.reconnect.ConnectionEvent.Start;
import io.peermesh.shared.reconnect.ConnectionEvent.TimerFired;
import io.peermesh.shared.reconnect.ConnectionEvent.TransportLost;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The reconnection state machine: {@code apply(state, event, now)} returns the next state and the effects
 * to execute. It mutates nothing and never reads a clock; its only input besides the arguments is the
 * policy's injected random source, so with a pinned source it is fully deterministic.
 *
 * <p>Attempt ids: every effective transition issues a new id ({@code attempt + 1}), carried by the
 * EmitStatus, Start* and ScheduleTimer effects of that transition. Timers and attempt callbacks therefore
 * name the phase they belong to, and anything from an earlier phase is recognisably stale.
 *
 * <p>Order of checks for every event: (1) an attempt-scoped event with an older id is stale and dropped;
 * one with an id never issued is illegal; (2) the (state, event type) pair must be in {@link #legalEvents()},
 * else {@link IllegalTransitionException}; (3) DEGRADED additionally requires probe outcomes to match a
 * probe in flight, and a probe timer to find none in flight.
 *
 * <p>Close in FAILED or CLOSED is a legal no-op: cleanup code can close unconditionally, and FAILED stays
 * FAILED so its reason is not overwritten. Any other non-stale event in a terminal state is illegal.
 */
public final class ReconnectStateMachine {

  private static final Map<ConnectionState, Set<Class<? extends ConnectionEvent>>> LEGAL = table();

  private static final List<LadderStep> LADDER =
      List.of(LadderStep.ICE_RESTART, LadderStep.NEW_CONNECTION, LadderStep.RELAY_ONLY);

  private final ReconnectConfig config;
  private final BackoffPolicy policy;

  public ReconnectStateMachine(ReconnectConfig config, BackoffPolicy policy) {
    this.config = Objects.requireNonNull(config, "config");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  public ReconnectConfig config() {
    return config;
  }

  /** The state of a connection that has not been started. */
  public MachineState initial() {
    return MachineState.idle();
  }

  /** The transition table: for each state, the event types it accepts (unmodifiable). */
  public static Map<ConnectionState, Set<Class<? extends ConnectionEvent>>> legalEvents() {
    return LEGAL;
  }

  /** Whether the table accepts {@code eventType} in {@code state} (guards and staleness aside). */
  public static boolean isLegal(ConnectionState state, Class<? extends ConnectionEvent> eventType) {
    return LEGAL.get(state).contains(eventType);
  }

  private static Map<ConnectionState, Set<Class<? extends ConnectionEvent>>> table() {
    Map<ConnectionState, Set<Class<? extends ConnectionEvent>>> t = new EnumMap<>(ConnectionState.class);
    t.put(IDLE, events(Start.class, Close.class));
    t.put(CONNECTING, events(Connected.class, AttemptFailed.class, AttemptTimedOut.class, Close.class));
    t.put(CONNECTED, events(TransportLost.class, Close.class));
    // TransportLost again while DISCONNECTED is a duplicate report (disconnected, then failed): ignored.
    t.put(DISCONNECTED, events(Connected.class, TransportLost.class, GraceExpired.class, Close.class));
    t.put(ICE_RESTARTING, events(Connected.class, AttemptFailed.class, AttemptTimedOut.class, Close.class));
    // Connected in BACKOFF: the old peer connection may come back by itself while we wait.
    t.put(BACKOFF, events(Connected.class, RetryDue.class, Close.class));
    t.put(RELAY_ONLY, events(Connected.class, AttemptFailed.class, AttemptTimedOut.class, Close.class));
    t.put(RECONNECTING, events(Connected.class, AttemptFailed.class, AttemptTimedOut.class, Close.class));
    t.put(DEGRADED, events(Connected.class, ProbeDue.class, ProbeSucceeded.class, AttemptFailed.class,
        AttemptTimedOut.class, Close.class));
    t.put(FAILED, events(Close.class));
    t.put(CLOSED, events(Close.class));
    return Collections.unmodifiableMap(t);
  }

  // Takes Class<?> because a Class<? extends ConnectionEvent>... parameter is a generic array (heap pollution warning).
  private static Set<Class<? extends ConnectionEvent>> events(Class<?>... types) {
    Set<Class<? extends ConnectionEvent>> set = new HashSet<>();
    for (Class<?> type : types) {
      set.add(type.asSubclass(ConnectionEvent.class));
    }
    return Set.copyOf(set);
  }

  /**
   * Applies one event.
   *
   * @param current the machine's state (not modified)
   * @param event what happened
   * @param now the caller's current time; used for recovery start and the elapsed-time stop rule
   * @throws IllegalTransitionException when the event is not allowed in the current state
   */
  public Outcome apply(MachineState current, ConnectionEvent event, Instant now) {
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(now, "now");
    ConnectionState state = current.state();
    if (event instanceof AttemptScoped scoped) {
      if (scoped.attempt() > current.attempt()) {
        throw new IllegalTransitionException(state, event,
            "attempt " + scoped.attempt() + " was never issued (current is " + current.attempt() + ")");
      }
      if (scoped.attempt() < current.attempt()) {
        return new Outcome(current, Transition.stale(state));
      }
    }
    if (!isLegal(state, event.getClass())) {
      throw new IllegalTransitionException(state, event, null);
    }
    if (event instanceof Close close) {
      return close(current, close);
    }
    if (event instanceof Start) {
      return start(current, now);
    }
    if (event instanceof TransportLost lost) {
      return transportLost(current, lost, now);
    }
    if (event instanceof Connected) {
      return connected(current, event);
    }
    if (event instanceof ProbeSucceeded) {
      requireProbe(current, event, true);
      return connected(current, event);
    }
    if (event instanceof GraceExpired || event instanceof RetryDue) {
      return climb(current, event, now);
    }
    if (event instanceof ProbeDue) {
      requireProbe(current, event, false);
      return startProbe(current);
    }
    String reason = event instanceof AttemptFailed failed
        ? failed.reason()
        : describe(state) + " timed out after " + timeoutFor(state).toMillis() + "ms";
    return attemptFailed(current, event, reason, now);
  }

  private Outcome close(MachineState s, Close close) {
    if (s.state().isTerminal()) {
      return new Outcome(s, Transition.noop(s.state()));
    }
    List<Effect> effects = new ArrayList<>();
    effects.add(new Effect.CancelTimers());
    if (s.state() == DEGRADED) {
      effects.add(new Effect.LeaveDegraded());
    }
    MachineState next = new MachineState(CLOSED, s.attempt() + 1, s.attemptsInRecovery(), s.recoveryStartedAt(),
        s.step(), s.stepAttempts(), false, close.reason());
    return outcome(s, next, effects);
  }

  private Outcome start(MachineState s, Instant now) {
    long id = s.attempt() + 1;
    MachineState next = new MachineState(CONNECTING, id, 1, now, LadderStep.INITIAL_CONNECT, 1, false,
        "connecting");
    return outcome(s, next, List.of(
        new Effect.StartNewConnection(id),
        new Effect.ScheduleTimer(TimerKind.ATTEMPT_TIMEOUT, id, config.connectTimeout())));
  }

  private Outcome transportLost(MachineState s, TransportLost lost, Instant now) {
    if (s.state() == DISCONNECTED) {
      return new Outcome(s, Transition.noop(DISCONNECTED));
    }
    long id = s.attempt() + 1;
    MachineState next = new MachineState(DISCONNECTED, id, 0, now, LadderStep.NONE, 0, false, lost.reason());
    return outcome(s, next, List.of(new Effect.ScheduleTimer(TimerKind.GRACE, id, config.graceDelay())));
  }

  private Outcome connected(MachineState s, ConnectionEvent event) {
    List<Effect> effects = new ArrayList<>();
    cancelPendingTimer(event, effects);
    if (s.state() == DEGRADED) {
      effects.add(new Effect.LeaveDegraded());
    }
    // A working transport ends the recovery: the next loss starts a fresh ladder with fresh budgets.
    MachineState next = new MachineState(CONNECTED, s.attempt() + 1, 0, null, LadderStep.NONE, 0, false,
        connectedReason(s.state()));
    return outcome(s, next, effects);
  }

  /** GraceExpired or RetryDue: start the next rung, or leave the ladder when none is left. */
  private Outcome climb(MachineState s, ConnectionEvent event, Instant now) {
    Optional<LadderStep> step = nextStep(s);
    if (step.isEmpty()) {
      return ladderExhausted(s, event, now);
    }
    LadderStep rung = step.get();
    long id = s.attempt() + 1;
    int onStep = rung == s.step() ? s.stepAttempts() + 1 : 1;
    ConnectionState target = switch (rung) {
      case ICE_RESTART -> ICE_RESTARTING;
      case RELAY_ONLY -> RELAY_ONLY;
      default -> RECONNECTING;
    };
    Effect action = switch (rung) {
      case ICE_RESTART -> new Effect.StartIceRestart(id);
      case RELAY_ONLY -> new Effect.StartRelayOnly(id);
      default -> new Effect.StartNewConnection(id);
    };
    String reason = describe(target) + " " + onStep + " of " + budget(rung);
    MachineState next = new MachineState(target, id, s.attemptsInRecovery() + 1, s.recoveryStartedAt(), rung,
        onStep, false, reason);
    return outcome(s, next, List.of(
        action, new Effect.ScheduleTimer(TimerKind.ATTEMPT_TIMEOUT, id, timeoutFor(target))));
  }

  private Outcome attemptFailed(MachineState s, ConnectionEvent event, String reason, Instant now) {
    if (s.state() == DEGRADED) {
      requireProbe(s, event, true);
      return probeFailed(s, event, reason);
    }
    if (nextStep(s).isEmpty()) {
      // Entering DEGRADED or FAILED is not an attempt, so waiting a backoff first would only prolong the outage.
      return ladderExhausted(s, event, now);
    }
    BackoffDecision decision = policy.next(s.attemptsInRecovery(), elapsed(s, now));
    if (decision instanceof BackoffDecision.Stop stop) {
      return fail(s, event, stop.reason());
    }
    Duration delay = ((BackoffDecision.Retry) decision).delay();
    long id = s.attempt() + 1;
    MachineState next = new MachineState(BACKOFF, id, s.attemptsInRecovery(), s.recoveryStartedAt(), s.step(),
        s.stepAttempts(), false, reason + "; next attempt in " + delay.toMillis() + "ms");
    List<Effect> effects = new ArrayList<>();
    cancelPendingTimer(event, effects);
    effects.add(new Effect.ScheduleTimer(TimerKind.RETRY, id, delay));
    return outcome(s, next, effects);
  }

  private Outcome ladderExhausted(MachineState s, ConnectionEvent event, Instant now) {
    String reason = "recovery ladder exhausted after " + s.attemptsInRecovery() + " attempts in "
        + BackoffPolicy.seconds(elapsed(s, now));
    if (!config.degradedAllowed()) {
      return fail(s, event, reason);
    }
    long id = s.attempt() + 1;
    MachineState next = new MachineState(DEGRADED, id, s.attemptsInRecovery(), s.recoveryStartedAt(),
        LadderStep.DEGRADED, 0, false, reason + "; relaying messages over signaling");
    List<Effect> effects = new ArrayList<>();
    cancelPendingTimer(event, effects);
    effects.add(new Effect.EnterDegraded());
    effects.add(new Effect.ScheduleTimer(TimerKind.PROBE, id, config.probeInterval()));
    return outcome(s, next, effects);
  }

  private Outcome fail(MachineState s, ConnectionEvent event, String reason) {
    MachineState next = new MachineState(FAILED, s.attempt() + 1, s.attemptsInRecovery(), s.recoveryStartedAt(),
        s.step(), s.stepAttempts(), false, reason);
    List<Effect> effects = new ArrayList<>();
    cancelPendingTimer(event, effects);
    effects.add(new Effect.Fail(reason));
    return outcome(s, next, effects);
  }

  /** Probes stay in DEGRADED (messages keep flowing over signaling) and are not limited by the policy. */
  private Outcome startProbe(MachineState s) {
    long id = s.attempt() + 1;
    int probe = s.stepAttempts() + 1;
    MachineState next = new MachineState(DEGRADED, id, s.attemptsInRecovery(), s.recoveryStartedAt(),
        LadderStep.DEGRADED, probe, true, "probe " + probe);
    return outcome(s, next, List.of(
        new Effect.StartNewConnection(id),
        new Effect.ScheduleTimer(TimerKind.ATTEMPT_TIMEOUT, id, config.connectTimeout())));
  }

  private Outcome probeFailed(MachineState s, ConnectionEvent event, String reason) {
    long id = s.attempt() + 1;
    MachineState next = new MachineState(DEGRADED, id, s.attemptsInRecovery(), s.recoveryStartedAt(),
        LadderStep.DEGRADED, s.stepAttempts(), false, reason);
    List<Effect> effects = new ArrayList<>();
    cancelPendingTimer(event, effects);
    effects.add(new Effect.ScheduleTimer(TimerKind.PROBE, id, config.probeDelay(s.stepAttempts())));
    return outcome(s, next, effects);
  }

  /** Appends EmitStatus when the state changes, so no path can forget it. */
  private static Outcome outcome(MachineState from, MachineState to, List<Effect> effects) {
    List<Effect> all = new ArrayList<>(effects);
    if (from.state() != to.state()) {
      all.add(new Effect.EmitStatus(from.state(), to.state(), to.lastReason(), to.attempt()));
    }
    return new Outcome(to, new Transition(from.state(), to.state(), all, false));
  }

  /**
   * Called only when leaving or stepping within a state that has exactly one timer pending (every state but
   * IDLE, CONNECTED and the terminal ones): unless that timer is what fired, cancel it. Stale detection would
   * drop it anyway; cancelling saves the wake-up.
   */
  private static void cancelPendingTimer(ConnectionEvent event, List<Effect> effects) {
    if (!(event instanceof TimerFired)) {
      effects.add(new Effect.CancelTimers());
    }
  }

  /** Guard for probe events, which the table only admits in DEGRADED. */
  private static void requireProbe(MachineState s, ConnectionEvent event, boolean inFlight) {
    if (s.probeInFlight() != inFlight) {
      throw new IllegalTransitionException(s.state(), event,
          inFlight ? "no probe is in flight" : "a probe is already in flight");
    }
  }

  /** The rung to try next: the current one while budget remains, else the first later rung with a budget. */
  private Optional<LadderStep> nextStep(MachineState s) {
    if (s.stepAttempts() < budget(s.step())) {
      return Optional.of(s.step());
    }
    int after = rank(s.step());
    return LADDER.stream().filter(rung -> rank(rung) > after && budget(rung) > 0).findFirst();
  }

  private int budget(LadderStep step) {
    return switch (step) {
      case ICE_RESTART -> config.iceRestartAttempts();
      case RELAY_ONLY -> config.relayAvailable() ? config.relayAttempts() : 0;
      case NEW_CONNECTION -> config.newConnectionAttempts();
      default -> 0;
    };
  }

  /** Position on the ladder; the first connect ranks with ICE restarts because there is nothing to restart yet. */
  private static int rank(LadderStep step) {
    return switch (step) {
      case NONE -> 0;
      case INITIAL_CONNECT, ICE_RESTART -> 1;
      case NEW_CONNECTION -> 2;
      case RELAY_ONLY -> 3;
      default -> 4; // DEGRADED: no rung comes after it
    };
  }

  private Duration timeoutFor(ConnectionState state) {
    return state == ICE_RESTARTING ? config.iceRestartTimeout() : config.connectTimeout();
  }

  private static Duration elapsed(MachineState s, Instant now) {
    return s.recoveryElapsed(now).orElse(Duration.ZERO);
  }

  private static String describe(ConnectionState attemptState) {
    return switch (attemptState) {
      case CONNECTING -> "connect attempt";
      case ICE_RESTARTING -> "ICE restart";
      case RELAY_ONLY -> "relay-only attempt";
      case RECONNECTING -> "new connection attempt";
      default -> "probe";
    };
  }

  private static String connectedReason(ConnectionState from) {
    return switch (from) {
      case CONNECTING -> "connected";
      case DISCONNECTED -> "path recovered during the grace period";
      case BACKOFF -> "connection recovered by itself while backing off";
      case DEGRADED -> "upgraded from degraded mode";
      default -> describe(from) + " succeeded";
    };
  }
}

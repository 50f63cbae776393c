package io.peermesh.shared.reconnect;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the machine knows about one connection; immutable, so a caller can keep old snapshots
 * for diagnostics and tests can build any situation directly.
 *
 * @param state where the connection stands
 * @param attempt current attempt id: grows with every effective transition so that older timers and
 *     callbacks are recognised as stale (an id, not a count; 0 until Start)
 * @param attemptsInRecovery connection attempts made since the recovery began (what the backoff
 *     policy counts); degraded probes are not included
 * @param recoveryStartedAt when the current recovery (or first connect) began; null while CONNECTED
 *     or IDLE
 * @param step rung of the ladder of the current or most recent attempt
 * @param stepAttempts attempts made on {@code step} (probes when {@code step} is DEGRADED)
 * @param probeInFlight true while a DEGRADED probe connection is being tried
 * @param lastReason why the machine is in this state (also the reason of the last EmitStatus)
 */
public record MachineState(
    ConnectionState state,
    long attempt,
    int attemptsInRecovery,
    Instant recoveryStartedAt,
    LadderStep step,
    int stepAttempts,
    boolean probeInFlight,
    String lastReason) {

  public MachineState {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(lastReason, "lastReason");
    if (attempt < 0 || attemptsInRecovery < 0 || stepAttempts < 0) {
      throw new IllegalArgumentException("attempt ids and counters must be >= 0");
    }
    if (probeInFlight && state != ConnectionState.DEGRADED) {
      throw new IllegalArgumentException("probeInFlight is only meaningful in DEGRADED, state is " + state);
    }
  }

  /** The state of a machine that has not been started. */
  public static MachineState idle() {
    return new MachineState(ConnectionState.IDLE, 0, 0, null, LadderStep.NONE, 0, false, "not started");
  }

  /** True when a connection attempt (or degraded probe) is running and can still succeed or fail. */
  public boolean attemptInFlight() {
    return switch (state) {
      case CONNECTING, ICE_RESTARTING, RELAY_ONLY, RECONNECTING -> true;
      case DEGRADED -> probeInFlight;
      default -> false;
    };
  }

  /**
   * Time since the recovery began, empty when no recovery runs. Clamped at zero because an injected
   * clock is not guaranteed to be monotonic.
   */
  public Optional<Duration> recoveryElapsed(Instant now) {
    if (recoveryStartedAt == null) {
      return Optional.empty();
    }
    Duration elapsed = Duration.between(recoveryStartedAt, now);
    return Optional.of(elapsed.isNegative() ? Duration.ZERO : elapsed);
  }
}

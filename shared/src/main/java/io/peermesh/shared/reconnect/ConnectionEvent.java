package io.peermesh.shared.reconnect;

import java.util.Objects;

/**
 * Inputs of {@link ReconnectStateMachine}.
 *
 * <p>Events about one attempt or timer ({@link AttemptScoped}) carry the attempt id they belong to.
 * The id in {@link MachineState#attempt()} changes with every effective transition, so a timer that
 * fires late or a callback from an abandoned attempt carries an older id: the machine drops it as
 * <em>stale</em> (same state, no effects) instead of treating it as an illegal transition. An id that
 * was never issued (greater than the current one) is a bug and is rejected.
 *
 * <p>Contract for the verticle: timer events carry the id of the {@link Effect.ScheduleTimer} that
 * armed them (use {@link Effect.ScheduleTimer#firedEvent()}); callbacks from the live peer connection
 * are best reported through {@link ReconnectController#transportUp()} and
 * {@link ReconnectController#transportDown(String)}, which pick the right event and id for the current
 * state; callbacks from a connection that was already replaced should be dropped.
 */
public sealed interface ConnectionEvent {

  /** Events that belong to one attempt id; dropped as stale once that id is superseded. */
  sealed interface AttemptScoped extends ConnectionEvent {
    /** Id of the attempt (or timer) this event is about. */
    long attempt();
  }

  /** Events produced by a timer armed with {@link Effect.ScheduleTimer}. */
  sealed interface TimerFired extends AttemptScoped {}

  /** Begin the first connection attempt. */
  record Start() implements ConnectionEvent {}

  /** The peer connection of {@code attempt} reached connected (ICE connected and DTLS done). */
  record Connected(long attempt) implements AttemptScoped {
    public Connected {
      requireId(attempt);
    }
  }

  /** The established transport went down (ICE disconnected or failed while CONNECTED). */
  record TransportLost(String reason) implements ConnectionEvent {
    public TransportLost {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** The attempt failed before its timeout (ICE failed, DTLS failed, peer connection closed...). */
  record AttemptFailed(long attempt, String reason) implements AttemptScoped {
    public AttemptFailed {
      requireId(attempt);
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** The {@link TimerKind#GRACE} timer fired: libwebrtc did not recover by itself. */
  record GraceExpired(long attempt) implements TimerFired {
    public GraceExpired {
      requireId(attempt);
    }
  }

  /** The {@link TimerKind#RETRY} timer fired: start the next rung of the ladder. */
  record RetryDue(long attempt) implements TimerFired {
    public RetryDue {
      requireId(attempt);
    }
  }

  /** The {@link TimerKind#ATTEMPT_TIMEOUT} timer fired: the attempt is counted as failed. */
  record AttemptTimedOut(long attempt) implements TimerFired {
    public AttemptTimedOut {
      requireId(attempt);
    }
  }

  /** The {@link TimerKind#PROBE} timer fired in DEGRADED: try a new peer connection. */
  record ProbeDue(long attempt) implements TimerFired {
    public ProbeDue {
      requireId(attempt);
    }
  }

  /** The probe connection of {@code attempt} works: leave DEGRADED. */
  record ProbeSucceeded(long attempt) implements AttemptScoped {
    public ProbeSucceeded {
      requireId(attempt);
    }
  }

  /** Close on request (peer left, room closed, verticle stopping). */
  record Close(String reason) implements ConnectionEvent {
    public Close {
      Objects.requireNonNull(reason, "reason");
    }
  }

  private static void requireId(long attempt) {
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must be >= 0, was " + attempt);
    }
  }
}

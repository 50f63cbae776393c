package io.peermesh.shared.reconnect;

/** The timers the machine asks for; at most one is pending at any time. */
public enum TimerKind {
  /** Grace period in DISCONNECTED. */
  GRACE,
  /** End of a BACKOFF wait. */
  RETRY,
  /** Deadline of the attempt (or degraded probe) in flight. */
  ATTEMPT_TIMEOUT,
  /** Next probe while DEGRADED. */
  PROBE;

  /** The event to feed back to the machine when a timer of this kind, armed for {@code attempt}, fires. */
  public ConnectionEvent.TimerFired eventFor(long attempt) {
    return switch (this) {
      case GRACE -> new ConnectionEvent.GraceExpired(attempt);
      case RETRY -> new ConnectionEvent.RetryDue(attempt);
      case ATTEMPT_TIMEOUT -> new ConnectionEvent.AttemptTimedOut(attempt);
      case PROBE -> new ConnectionEvent.ProbeDue(attempt);
    };
  }
}

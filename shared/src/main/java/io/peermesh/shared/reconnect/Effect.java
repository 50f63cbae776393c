package io.peermesh.shared.reconnect;

import java.time.Duration;
import java.util.Objects;

/**
 * What the caller must do after a transition, in list order. The machine never performs I/O itself,
 * which keeps it testable without WebRTC, timers or an event loop.
 */
public sealed interface Effect {

  /** Arm a one-shot timer; when it fires, feed {@link #firedEvent()} back to the machine. */
  record ScheduleTimer(TimerKind kind, long attempt, Duration delay) implements Effect {
    public ScheduleTimer {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative()) {
        throw new IllegalArgumentException("delay must not be negative, was " + delay);
      }
    }

    /**
     * The event this timer produces. Note that Vert.x {@code setTimer} rejects delays under 1 ms, and
     * full jitter can yield 0: use {@code Math.max(1, delay.toMillis())}.
     */
    public ConnectionEvent.TimerFired firedEvent() {
      return kind.eventFor(attempt);
    }
  }

  /** Cancel every timer armed for this connection (at most one is pending). */
  record CancelTimers() implements Effect {}

  /** Restart ICE on the live peer connection; its data channels survive. */
  record StartIceRestart(long attempt) implements Effect {}

  /** Replace the peer connection with one limited to TURN relay candidates ({@code iceTransportPolicy=relay}). */
  record StartRelayOnly(long attempt) implements Effect {}

  /**
   * Create a brand-new peer connection with new data channels (closing any previous one). Also used for
   * the very first connect and for DEGRADED probes; all use the normal (non relay-only) policy.
   */
  record StartNewConnection(long attempt) implements Effect {}

  /** Route data channel messages over the signaling socket (a probe connection may later carry them again). */
  record EnterDegraded() implements Effect {}

  /** Stop routing messages over signaling; every EnterDegraded is later matched by exactly one LeaveDegraded. */
  record LeaveDegraded() implements Effect {}

  /** Publish a status change; emitted exactly once for every transition where the state changes. */
  record EmitStatus(ConnectionState from, ConnectionState to, String reason, long attempt) implements Effect {
    public EmitStatus {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Recovery gave up: release the peer connection and report the reason to the application. */
  record Fail(String reason) implements Effect {
    public Fail {
      Objects.requireNonNull(reason, "reason");
    }
  }
}

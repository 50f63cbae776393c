package io.peermesh.shared.reconnect;

import java.time.Duration;
import java.util.Objects;

/** What {@link BackoffPolicy#next} decided after a failed attempt. */
public sealed interface BackoffDecision {

  /** Try again after {@code delay}. */
  record Retry(Duration delay) implements BackoffDecision {
    public Retry {
      Objects.requireNonNull(delay, "delay");
    }
  }

  /** Give up; {@code reason} is user-facing ("gave up after 12 attempts in 83.2s ..."). */
  record Stop(String reason) implements BackoffDecision {
    public Stop {
      Objects.requireNonNull(reason, "reason");
    }
  }
}

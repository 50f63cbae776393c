package io.peermesh.shared.reconnect;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter plus the stop rule. Full jitter (a uniform draw between zero and
 * the ceiling) spreads out the many peers that one network blip disconnects at once, which a fixed or
 * "equal jitter" delay would send back in waves.
 *
 * <p>{@code ceiling(n) = min(cap, base * multiplier^(n-1))} and {@code delay(n) = random * ceiling(n)}
 * with {@code n} the 1-based attempt number, rounded to whole milliseconds. The random source is
 * injected so tests can pin it; the policy holds no other state.
 */
public final class BackoffPolicy {
  private final ReconnectConfig config;
  private final RandomGenerator random;

  public BackoffPolicy(ReconnectConfig config, RandomGenerator random) {
    this.config = Objects.requireNonNull(config, "config");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** The largest delay attempt {@code attempt} (1-based) can get. */
  public Duration ceiling(int attempt) {
    return Duration.ofMillis(Math.round(ceilingMillis(attempt)));
  }

  /** A jittered delay for attempt {@code attempt} (1-based); draws one number from the random source. */
  public Duration delay(int attempt) {
    double ceiling = ceilingMillis(attempt);
    double r = random.nextDouble();
    if (!(r >= 0.0 && r < 1.0)) {
      throw new IllegalStateException("random source returned " + r + ", expected a value in [0, 1)");
    }
    return Duration.ofMillis(Math.round(r * ceiling));
  }

  /**
   * Decides what follows a failed attempt.
   *
   * @param attemptsSoFar attempts made in this recovery, including the one that just failed (>= 1)
   * @param elapsedSinceRecoveryStart time since the recovery began (the loss, or the first connect)
   * @return {@link BackoffDecision.Stop} once either enabled limit is reached, else
   *     {@link BackoffDecision.Retry} with {@code delay(attemptsSoFar)}
   */
  public BackoffDecision next(int attemptsSoFar, Duration elapsedSinceRecoveryStart) {
    if (attemptsSoFar < 1) {
      throw new IllegalArgumentException("attemptsSoFar must be >= 1, was " + attemptsSoFar);
    }
    Objects.requireNonNull(elapsedSinceRecoveryStart, "elapsedSinceRecoveryStart");
    if (elapsedSinceRecoveryStart.isNegative()) {
      throw new IllegalArgumentException("elapsedSinceRecoveryStart must not be negative");
    }
    String spent = "gave up after " + attemptsSoFar + " attempts in " + seconds(elapsedSinceRecoveryStart);
    if (config.maxAttempts() > 0 && attemptsSoFar >= config.maxAttempts()) {
      return new BackoffDecision.Stop(spent + " (maxAttempts=" + config.maxAttempts() + ")");
    }
    if (config.maxElapsedMs() > 0 && elapsedSinceRecoveryStart.toMillis() >= config.maxElapsedMs()) {
      return new BackoffDecision.Stop(spent + " (maxElapsedMs=" + config.maxElapsedMs() + ")");
    }
    return new BackoffDecision.Retry(delay(attemptsSoFar));
  }

  private double ceilingMillis(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt is 1-based, was " + attempt);
    }
    // pow overflows to +Infinity for large attempts, and min() then returns the cap: no special case needed.
    double grown = config.backoffBaseMs() * Math.pow(config.backoffMultiplier(), attempt - 1);
    return Math.min(config.backoffCapMs(), grown);
  }

  /** "83.2s": how reasons show durations. */
  static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1fs", duration.toMillis() / 1000.0);
  }
}

package io.peermesh.shared.time;

import java.util.function.LongSupplier;

/** Token bucket: {@code ratePerSecond} sustained, {@code burst} at once. Time is injected. */
public final class TokenBucket {
  private final double ratePerNano;
  private final double burst;
  private final LongSupplier nanoClock;
  private double tokens;
  private long last;

  public TokenBucket(int ratePerSecond, int burst, LongSupplier nanoClock) {
    this(ratePerSecond / 1e9, burst, nanoClock);
  }

  private TokenBucket(double ratePerNano, int burst, LongSupplier nanoClock) {
    this.ratePerNano = ratePerNano;
    this.burst = burst;
    this.nanoClock = nanoClock;
    this.tokens = burst;
    this.last = nanoClock.getAsLong();
  }

  /** {@code ratePerMinute} sustained (slower than one a second), {@code burst} at once. */
  public static TokenBucket perMinute(int ratePerMinute, int burst, LongSupplier nanoClock) {
    return new TokenBucket(ratePerMinute / 60e9, burst, nanoClock);
  }

  /** Takes one token; false when over the rate. */
  public boolean tryAcquire() {
    long now = nanoClock.getAsLong();
    tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}

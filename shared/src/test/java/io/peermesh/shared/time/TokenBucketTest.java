package io.peermesh.shared.time;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private long now;

  @Test
  void aBurstThenTheSustainedRatePerSecond() {
    TokenBucket bucket = new TokenBucket(10, 2, () -> now);
    assertTrue(bucket.tryAcquire());
    assertTrue(bucket.tryAcquire());
    assertFalse(bucket.tryAcquire(), "the burst is spent");
    now += 99_000_000;
    assertFalse(bucket.tryAcquire(), "a tenth of a second not yet gone");
    now += 1_000_000;
    assertTrue(bucket.tryAcquire());
    now += 10_000_000_000L;
    assertTrue(bucket.tryAcquire());
    assertTrue(bucket.tryAcquire());
    assertFalse(bucket.tryAcquire(), "idle time refills the burst, no more");
  }

  @Test
  void aRatePerMinute() {
    TokenBucket bucket = TokenBucket.perMinute(6, 1, () -> now);
    assertTrue(bucket.tryAcquire());
    now += 9_999_000_000L;
    assertFalse(bucket.tryAcquire(), "one every ten seconds");
    now += 1_000_000;
    assertTrue(bucket.tryAcquire());
  }
}

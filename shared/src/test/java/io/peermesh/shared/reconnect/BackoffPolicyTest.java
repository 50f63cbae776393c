package io.peermesh.shared.reconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffPolicyTest {

  /** base 250 ms, multiplier 2, cap 3 s: ceilings 250, 500, 1000, 2000, 3000 (capped), 3000. */
  private static final ReconnectConfig SMALL_CAP = ReconnectConfig.fromMap(Map.of("backoffCapMs", 3_000));

  @Test
  void pinnedRandomGivesExactDelaysForAttemptsOneToSixIncludingTheCap() {
    BackoffPolicy policy = new BackoffPolicy(SMALL_CAP, new FixedRandom(0.5));
    List<Long> delays = new ArrayList<>();
    for (int attempt = 1; attempt <= 6; attempt++) {
      delays.add(policy.delay(attempt).toMillis());
    }
    assertEquals(List.of(125L, 250L, 500L, 1000L, 1500L, 1500L), delays);
  }

  @Test
  void eachDelayTakesOneFreshDrawScaledByItsCeiling() {
    FixedRandom random = new FixedRandom(0.0, 0.25, 0.5, 0.75, 0.999, 0.1);
    BackoffPolicy policy = new BackoffPolicy(SMALL_CAP, random);
    List<Long> delays = new ArrayList<>();
    for (int attempt = 1; attempt <= 6; attempt++) {
      delays.add(policy.delay(attempt).toMillis());
    }
    assertEquals(List.of(0L, 125L, 500L, 1500L, 2997L, 300L), delays);
    assertEquals(6, random.draws());
  }

  @Test
  void ceilingGrowsByTheMultiplierUntilTheCapAndNeverOverflows() {
    BackoffPolicy policy = new BackoffPolicy(ReconnectConfig.defaults(), new FixedRandom(0.5));
    assertEquals(Duration.ofMillis(250), policy.ceiling(1));
    assertEquals(Duration.ofMillis(8_000), policy.ceiling(6));
    assertEquals(Duration.ofMillis(10_000), policy.ceiling(7));
    assertEquals(Duration.ofMillis(10_000), policy.ceiling(5_000));
    assertEquals(Duration.ofMillis(10_000), policy.ceiling(Integer.MAX_VALUE));
    BackoffPolicy gentle =
        new BackoffPolicy(ReconnectConfig.fromMap(Map.of("backoffMultiplier", 1.5)), new FixedRandom(0.5));
    assertEquals(Duration.ofMillis(563), gentle.ceiling(3), "250 * 1.5^2 = 562.5, rounded");
  }

  @Test
  void realRandomDelaysStayBetweenZeroAndTheCeiling() {
    BackoffPolicy policy = new BackoffPolicy(ReconnectConfig.defaults(), new SplittableRandom(42));
    for (int attempt = 1; attempt <= 40; attempt++) {
      Duration delay = policy.delay(attempt);
      assertTrue(!delay.isNegative() && delay.compareTo(policy.ceiling(attempt)) <= 0, delay + " at " + attempt);
    }
  }

  @Test
  void nextRetriesWithTheDelayOfTheAttemptsMadeSoFar() {
    BackoffPolicy policy = new BackoffPolicy(SMALL_CAP, new FixedRandom(0.5));
    assertEquals(new BackoffDecision.Retry(Duration.ofMillis(125)), policy.next(1, Duration.ZERO));
    assertEquals(new BackoffDecision.Retry(Duration.ofMillis(1000)), policy.next(4, Duration.ofSeconds(30)));
  }

  @Test
  void stopsOnceMaxAttemptsIsReached() {
    BackoffPolicy policy = new BackoffPolicy(ReconnectConfig.defaults(), new FixedRandom(0.5));
    assertInstanceOf(BackoffDecision.Retry.class, policy.next(11, Duration.ofSeconds(60)));
    assertEquals(new BackoffDecision.Stop("gave up after 12 attempts in 61.5s (maxAttempts=12)"),
        policy.next(12, Duration.ofMillis(61_500)));
  }

  @Test
  void stopsOnceMaxElapsedIsReached() {
    BackoffPolicy policy = new BackoffPolicy(ReconnectConfig.defaults(), new FixedRandom(0.5));
    assertInstanceOf(BackoffDecision.Retry.class, policy.next(3, Duration.ofMillis(119_999)));
    assertEquals(new BackoffDecision.Stop("gave up after 3 attempts in 120.0s (maxElapsedMs=120000)"),
        policy.next(3, Duration.ofSeconds(120)));
  }

  @Test
  void zeroDisablesEitherLimit() {
    BackoffPolicy noCount = new BackoffPolicy(ReconnectConfig.fromMap(Map.of("maxAttempts", 0)), new FixedRandom(0.5));
    assertInstanceOf(BackoffDecision.Retry.class, noCount.next(1_000, Duration.ofSeconds(1)));
    assertInstanceOf(BackoffDecision.Stop.class, noCount.next(1, Duration.ofMinutes(2)));
    BackoffPolicy noClock = new BackoffPolicy(ReconnectConfig.fromMap(Map.of("maxElapsedMs", 0)), new FixedRandom(0.5));
    assertInstanceOf(BackoffDecision.Retry.class, noClock.next(1, Duration.ofDays(1)));
    assertInstanceOf(BackoffDecision.Stop.class, noClock.next(12, Duration.ZERO));
  }

  @Test
  void rejectsAttemptNumbersBelowOneAndNegativeElapsedTime() {
    BackoffPolicy policy = new BackoffPolicy(ReconnectConfig.defaults(), new FixedRandom(0.5));
    assertThrows(IllegalArgumentException.class, () -> policy.delay(0));
    assertThrows(IllegalArgumentException.class, () -> policy.ceiling(-1));
    assertThrows(IllegalArgumentException.class, () -> policy.next(0, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> policy.next(1, Duration.ofMillis(-1)));
    assertThrows(NullPointerException.class, () -> policy.next(1, null));
    assertThrows(NullPointerException.class, () -> new BackoffPolicy(null, new FixedRandom(0.5)));
    assertThrows(NullPointerException.class, () -> new BackoffPolicy(ReconnectConfig.defaults(), null));
  }

  @Test
  void rejectsRandomSourcesOutsideTheUnitInterval() {
    assertThrows(IllegalStateException.class,
        () -> new BackoffPolicy(ReconnectConfig.defaults(), new FixedRandom(1.0)).delay(1));
    assertThrows(IllegalStateException.class,
        () -> new BackoffPolicy(ReconnectConfig.defaults(), new FixedRandom(-0.1)).delay(1));
    assertThrows(IllegalStateException.class,
        () -> new BackoffPolicy(ReconnectConfig.defaults(), new FixedRandom(Double.NaN)).delay(1));
  }

  @Test
  void decisionsRejectNulls() {
    assertThrows(NullPointerException.class, () -> new BackoffDecision.Retry(null));
    assertThrows(NullPointerException.class, () -> new BackoffDecision.Stop(null));
  }
}

package io.peermesh.shared.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DelayPacerTest {
  private static final long MS = 1_000_000;
  /** Target 0.25 ms, probe every 5 ms, timeout 1 s, floor 128 KiB/s, start 4 MiB/s, base window 30 s. */
  /** Samples in the current-delay filter. */
  private static final int FILTER = 8;
  private static final DelayPacer.Settings SETTINGS = DelayPacer.Settings.defaults();
  private static final long BASE = 200_000;

  private long now = 1_000 * MS;
  private final DelayPacer pacer = new DelayPacer(SETTINGS, now);

  /** One probe out and back after {@code rttNanos}; the clock ends at the answer. */
  private void sample(long rttNanos) {
    assertTrue(pacer.probeDue(now), "a probe is due");
    pacer.probeSent(now);
    long stamp = now;
    now += rttNanos;
    pacer.probeAnswered(stamp, now);
  }

  /** Uses up the allowance, so the pacer knows the sender wanted more. */
  private void sendUntilHeldBack() {
    for (int i = 0; pacer.maySend(now); i++) {
      assertTrue(i < 100_000, "the allowance never ran out");
      pacer.sent(16 * 1024, now);
    }
  }

  private void calibrate() {
    sample(BASE);
    now += SETTINGS.probeEveryNanos();
  }

  /** Starves the pacer and lets a drain begin and its pause pass: the next probe is a drain probe. */
  private void drainedAndDue() {
    calibrate();
    starve();
    now += SETTINGS.drainEveryNanos();
    assertFalse(pacer.maySend(now));
    now += 2 * STARVED;
  }

  /** Round trips of a queue far over target. */
  private static final long STARVED = BASE + 5 * MS;

  /** A queue far over target takes the rate to its floor (a quarter off per sample). */
  private void starve() {
    while (pacer.rateBytesPerSecond() > SETTINGS.minRateBytesPerSecond()) {
      sample(STARVED);
      now += SETTINGS.probeEveryNanos();
    }
  }

  @Test
  void nothingIsSentUntilTheFirstProbeIsAnswered() {
    assertFalse(pacer.maySend(now));
    assertTrue(pacer.probeDue(now));
    pacer.probeSent(now);
    assertFalse(pacer.probeDue(now + MS), "one probe at a time");
    assertFalse(pacer.maySend(now + MS));
    assertEquals(SETTINGS.probeEveryNanos(), pacer.waitNanos(now + MS));
    pacer.probeAnswered(now, now + BASE);
    assertTrue(pacer.calibrated());
    assertTrue(pacer.maySend(now + BASE));
    assertEquals(BASE, pacer.baseNanos());
  }

  @Test
  void rateRisesByATenthPerSampleWhileNoQueueBuildsAndTheSenderIsHeldBack() {
    calibrate();
    double before = pacer.rateBytesPerSecond();
    sendUntilHeldBack();
    sample(BASE);
    assertEquals(before * 1.1, pacer.rateBytesPerSecond(), 1);
  }

  @Test
  void rateStaysWhenTheSenderDidNotUseWhatItHad() {
    calibrate();
    double before = pacer.rateBytesPerSecond();
    sample(BASE);
    assertEquals(before, pacer.rateBytesPerSecond());
  }

  @Test
  void rateFallsInProportionToTheQueueOverTarget() {
    calibrate();
    double before = pacer.rateBytesPerSecond();
    long queue = 3 * SETTINGS.targetDelayNanos();
    for (int i = 0; i < FILTER - 1; i++) {
      sample(BASE + queue);
      now += SETTINGS.probeEveryNanos();
    }
    assertEquals(before, pacer.rateBytesPerSecond(), "the calibration sample is still among the last eight");
    sample(BASE + queue);
    assertEquals(before * (1 + 0.1 * (1 - 3.0)), pacer.rateBytesPerSecond(), 1);
  }

  @Test
  void lateProbesAmongGoodOnesChangeNothing() {
    calibrate();
    double before = pacer.rateBytesPerSecond();
    for (int i = 0; i < 3 * FILTER; i++) {
      sample(i % FILTER == FILTER - 1 ? BASE : BASE + 50 * MS);
      now += SETTINGS.probeEveryNanos();
    }
    assertEquals(before, pacer.rateBytesPerSecond());
  }

  @Test
  void rateFallsAQuarterAtMostPerSampleAndNeverBelowTheFloor() {
    calibrate();
    double before = pacer.rateBytesPerSecond();
    for (int i = 0; i < FILTER; i++) {
      sample(BASE + 100 * MS);
      now += SETTINGS.probeEveryNanos();
    }
    assertEquals(before * 0.75, pacer.rateBytesPerSecond(), 1);
    for (int i = 0; i < 40; i++) {
      now += SETTINGS.probeEveryNanos();
      sample(BASE + 100 * MS);
    }
    assertEquals(SETTINGS.minRateBytesPerSecond(), pacer.rateBytesPerSecond(), 1);
  }

  @Test
  void anUnansweredProbeCountsAsAQueueFarOverTarget() {
    calibrate();
    double before = pacer.rateBytesPerSecond();
    pacer.probeSent(now);
    assertFalse(pacer.probeDue(now + SETTINGS.probeTimeoutNanos() - 1));
    now += SETTINGS.probeTimeoutNanos();
    assertTrue(pacer.probeDue(now), "the next probe goes out");
    assertEquals(before / 2, pacer.rateBytesPerSecond(), 1);
  }

  @Test
  void aFirstProbeLostBeforeAnyAnswerDoesNotLowerTheRate() {
    double before = pacer.rateBytesPerSecond();
    pacer.probeSent(now);
    now += SETTINGS.probeTimeoutNanos();
    assertTrue(pacer.probeDue(now), "the next probe goes out");
    assertEquals(before, pacer.rateBytesPerSecond(), 1, "no measurement of the path yet: a lost probe is no queue");
    assertFalse(pacer.calibrated());
  }

  @Test
  void anAnswerToAnOlderProbeIsIgnored() {
    calibrate();
    pacer.probeSent(now);
    long stale = now - 5 * MS;
    pacer.probeAnswered(stale, now + BASE);
    assertFalse(pacer.probeDue(now + SETTINGS.probeEveryNanos()), "still waiting for the current probe");
    assertEquals(BASE, pacer.baseNanos());
  }

  @Test
  void bytesAreSpreadAtTheRateWithBurstsOfAboutTwoMilliseconds() {
    calibrate();
    double rate = pacer.rateBytesPerSecond();
    while (pacer.maySend(now)) {
      pacer.sent(1_000, now);
    }
    pacer.sent(64 * 1024, now);
    long wait = pacer.waitNanos(now);
    // 64 KiB plus what was left of the last 1,000-byte frame's debt.
    assertEquals(64 * 1024 / rate * 1e9, wait, 1_000 / rate * 1e9);
    assertFalse(pacer.maySend(now + wait - 1_000));
    assertTrue(pacer.maySend(now + wait + 1));
    // A long idle stretch (short of the next drain) leaves no more than the burst allowance behind.
    now += 500 * MS;
    int sent = 0;
    while (pacer.maySend(now)) {
      pacer.sent(1_000, now);
      sent += 1_000;
    }
    assertTrue(sent <= Math.max(16 * 1024, rate * 0.002) + 1_000, "sent " + sent);
  }

  @Test
  void theLeastRoundTripIsForgottenAfterTheBaseWindow() {
    calibrate();
    now += 15_000 * MS;
    sample(3 * BASE);
    assertEquals(BASE, pacer.baseNanos());
    // 31 s after the first sample, 16 s after the second: only the first has left the 30 s window.
    now += 16_000 * MS;
    sample(3 * BASE);
    assertEquals(3 * BASE, pacer.baseNanos(), "the old minimum left the window");
    now += 2 * SETTINGS.baseWindowNanos();
    sample(4 * BASE);
    assertEquals(4 * BASE, pacer.baseNanos(), "a long silence forgets everything");
  }

  @Test
  void theTargetIsTheConfiguredDelayOrTheBaseRoundTripWhereThatIsLonger() {
    assertEquals(SETTINGS.targetDelayNanos(), pacer.targetNanos());
    sample(BASE);
    assertEquals(SETTINGS.targetDelayNanos(), pacer.targetNanos());
    DelayPacer far = new DelayPacer(SETTINGS, now);
    far.probeSent(now);
    far.probeAnswered(now, now + 40 * MS);
    assertEquals(40 * MS, far.targetNanos());
  }

  @Test
  void whileCriticalMessagesMoveTheDelayIsJudgedByTheMedianAndOnceQuietByTheLeast() {
    assertFalse(pacer.judgesByMedian(now), "nothing critical moved yet");
    pacer.criticalActivity(now);
    assertTrue(pacer.judgesByMedian(now));
    assertTrue(pacer.judgesByMedian(now + SETTINGS.criticalQuietNanos() - 1));
    assertFalse(pacer.judgesByMedian(now + SETTINGS.criticalQuietNanos()), "quiet long enough");
  }

  /**
   * One probe in four finds no queue, the others a queue three times the target: the least sees none and the
   * rate grows; the median sees the queue most messages meet and the rate falls.
   */
  @Test
  void aQueueMostMessagesMeetLowersTheRateOnlyWhileCriticalMessagesMove() {
    calibrate();
    long high = BASE + 3 * SETTINGS.targetDelayNanos();
    for (int i = 0; i < 2 * FILTER; i++) {
      sendUntilHeldBack();
      double was = pacer.rateBytesPerSecond();
      sample(i % 4 == 0 ? BASE : high);
      assertTrue(pacer.rateBytesPerSecond() > was, "sample " + i + ": the least shows no queue");
      now += SETTINGS.probeEveryNanos();
    }
    for (int i = 0; i < 2 * FILTER; i++) {
      pacer.criticalActivity(now);
      sendUntilHeldBack();
      double was = pacer.rateBytesPerSecond();
      sample(i % 4 == 0 ? BASE : high);
      assertTrue(pacer.rateBytesPerSecond() < was, "sample " + i + ": the median shows the queue");
      now += SETTINGS.probeEveryNanos();
    }
  }

  @Test
  void aStarvedPacerPausesEverySecondUntilTwoProbesOnTheDrainedQueueSetTheBase() {
    calibrate();
    starve();
    now += SETTINGS.drainEveryNanos();
    assertFalse(pacer.maySend(now), "the drain begins");
    assertTrue(pacer.draining());
    assertEquals(SETTINGS.probeEveryNanos(), pacer.waitNanos(now));
    // Twice the current round trip (between 2 and 50 ms).
    assertFalse(pacer.probeDue(now + 2 * STARVED - 1), "the queue is still draining");
    now += 2 * STARVED;
    sample(3 * BASE);
    assertTrue(pacer.draining(), "one answer is not enough");
    assertFalse(pacer.maySend(now));
    sample(2 * BASE);
    assertFalse(pacer.draining());
    assertEquals(2 * BASE, pacer.baseNanos(), "the least of the two drained probes is the base now");
    assertTrue(pacer.maySend(now));
    assertFalse(pacer.probeDue(now + 1), "the next regular probe waits its interval");
  }

  @Test
  void aPacerAtHalfItsInitialRateOrMoreDoesNotDrain() {
    calibrate();
    now += 10 * SETTINGS.drainEveryNanos();
    assertTrue(pacer.maySend(now));
    assertFalse(pacer.draining());
  }

  @Test
  void whenTheMachineItselfSlowsDownTheDrainsFindTheNewFloorAndTheRateRecovers() {
    calibrate();
    double initial = pacer.rateBytesPerSecond();
    // From now on every round trip takes 1 ms more, whatever we send: delay we find, not delay we cause.
    long slow = BASE + 4 * SETTINGS.targetDelayNanos();
    double lowestBeforeDrain = initial;
    long end = now + 3 * SETTINGS.drainEveryNanos();
    while (now < end) {
      sendUntilHeldBack();
      if (pacer.probeDue(now)) {
        sample(slow);
      } else {
        now += MS;
      }
      if (pacer.baseNanos() == BASE) {
        lowestBeforeDrain = Math.min(lowestBeforeDrain, pacer.rateBytesPerSecond());
      }
    }
    assertEquals(SETTINGS.minRateBytesPerSecond(), lowestBeforeDrain, 1, "alone, the delay read as our queue");
    assertEquals(slow, pacer.baseNanos());
    assertTrue(pacer.rateBytesPerSecond() > initial, "recovered: " + pacer.rateBytesPerSecond());
  }

  @Test
  void aPathThatNeverPushesBackDoesNotGrowTheRateWithoutEnd() {
    calibrate();
    for (int i = 0; i < 2_000; i++) {
      sendUntilHeldBack();
      now += SETTINGS.probeEveryNanos();
      sample(BASE);
    }
    assertEquals(DelayPacer.MAX_RATE, pacer.rateBytesPerSecond());
  }

  @Test
  void aDrainProbeLeftUnansweredIsSentAgain() {
    drainedAndDue();
    assertTrue(pacer.probeDue(now));
    pacer.probeSent(now);
    now += SETTINGS.probeTimeoutNanos();
    assertTrue(pacer.probeDue(now), "a new drain probe goes out");
    assertTrue(pacer.draining());
    sample(BASE);
    sample(BASE);
    assertFalse(pacer.draining());
  }

  @Test
  void aDrainProbeThePathRefusedIsNoDrainProbe() {
    drainedAndDue();
    pacer.probeSent(now);
    pacer.probeNotSent();
    sample(BASE);
    sample(BASE);
    assertFalse(pacer.draining());
  }

  @Test
  void resetCalibratesAgainAtTheInitialRate() {
    calibrate();
    sendUntilHeldBack();
    sample(BASE);
    now += SETTINGS.probeEveryNanos();
    starve();
    now += SETTINGS.drainEveryNanos();
    assertFalse(pacer.maySend(now));
    assertTrue(pacer.draining());
    pacer.reset(now);
    assertFalse(pacer.draining(), "a new path calibrates instead");
    assertFalse(pacer.calibrated());
    assertFalse(pacer.maySend(now));
    assertEquals(SETTINGS.initialRateBytesPerSecond(), pacer.rateBytesPerSecond());
    assertEquals(Long.MAX_VALUE, pacer.baseNanos());
  }
}

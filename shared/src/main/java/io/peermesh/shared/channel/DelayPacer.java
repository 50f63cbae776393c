package io.peermesh.shared.channel;

import java.util.Arrays;

/**
 * Paces a low-priority channel by the delay it causes (in the spirit of LEDBAT, RFC 6817). Bulk data that the
 * path cannot carry at once waits somewhere shared with every other channel: in SCTP's window, the sockets'
 * buffers, a busy network thread on either end. A critical message waits behind all of it, so holding the
 * send buffer small is not enough (measured: 32 KiB or 256 KiB of it made no difference). Instead small probes
 * measure the round trip; its growth over the least round trip seen is the queue we cause, and the rate moves to
 * keep that queue near a target.
 *
 * <p>LEDBAT cannot tell delay it causes from delay it finds: when the machine itself slows down (measured here:
 * a minute in which idle round trips tripled), every sample reads as a queue and the rate falls to its floor.
 * So, much as BBR's ProbeRTT does, a pacer held below half its initial rate stops every {@code drainEveryNanos},
 * lets its queue drain for twice the current round trip (2-50 ms), and takes the least of two probes sent then
 * as the least round trip from now on. Only a starved pacer drains: measured, draining at full rate too let the
 * base creep up by what was still in flight and the round trip under load grew from ~2.5× to ~3.5× idle.
 *
 * <p>What counts as the delay depends on whether anyone waits behind it. While critical messages move (the caller
 * reports them, {@link #criticalActivity}) it is the median of the recent samples: what a message sent now
 * typically waits, the queue and the machine's contention with the transfer's work both. Once they have been
 * quiet for {@code criticalQuietNanos}, it is the least of them, the queue alone, so a transfer by itself goes
 * faster. (Measured with the least: a code-sync round trip under a files stream 2.3-4.1× idle when the machine
 * ran fast, idle 0.2 ms, the stream 20-37 MB/s; with the median, 2.2-2.4×, the stream 12-17 MB/s. A tighter
 * target with the least, 50 µs, varied as widely; the median with 150 µs left the stream 4-5 MB/s.)
 *
 * <p>Pure: the caller passes the time (nanos) in every call and sends the probes itself. Until the first probe
 * is answered nothing may be sent, so the least round trip is measured on an empty queue.
 */
public final class DelayPacer {

  /** Tuning, with the defaults documented in conf/README.md. */
  public record Settings(long targetDelayNanos, long criticalQuietNanos, long probeEveryNanos,
      long probeTimeoutNanos, long minRateBytesPerSecond, long initialRateBytesPerSecond, long baseWindowNanos,
      long drainEveryNanos) {

    public static Settings defaults() {
      return new Settings(250_000, 2_000_000_000L, 5_000_000, 1_000_000_000, 128 << 10, 4 << 20,
          30_000_000_000L, 1_000_000_000);
    }
  }

  /**
   * Rate change per sample at most: +10% with no queue, -25% when the queue is far over target (a sample
   * every 10 ms: a queue built by a burst is gone within ~50 ms, while noise cannot wear the rate down).
   */
  private static final double GAIN = 0.1;
  private static final double MAX_DECREASE = 0.75;
  /** An unanswered probe halves the rate at once. */
  private static final double TIMEOUT_DECREASE = 0.5;
  /** The least round trip is the minimum of this many buckets spanning the base window. */
  private static final int BASE_BUCKETS = 10;
  /**
   * Current delay is the least of the last few samples (RFC 6817's current-delay filter): delay from a GC or a
   * scheduler hiccup comes and goes, a queue stays.
   */
  private static final int RECENT_SAMPLES = 8;
  /** Probes answered during a drain; the least is kept, so one late answer (a GC) does not set the base. */
  private static final int DRAIN_PROBES = 2;
  private static final long MIN_DRAIN_NANOS = 2_000_000;
  private static final long MAX_DRAIN_NANOS = 50_000_000;
  /** Far above any data channel here (~40 MB/s); a path that never pushes back must not grow it without end. */
  static final double MAX_RATE = 1 << 30;

  private final Settings settings;
  private final long[] baseBuckets = new long[BASE_BUCKETS];
  private final long[] recent = new long[RECENT_SAMPLES];
  private int recentCount;
  private long bucketStartNanos;
  private int bucket;
  private double rate;
  private double tokens;
  private long tokensAtNanos;
  private boolean calibrated;
  private long probeSentNanos = -1;
  private long lastProbeNanos;
  /** Sending stopped for lack of tokens since the last sample: only then is more rate worth having. */
  private boolean rateLimited;
  private long lastDrainNanos;
  /** When the current drain began, or -1 when not draining. */
  private long drainStartNanos;
  private long drainPauseNanos;
  /** Stamp of the outstanding probe when it was sent on a drained queue, else -1. */
  private long drainProbeStamp;
  private int drainAnswers;
  private long drainLeast;
  /** When a critical message last moved, or -1: none yet. */
  private long lastCriticalNanos = -1;

  public DelayPacer(Settings settings, long nowNanos) {
    this.settings = settings;
    reset(nowNanos);
  }

  /** Forgets the path (a new one may be slower or faster): calibrates again before the next byte. */
  public void reset(long nowNanos) {
    Arrays.fill(baseBuckets, Long.MAX_VALUE);
    bucketStartNanos = nowNanos;
    bucket = 0;
    recentCount = 0;
    rate = settings.initialRateBytesPerSecond();
    tokens = 0;
    tokensAtNanos = nowNanos;
    calibrated = false;
    probeSentNanos = -1;
    rateLimited = false;
    lastDrainNanos = nowNanos;
    drainStartNanos = -1;
    drainProbeStamp = -1;
  }

  /** True when a probe should go out now (the caller then calls {@link #probeSent}). */
  public boolean probeDue(long nowNanos) {
    if (probeSentNanos >= 0) {
      if (nowNanos - probeSentNanos < settings.probeTimeoutNanos()) {
        return false;
      }
      // Unanswered for long: a queue far over any target (or a probe lost on a lossy path). Before the first
      // answer there is no measurement of this path to judge by: a lost first probe is no queue.
      probeSentNanos = -1;
      drainProbeStamp = -1;
      if (calibrated) {
        rate = Math.max(settings.minRateBytesPerSecond(), rate * TIMEOUT_DECREASE);
      }
    }
    if (drainStartNanos >= 0) {
      return drained(nowNanos);
    }
    return !calibrated || nowNanos - lastProbeNanos >= settings.probeEveryNanos();
  }

  /** Records that a probe stamped {@code nowNanos} goes out (before sending it: its answer may come at once). */
  public void probeSent(long nowNanos) {
    probeSentNanos = nowNanos;
    lastProbeNanos = nowNanos;
    drainProbeStamp = drainStartNanos >= 0 && drained(nowNanos) ? nowNanos : -1;
  }

  /** The path refused the probe recorded by {@link #probeSent}: none is outstanding, and none is due yet. */
  public void probeNotSent() {
    probeSentNanos = -1;
    drainProbeStamp = -1;
  }

  /** True while sending is paused so that a probe can measure the round trip without our queue. */
  public boolean draining() {
    return drainStartNanos >= 0;
  }

  private boolean drained(long nowNanos) {
    return nowNanos - drainStartNanos >= drainPauseNanos;
  }

  private void startDrain(long nowNanos) {
    drainStartNanos = nowNanos;
    drainAnswers = 0;
    drainLeast = Long.MAX_VALUE;
    // The queue ahead of a probe takes about the current round trip to leave; twice that empties it.
    drainPauseNanos = Math.max(MIN_DRAIN_NANOS, Math.min(MAX_DRAIN_NANOS, 2 * currentNanos()));
  }

  /** A probe sent on a drained queue came back: after enough of them, their least is the new base. */
  private void drainAnswered(long rtt, long nowNanos) {
    drainLeast = Math.min(drainLeast, rtt);
    if (++drainAnswers < DRAIN_PROBES) {
      return;
    }
    Arrays.fill(baseBuckets, Long.MAX_VALUE);
    bucket = 0;
    bucketStartNanos = nowNanos;
    baseBuckets[0] = drainLeast;
    // Samples taken before measure against the old base.
    recentCount = 0;
    drainStartNanos = -1;
    lastDrainNanos = nowNanos;
    tokens = 0;
    tokensAtNanos = nowNanos;
  }

  /** The least of the recent samples (the current delay), or the base before any. */
  private long currentNanos() {
    long current = Long.MAX_VALUE;
    for (int i = 0; i < Math.min(recentCount, RECENT_SAMPLES); i++) {
      current = Math.min(current, recent[i]);
    }
    return current == Long.MAX_VALUE ? baseNanos() : current;
  }

  /** The median of the recent samples: what a message sent now typically waits (a queue and the machine). */
  private long typicalNanos() {
    int n = Math.min(recentCount, RECENT_SAMPLES);
    long[] sorted = Arrays.copyOf(recent, n);
    Arrays.sort(sorted);
    return sorted[(n - 1) / 2];
  }

  /** A probe came back; {@code stampNanos} is what {@link #probeSent} was given. Stale replies are ignored. */
  public void probeAnswered(long stampNanos, long nowNanos) {
    if (stampNanos != probeSentNanos || nowNanos < stampNanos) {
      return;
    }
    probeSentNanos = -1;
    long rtt = nowNanos - stampNanos;
    if (stampNanos == drainProbeStamp) {
      drainProbeStamp = -1;
      drainAnswered(rtt, nowNanos);
      return;
    }
    recordBase(rtt, nowNanos);
    recent[recentCount++ % RECENT_SAMPLES] = rtt;
    if (!calibrated) {
      // Nothing was sent yet: this sample is a drained one.
      calibrated = true;
      lastDrainNanos = nowNanos;
      tokensAtNanos = nowNanos;
      return;
    }
    adjust((judgesByMedian(nowNanos) ? typicalNanos() : currentNanos()) - baseNanos());
  }

  /**
   * A message of a channel that must not wait behind this one was sent or received: the delay is judged by its
   * median until they have been quiet for {@code criticalQuietNanos}.
   */
  public void criticalActivity(long nowNanos) {
    lastCriticalNanos = nowNanos;
  }

  private void adjust(long queueNanos) {
    double target = targetNanos();
    double offTarget = (target - queueNanos) / target;
    if (offTarget > 0 && !rateLimited) {
      // The sender did not use the rate it had: a higher one would measure nothing.
      return;
    }
    double factor = Math.max(MAX_DECREASE, Math.min(1 + GAIN, 1 + GAIN * offTarget));
    rate = Math.min(MAX_RATE, Math.max(settings.minRateBytesPerSecond(), rate * factor));
    rateLimited = false;
  }

  /**
   * True when the next frame may be sent now; the caller then calls {@link #sent}. False while a drain is due
   * or under way (the caller keeps probing; see {@link #probeDue}): when the rate is below half the initial
   * one and the last drain (or calibration) is {@code drainEveryNanos} old.
   */
  public boolean maySend(long nowNanos) {
    if (!calibrated) {
      return false;
    }
    if (drainStartNanos < 0 && nowNanos - lastDrainNanos >= settings.drainEveryNanos()
        && rate < settings.initialRateBytesPerSecond() / 2.0) {
      startDrain(nowNanos);
    }
    if (drainStartNanos >= 0) {
      return false;
    }
    refill(nowNanos);
    if (tokens < 0) {
      rateLimited = true;
      return false;
    }
    return true;
  }

  /** Spends {@code bytes} (the balance may go below zero: a frame is never split). */
  public void sent(int bytes, long nowNanos) {
    refill(nowNanos);
    tokens -= bytes;
  }

  /**
   * Nanos until {@link #maySend} can be true again (0: now); while uncalibrated or draining, a probe's answer
   * is awaited: the probe interval.
   */
  public long waitNanos(long nowNanos) {
    if (!calibrated || drainStartNanos >= 0) {
      return settings.probeEveryNanos();
    }
    refill(nowNanos);
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / rate * 1e9);
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - tokensAtNanos;
    if (elapsed <= 0) {
      return;
    }
    tokensAtNanos = nowNanos;
    // Unused allowance does not pile up beyond ~2 ms of sending: a burst is a queue for everyone behind it.
    double burst = Math.max(16 * 1024, rate * 0.002);
    tokens = Math.min(burst, tokens + rate * elapsed / 1e9);
  }

  private void recordBase(long rtt, long nowNanos) {
    long bucketLength = settings.baseWindowNanos() / BASE_BUCKETS;
    if (nowNanos - bucketStartNanos >= settings.baseWindowNanos()) {
      Arrays.fill(baseBuckets, Long.MAX_VALUE);
      bucketStartNanos = nowNanos;
    }
    while (nowNanos - bucketStartNanos >= bucketLength) {
      bucket = (bucket + 1) % BASE_BUCKETS;
      baseBuckets[bucket] = Long.MAX_VALUE;
      bucketStartNanos += bucketLength;
    }
    baseBuckets[bucket] = Math.min(baseBuckets[bucket], rtt);
  }

  /** The least round trip seen in the base window (MAX_VALUE before the first answer). */
  public long baseNanos() {
    long min = Long.MAX_VALUE;
    for (long b : baseBuckets) {
      min = Math.min(min, b);
    }
    return min;
  }

  /** The queueing delay aimed at: the configured target, or the base round trip where that is larger. */
  public long targetNanos() {
    long base = baseNanos();
    return base == Long.MAX_VALUE ? settings.targetDelayNanos() : Math.max(settings.targetDelayNanos(), base);
  }

  /** True while critical messages move: the delay is judged by the median of the recent samples. */
  public boolean judgesByMedian(long nowNanos) {
    return lastCriticalNanos >= 0 && nowNanos - lastCriticalNanos < settings.criticalQuietNanos();
  }

  public double rateBytesPerSecond() {
    return rate;
  }

  public boolean calibrated() {
    return calibrated;
  }
}

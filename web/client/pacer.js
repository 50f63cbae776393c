/**
 * Paces `files` by the queueing delay it causes, as the Java supervisor's DelayPacer does (LEDBAT-like,
 * RFC 6817; docs/SUPERVISOR.md "Pacing `files`"). Bulk data waits in queues every channel shares (SCTP's
 * window, socket buffers, busy network threads), so a small send buffer alone does not keep code-sync fast.
 * Probes measure the round trip; what it grew by over the least one seen is our queue, and the rate moves to
 * keep that queue near a target.
 *
 * What counts as the delay depends on whether anyone waits behind it. While critical messages move (the caller
 * reports them, {@link DelayPacer#criticalActivity}) it is the median of the recent samples: what a message sent
 * now typically waits, the queue and the machine's contention with the transfer's work both. Once they have been
 * quiet for `criticalQuietMs`, it is the least of them, the queue alone, so a transfer by itself goes faster.
 *
 * Pure apart from the injected clock: the caller sends the probes and the frames. Times are milliseconds
 * (fractions allowed), rates bytes per second.
 * @module pacer
 */

/** The supervisor's defaults (DelayPacer.Settings.defaults(), conf/README.md). */
export const PACER_DEFAULTS = Object.freeze({
  /** Queueing delay aimed at (or the least round trip, where that is longer). */
  targetDelayMs: 0.25,
  /** Critical messages quiet this long: the delay is judged by the least sample again, not the median. */
  criticalQuietMs: 2000,
  probeEveryMs: 5,
  /** A probe unanswered this long counts as a queue far over target (once calibrated; before, as lost). */
  probeTimeoutMs: 1000,
  minRateBytesPerSecond: 128 * 1024,
  initialRateBytesPerSecond: 4 * 1024 * 1024,
  /** The least round trip is the least seen within this window. */
  baseWindowMs: 30000,
  /** A starved pacer drains at most this often. */
  drainEveryMs: 1000,
});

/** Far above any data channel; a path that never pushes back must not grow the rate without end. */
export const MAX_RATE = 2 ** 30;

/** Per sample at most +10% and -25%: a burst's queue is gone within ~50 ms, noise cannot wear the rate down. */
const GAIN = 0.1;
const MAX_DECREASE = 0.75;
const TIMEOUT_DECREASE = 0.5;
const BASE_BUCKETS = 10;
/** Current delay is the least of the last few samples: a GC pause comes and goes, a queue stays. */
const RECENT_SAMPLES = 8;
/** The least of two drained probes sets the base, so one late answer does not. */
const DRAIN_PROBES = 2;
const MIN_DRAIN_MS = 2;
const MAX_DRAIN_MS = 50;
/** Unused allowance stops at ~2 ms of sending (at least 16 KiB): a burst is a queue for everyone behind it. */
const BURST_SECONDS = 0.002;
const MIN_BURST_BYTES = 16 * 1024;

export class DelayPacer {
  /**
   * @param {Partial<typeof PACER_DEFAULTS>} [settings]
   * @param {() => number} [now] monotonic clock in ms
   */
  constructor(settings = {}, now = () => performance.now()) {
    this.settings = Object.freeze({ ...PACER_DEFAULTS, ...settings });
    this._now = now;
    this._baseBuckets = new Array(BASE_BUCKETS);
    this._recent = [];
    /** When a critical message last moved (-Infinity: none yet); kept across {@link DelayPacer#reset}. */
    this._lastCriticalAt = -Infinity;
    this.reset();
  }

  /** Forgets the path (a new one may be faster or slower): nothing goes until a probe is answered again. */
  reset() {
    const now = this._now();
    this._baseBuckets.fill(Infinity);
    this._bucket = 0;
    this._bucketStart = now;
    this._recent.length = 0;
    this._recentNext = 0;
    this._rate = this.settings.initialRateBytesPerSecond;
    this._tokens = 0;
    this._tokensAt = now;
    this._calibrated = false;
    /** Stamp of the outstanding probe, or null. */
    this._probeSentAt = null;
    this._lastProbeAt = -Infinity;
    /** Sending stopped for lack of tokens since the last sample: only then is a higher rate worth having. */
    this._rateLimited = false;
    this._lastDrainAt = now;
    /** When the current drain began, or null. */
    this._drainStart = null;
    this._drainPause = 0;
    /** Stamp of the outstanding probe when it went out on a drained queue, or null. */
    this._drainProbe = null;
    this._drainAnswers = 0;
    this._drainLeast = Infinity;
  }

  /** True when a probe should go out now (then call {@link DelayPacer#probeSent}). */
  probeDue() {
    const now = this._now();
    if (this._probeSentAt !== null) {
      if (now - this._probeSentAt < this.settings.probeTimeoutMs) {
        return false;
      }
      // Long unanswered: a queue far over any target, or a probe lost.
      this._probeSentAt = null;
      this._drainProbe = null;
      if (this._calibrated) {
        // Before calibration no file byte went out, so no queue of ours can hold the probe: it was lost.
        this._rate = Math.max(this.settings.minRateBytesPerSecond, this._rate * TIMEOUT_DECREASE);
      }
    }
    if (this._drainStart !== null) {
      return this._drained(now);
    }
    return !this._calibrated || now - this._lastProbeAt >= this.settings.probeEveryMs;
  }

  /**
   * Records a probe going out; call it before sending, since the answer may come at once.
   * @returns {number} the stamp to send, which the answer must carry back
   */
  probeSent() {
    const now = this._now();
    this._probeSentAt = now;
    this._lastProbeAt = now;
    this._drainProbe = this._drainStart !== null && this._drained(now) ? now : null;
    return now;
  }

  /** The path refused the probe just recorded: none is outstanding. */
  probeNotSent() {
    this._probeSentAt = null;
    this._drainProbe = null;
  }

  /** A probe came back carrying `stamp`; answers to any but the outstanding probe are ignored. */
  probeAnswered(stamp) {
    const now = this._now();
    if (stamp !== this._probeSentAt || now < stamp) {
      return;
    }
    this._probeSentAt = null;
    const rtt = now - stamp;
    if (stamp === this._drainProbe) {
      this._drainProbe = null;
      this._drainAnswered(rtt, now);
      return;
    }
    this._recordBase(rtt, now);
    this._recent[this._recentNext] = rtt;
    this._recentNext = (this._recentNext + 1) % RECENT_SAMPLES;
    if (!this._calibrated) {
      // Nothing was sent before it: the sample is a drained one, not worth a rate change.
      this._calibrated = true;
      this._lastDrainAt = now;
      this._tokensAt = now;
      return;
    }
    this._adjust((this.judgesByMedian() ? this._typicalMs() : this._currentMs()) - this.baseMs());
  }

  /**
   * A message of a channel that must not wait behind this one was sent or received: the delay is judged by its
   * median until they have been quiet for `criticalQuietMs`.
   */
  criticalActivity() {
    this._lastCriticalAt = this._now();
  }

  /** True while critical messages move: the delay is judged by the median of the recent samples. */
  judgesByMedian() {
    return this._now() - this._lastCriticalAt < this.settings.criticalQuietMs;
  }

  /**
   * True when the next frame may go now (then call {@link DelayPacer#sent}). False before calibration and
   * during a drain, which begins here when the rate has sat below half the initial one for `drainEveryMs`.
   */
  maySend() {
    if (!this._calibrated) {
      return false;
    }
    const now = this._now();
    if (this._drainStart === null && now - this._lastDrainAt >= this.settings.drainEveryMs
        && this._rate < this.settings.initialRateBytesPerSecond / 2) {
      this._startDrain(now);
    }
    if (this._drainStart !== null) {
      return false;
    }
    this._refill(now);
    if (this._tokens < 0) {
      this._rateLimited = true;
      return false;
    }
    return true;
  }

  /** Spends `bytes`; the balance may go negative, since a frame is never split. */
  sent(bytes) {
    this._refill(this._now());
    this._tokens -= bytes;
  }

  /** Milliseconds until {@link DelayPacer#maySend} can be true (0: now); the probe interval while waiting for an answer. */
  waitMs() {
    if (!this._calibrated || this._drainStart !== null) {
      return this.settings.probeEveryMs;
    }
    this._refill(this._now());
    return this._tokens >= 0 ? 0 : (-this._tokens / this._rate) * 1000;
  }

  /** True while sending pauses so that probes see the path without our queue. */
  get draining() {
    return this._drainStart !== null;
  }

  get calibrated() {
    return this._calibrated;
  }

  get rateBytesPerSecond() {
    return this._rate;
  }

  /** The least round trip in the base window (Infinity before the first answer). */
  baseMs() {
    return Math.min(...this._baseBuckets);
  }

  /** The queueing delay aimed at: the configured target, or the base round trip where that is longer. */
  targetMs() {
    const base = this.baseMs();
    return base === Infinity ? this.settings.targetDelayMs : Math.max(this.settings.targetDelayMs, base);
  }

  _adjust(queueMs) {
    const target = this.targetMs();
    const offTarget = (target - queueMs) / target;
    if (offTarget > 0 && !this._rateLimited) {
      // The sender did not use the rate it had: a higher one would measure nothing.
      return;
    }
    const factor = Math.max(MAX_DECREASE, Math.min(1 + GAIN, 1 + GAIN * offTarget));
    this._rate = Math.min(MAX_RATE, Math.max(this.settings.minRateBytesPerSecond, this._rate * factor));
    this._rateLimited = false;
  }

  /** The least recent sample (the current delay), or the base before any. */
  _currentMs() {
    return this._recent.length === 0 ? this.baseMs() : Math.min(...this._recent);
  }

  /** The (lower) median of the recent samples: what a message sent now typically waits (a queue and the machine). */
  _typicalMs() {
    const sorted = [...this._recent].sort((x, y) => x - y);
    return sorted[(sorted.length - 1) >> 1];
  }

  _drained(now) {
    return now - this._drainStart >= this._drainPause;
  }

  _startDrain(now) {
    this._drainStart = now;
    this._drainAnswers = 0;
    this._drainLeast = Infinity;
    // What is queued ahead of a probe leaves in about one current round trip; twice that empties it.
    this._drainPause = Math.max(MIN_DRAIN_MS, Math.min(MAX_DRAIN_MS, 2 * this._currentMs()));
  }

  _drainAnswered(rtt, now) {
    this._drainLeast = Math.min(this._drainLeast, rtt);
    if (++this._drainAnswers < DRAIN_PROBES) {
      return;
    }
    this._baseBuckets.fill(Infinity);
    this._bucket = 0;
    this._bucketStart = now;
    this._baseBuckets[0] = this._drainLeast;
    // Earlier samples were measured against the old base.
    this._recent.length = 0;
    this._recentNext = 0;
    this._drainStart = null;
    this._lastDrainAt = now;
    this._tokens = 0;
    this._tokensAt = now;
  }

  _refill(now) {
    const elapsed = now - this._tokensAt;
    if (elapsed <= 0) {
      return;
    }
    this._tokensAt = now;
    const burst = Math.max(MIN_BURST_BYTES, this._rate * BURST_SECONDS);
    this._tokens = Math.min(burst, this._tokens + (this._rate * elapsed) / 1000);
  }

  /** Keeps the least round trip per tenth of the base window, so the oldest tenth can be forgotten. */
  _recordBase(rtt, now) {
    const window = this.settings.baseWindowMs;
    const bucketLength = window / BASE_BUCKETS;
    if (now - this._bucketStart >= window) {
      this._baseBuckets.fill(Infinity);
      this._bucketStart = now;
    }
    while (now - this._bucketStart >= bucketLength) {
      this._bucket = (this._bucket + 1) % BASE_BUCKETS;
      this._baseBuckets[this._bucket] = Infinity;
      this._bucketStart += bucketLength;
    }
    this._baseBuckets[this._bucket] = Math.min(this._baseBuckets[this._bucket], rtt);
  }
}

package io.peermesh.supervisor;

/**
 * Decides, at each periodic check, whether a path's silence means it is lost. A check that itself ran late
 * (the event loop or the whole JVM was stalled, for example in a collection pause) gives no verdict: the
 * heartbeats that arrived meanwhile may still wait in the event loop's queue, and blaming the remote for our
 * own stall would tear down healthy connections on a loaded node.
 */
final class SilenceJudge {
  private final long periodNanos;
  private final long deadAfterNanos;
  private long lastCheckNanos;

  SilenceJudge(long periodNanos, long deadAfterNanos, long nowNanos) {
    this.periodNanos = periodNanos;
    this.deadAfterNanos = deadAfterNanos;
    this.lastCheckNanos = nowNanos;
  }

  /** True when {@code silenceNanos} without a heartbeat, judged at {@code nowNanos}, means the path is lost. */
  boolean lost(long nowNanos, long silenceNanos) {
    boolean late = nowNanos - lastCheckNanos > 2 * periodNanos;
    lastCheckNanos = nowNanos;
    return !late && silenceNanos > deadAfterNanos;
  }
}

package io.peermesh.router;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The count this router keeps of each other node's routed source on the held channels: a message is handed on
 * only if it is the next of its numbering, so one lost between the nodes (a dropped bus connection) is neither
 * skipped in the order nor acknowledged by a later one. After a gap the router asks the source's router for
 * what follows the last message it holds ({@link RouteLog}), at most every {@code askEveryNanos} per source
 * while the gap lasts. Single-threaded (the router's context).
 */
final class RouteInbox {
  /** What to do with a message. */
  enum Verdict {
    /** The next one: hand it on and acknowledge it. */
    DELIVER,
    /** Held already: drop it, acknowledge again what is held. */
    DUPLICATE,
    /** One or more before it are missing: drop it and ask for them ({@link #shouldAsk}). */
    GAP
  }

  private static final class Count {
    final String room;
    long generation;
    /** Highest number held, in order; -1: none yet (ask for everything). */
    long last = -1;
    long askedAtNanos;
    boolean asked;
    long seenNanos;

    Count(String room, long generation) {
      this.room = room;
      this.generation = generation;
    }
  }

  private final Map<String, Count> counts = new HashMap<>();
  private final long askEveryNanos;
  private final LongSupplier nanoClock;

  RouteInbox(long askEveryNanos, LongSupplier nanoClock) {
    this.askEveryNanos = askEveryNanos;
    this.nanoClock = nanoClock;
  }

  private static String key(String sourceNode, String connection, String channel) {
    return sourceNode + '\n' + connection + '\n' + channel;
  }

  /**
   * Message {@code seq} of numbering {@code generation}; {@code start}: the source's router says the count
   * starts (again) here.
   */
  Verdict accept(String sourceNode, String room, String connection, String channel, long generation, long seq,
      boolean start) {
    String key = key(sourceNode, connection, channel);
    Count count = counts.get(key);
    if (count == null) {
      count = new Count(room, generation);
      counts.put(key, count);
    }
    count.seenNanos = nanoClock.getAsLong();
    boolean sameNumbering = count.generation == generation && count.last >= 0;
    if (sameNumbering && seq <= count.last) {
      return Verdict.DUPLICATE;
    }
    if (start || sameNumbering && seq == count.last + 1) {
      count.generation = generation;
      count.last = seq;
      count.asked = false;
      return Verdict.DELIVER;
    }
    if (count.generation != generation) {
      // A numbering this router has not started counting: everything the source holds is asked for.
      count.generation = generation;
      count.last = -1;
      count.asked = false;
    }
    return Verdict.GAP;
  }

  /** The highest number of the source held in order, or -1. */
  long last(String sourceNode, String connection, String channel) {
    Count count = counts.get(key(sourceNode, connection, channel));
    return count == null ? -1 : count.last;
  }

  /** True when a gap in the source should be asked about now (then it is not again for a while). */
  boolean shouldAsk(String sourceNode, String connection, String channel) {
    Count count = counts.get(key(sourceNode, connection, channel));
    long now = nanoClock.getAsLong();
    if (count == null || count.asked && now - count.askedAtNanos < askEveryNanos) {
      return false;
    }
    count.asked = true;
    count.askedAtNanos = now;
    return true;
  }

  /**
   * Forgets the counts of sources quiet for {@code idleNanos} (a source that left routing is never announced
   * here). One that speaks again costs a round trip: its next message is a gap, and its router sends what it
   * holds uncommitted from a new start.
   */
  void expireIdle(long idleNanos) {
    long now = nanoClock.getAsLong();
    counts.values().removeIf(count -> now - count.seenNanos > idleNanos);
  }

  /** Forgets the counts of {@code node}'s sources (it left the cluster). */
  void nodeGone(String node) {
    counts.keySet().removeIf(key -> key.startsWith(node + '\n'));
  }

  /** Forgets the counts of {@code room}'s sources (no connection here routes it any more). */
  void roomGone(String room) {
    for (Iterator<Count> it = counts.values().iterator(); it.hasNext(); ) {
      if (it.next().room.equals(room)) {
        it.remove();
      }
    }
  }

  /** Sources counted (tests). */
  int counted() {
    return counts.size();
  }
}

package io.peermesh.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Numbered messages as they arrive: how often each number came, and when the first number at or above a
 * marker arrived (on an ordered channel that is the marker itself, and everything before it came first).
 */
final class Arrivals {
  private final AtomicIntegerArray seen;
  private final AtomicInteger distinct = new AtomicInteger();
  private volatile long marker = Long.MAX_VALUE;
  private volatile CompletableFuture<Long> markerArrived = new CompletableFuture<>();
  private volatile CompletableFuture<Void> allArrived = new CompletableFuture<>();
  private volatile int expected = Integer.MAX_VALUE;

  Arrivals(int capacity) {
    seen = new AtomicIntegerArray(capacity);
  }

  int capacity() {
    return seen.length();
  }

  /** Called from any thread as number {@code n} arrives. */
  void arrived(long n) {
    long now = System.nanoTime();
    if (n < 0 || n >= seen.length()) {
      return;
    }
    if (seen.incrementAndGet((int) n) == 1 && distinct.incrementAndGet() >= expected) {
      allArrived.complete(null);
    }
    if (n >= marker) {
      markerArrived.complete(now);
    }
  }

  /** The nanoTime at which the first number {@code >= n} arrives. */
  CompletableFuture<Long> markAt(long n) {
    marker = n;
    return markerArrived;
  }

  /** Waits until every number below {@code count} arrived at least once; false on timeout. */
  boolean awaitAll(int count, long seconds) throws Exception {
    expected = count;
    if (distinct.get() >= count) {
      return true;
    }
    try {
      allArrived.get(seconds, TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  /** Numbers below {@code count} that never arrived. */
  int lost(int count) {
    int lost = 0;
    for (int i = 0; i < count; i++) {
      lost += seen.get(i) == 0 ? 1 : 0;
    }
    return lost;
  }

  /** Arrivals beyond the first of each number. */
  int duplicated() {
    int dups = 0;
    for (int i = 0; i < seen.length(); i++) {
      dups += Math.max(0, seen.get(i) - 1);
    }
    return dups;
  }
}

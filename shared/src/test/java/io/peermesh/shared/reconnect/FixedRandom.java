package io.peermesh.shared.reconnect;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.random.RandomGenerator;

/** A random source that returns chosen doubles (the last one repeats), so delays can be asserted exactly. */
final class FixedRandom implements RandomGenerator {
  private final Deque<Double> values = new ArrayDeque<>();
  private double last;
  private int draws;

  FixedRandom(double... values) {
    for (double value : values) {
      this.values.add(value);
    }
    this.last = values[values.length - 1];
  }

  @Override
  public double nextDouble() {
    draws++;
    return values.isEmpty() ? last : values.poll();
  }

  @Override
  public long nextLong() {
    throw new UnsupportedOperationException("the policy only draws doubles");
  }

  int draws() {
    return draws;
  }
}

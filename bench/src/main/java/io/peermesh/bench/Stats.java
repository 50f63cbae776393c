package io.peermesh.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Medians and percentiles of repeated measurements. */
final class Stats {
  private Stats() {}

  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  static double median(List<Double> values) {
    return percentile(values, 50);
  }

  /** "min–max" with one decimal, to show how far repeated runs spread. */
  static String range(List<Double> values) {
    return String.format(java.util.Locale.ROOT, "%.1f–%.1f", Collections.min(values), Collections.max(values));
  }
}

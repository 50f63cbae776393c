package io.peermesh.bench;

import io.peermesh.shared.bus.BusMessages.StateChange;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Supervisors' state changes, boiled down: who left {@code connected} and why, and each one's last state. */
final class StateLog {
  private final AtomicInteger leftConnected = new AtomicInteger();
  private final Map<String, AtomicInteger> reasons = new ConcurrentHashMap<>();
  private final Map<String, String> last = new ConcurrentHashMap<>();

  void record(StateChange change) {
    last.put(change.connection(), change.to());
    if (change.from().equals("connected")) {
      leftConnected.incrementAndGet();
      // Reasons carry figures ("no heartbeat for 2248 ms"); without them they group.
      String reason = change.to() + ": " + String.valueOf(change.reason()).replaceAll("[0-9]+", "N");
      reasons.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
    }
  }

  int leftConnected() {
    return leftConnected.get();
  }

  /** Connections of these pairs whose last reported state is not {@code connected}. */
  int notConnected(List<String[]> pairs) {
    int count = 0;
    for (String[] pair : pairs) {
      for (String connection : pair) {
        count += "connected".equals(last.get(connection)) ? 0 : 1;
      }
    }
    return count;
  }

  /** Why connections left {@code connected}, with counts. */
  String reasons() {
    Map<String, Integer> sorted = new TreeMap<>();
    reasons.forEach((reason, n) -> sorted.put(reason, n.get()));
    return sorted.isEmpty() ? "none" : sorted.toString();
  }
}

package io.peermesh.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What this process holds, read from /proc/self after a full GC: resident memory, JVM heap in use, the JVM's
 * committed memory (so native memory = resident minus committed), threads and file descriptors.
 */
record Probe(long rssBytes, long heapUsedBytes, long jvmCommittedBytes, int threads, int fds) {

  /**
   * Collects garbage first, so heap figures are live data and not the last burst of allocation (twice: the
   * first collection's freed native buffers are returned by the second).
   */
  static Probe take() {
    System.gc();
    System.gc();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long committed = memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted();
    return new Probe(rss(), memory.getHeapMemoryUsage().getUsed(), committed, count("/proc/self/task"),
        count("/proc/self/fd"));
  }

  /** Resident memory outside the JVM's committed heap and non-heap pools: what native code holds. */
  long nativeBytes() {
    return rssBytes - jvmCommittedBytes;
  }

  /** Per-item growth since {@code before}, for {@code items} items. */
  Probe.PerItem since(Probe before, int items) {
    double n = Math.max(1, items);
    return new PerItem((rssBytes - before.rssBytes) / n, (heapUsedBytes - before.heapUsedBytes) / n,
        (nativeBytes() - before.nativeBytes()) / n, (threads - before.threads) / n, (fds - before.fds) / n);
  }

  /**
   * Growth per item: bytes of resident memory (VmRSS), live heap and native memory; threads; file descriptors.
   * VmRSS also moves with how much heap the collector keeps committed, a policy and not a cost of the items,
   * so {@link #footprint()} (native + live heap) is the figure compared.
   */
  record PerItem(double rss, double heap, double nativeMemory, double threads, double fds) {
    double footprint() {
      return nativeMemory + heap;
    }
  }

  private static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  static int openDescriptors() {
    return count("/proc/self/fd");
  }

  private static int count(String dir) {
    try (Stream<Path> entries = Files.list(Path.of(dir))) {
      return (int) entries.count();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + dir, e);
    }
  }
}

package io.peermesh.supervisor.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A few shared PeerConnectionFactories (about one per core) for every supervisor of the JVM. Connections are
 * pinned to the least-loaded factory. Admission control refuses a connection beyond
 * {@code maxConnectionsPerFactory} per factory or when free file descriptors run short, because one factory
 * falls off a cliff near 2,500 connections and takes its existing connections with it.
 *
 * <p>Churn: {@code close()} never frees a connection's native memory in webrtc-java 0.14.0 (~68 KB each).
 * Retiring and disposing factories was measured not to help: the closed connections keep the factory's
 * internals alive, so memory stays and two native threads per disposed factory leak as well
 * (docs/SUPERVISOR.md). What works is recycling the process: after {@code maxConnectionsServed} connections
 * the pool refuses new ones, so the node drains and its clients resume on other nodes.
 */
public final class FactoryPool {
  /** Limits of one pool. */
  public record Limits(int factories, int maxConnectionsPerFactory, long maxConnectionsServed,
      int reservedDescriptors) {
    public Limits {
      if (factories <= 0 || maxConnectionsPerFactory <= 0 || maxConnectionsServed <= 0 || reservedDescriptors < 0) {
        throw new IllegalArgumentException("factory pool limits must be positive");
      }
    }

    /** About one factory per core, 2,000 each (the cliff is near 2,500), recycle after 50,000 (~3.4 GB leaked). */
    public static Limits defaults() {
      return new Limits(Math.max(1, Runtime.getRuntime().availableProcessors()), 2_000, 50_000, 2_000);
    }
  }

  /** One factory and its bookkeeping. Guarded by the pool's lock. */
  public static final class Slot {
    final int index;
    final PeerConnectionFactory factory;
    final HeadlessAudioDeviceModule audio;
    int active;

    Slot(int index) {
      this.index = index;
      this.audio = new HeadlessAudioDeviceModule();
      this.factory = new PeerConnectionFactory(audio);
    }

    public PeerConnectionFactory factory() {
      return factory;
    }

    public int index() {
      return index;
    }
  }

  private static FactoryPool shared;

  private final Limits limits;
  private final List<Slot> slots = new ArrayList<>();
  private int created;
  private long served;

  public FactoryPool(Limits limits) {
    this.limits = limits;
  }

  /** The JVM's pool; the first caller's limits win. */
  public static synchronized FactoryPool shared(Limits limits) {
    if (shared == null) {
      shared = new FactoryPool(limits);
    }
    return shared;
  }

  /** Takes a place on a factory for one connection, or refuses. Never call from a webrtc-java callback. */
  public synchronized Slot acquire() throws CapacityException {
    int open = active();
    if (open >= limits.factories() * limits.maxConnectionsPerFactory()) {
      throw new CapacityException("node at capacity: " + open + " connections on " + limits.factories()
          + " factories (" + limits.maxConnectionsPerFactory() + " each)");
    }
    if (served >= limits.maxConnectionsServed()) {
      throw new CapacityException("node must be recycled: it served " + served + " connections and webrtc-java "
          + "never frees a closed connection's native memory");
    }
    long free = freeDescriptors();
    if (free >= 0 && free < limits.reservedDescriptors()) {
      throw new CapacityException("node at capacity: only " + free + " file descriptors left");
    }
    Slot best = null;
    for (Slot slot : slots) {
      if (slot.active < limits.maxConnectionsPerFactory() && (best == null || slot.active < best.active)) {
        best = slot;
      }
    }
    // Spread over up to `factories` factories, created on demand.
    if ((best == null || best.active > 0) && slots.size() < limits.factories()) {
      best = new Slot(created++);
      slots.add(best);
    }
    best.active++;
    served++;
    return best;
  }

  /** Gives a place back after the connection is closed. */
  public synchronized void release(Slot slot) {
    slot.active--;
  }

  public synchronized int active() {
    return slots.stream().mapToInt(s -> s.active).sum();
  }

  public synchronized int factoriesCreated() {
    return created;
  }

  public synchronized long served() {
    return served;
  }

  public Limits limits() {
    return limits;
  }

  /** Free descriptors under the soft limit, or -1 where /proc is not available. */
  static long freeDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      long open = fds.count();
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft) - open;
        }
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}

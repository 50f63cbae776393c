package io.peermesh.supervisor.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A few shared PeerConnectionFactories (about one per core) for every supervisor of the JVM. Connections are
 * pinned to the least-loaded factory. Admission control refuses a connection beyond
 * {@code maxConnectionsPerFactory} per factory or when free file descriptors run short, because one factory
 * falls off a cliff near 2,500 connections and takes its existing connections with it.
 *
 * <p>Churn: {@code close()} never frees a connection's native memory in webrtc-java 0.14.0 (~68 KB each), but
 * disposing the factory does. So a factory that has served {@code retireAfter} connections takes no new ones
 * and is disposed, with its audio module, once its last connection closes; a fresh one replaces it.
 */
public final class FactoryPool {
  private static final Logger LOG = Logger.getLogger(FactoryPool.class.getName());

  /** Limits of one pool. */
  public record Limits(int factories, int maxConnectionsPerFactory, int retireAfter, int reservedDescriptors) {
    public Limits {
      if (factories <= 0 || maxConnectionsPerFactory <= 0 || retireAfter <= 0 || reservedDescriptors < 0) {
        throw new IllegalArgumentException("factory pool limits must be positive");
      }
    }

    public static Limits defaults() {
      return new Limits(Math.max(1, Runtime.getRuntime().availableProcessors()), 2_000, 1_000, 2_000);
    }
  }

  /** One factory and its bookkeeping. Guarded by the pool's lock. */
  public static final class Slot {
    final int index;
    final PeerConnectionFactory factory;
    final HeadlessAudioDeviceModule audio;
    int active;
    int served;
    boolean retiring;

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
  private int disposed;

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
    long free = freeDescriptors();
    if (free >= 0 && free < limits.reservedDescriptors()) {
      throw new CapacityException("node at capacity: only " + free + " file descriptors left");
    }
    Slot best = null;
    for (Slot slot : slots) {
      if (!slot.retiring && slot.active < limits.maxConnectionsPerFactory()
          && (best == null || slot.active < best.active)) {
        best = slot;
      }
    }
    long live = slots.stream().filter(s -> !s.retiring).count();
    if ((best == null || best.active > 0) && live < limits.factories()) {
      best = new Slot(created++);
      slots.add(best);
    }
    if (best == null) {
      throw new CapacityException("node at capacity: every factory is full or retiring");
    }
    best.active++;
    best.served++;
    if (best.served >= limits.retireAfter()) {
      best.retiring = true;
    }
    return best;
  }

  /** Gives a place back after the connection is closed; disposes a retiring factory left empty. */
  public void release(Slot slot) {
    boolean dispose;
    synchronized (this) {
      slot.active--;
      dispose = slot.retiring && slot.active == 0 && slots.remove(slot);
      if (dispose) {
        disposed++;
      }
    }
    if (dispose) {
      // Only after its last connection closed: a send on a disposed factory crashes the JVM.
      try {
        slot.factory.dispose();
        slot.audio.dispose();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "disposing a retired factory failed", e);
      }
    }
  }

  public synchronized int active() {
    return slots.stream().mapToInt(s -> s.active).sum();
  }

  public synchronized int factoriesCreated() {
    return created;
  }

  public synchronized int factoriesDisposed() {
    return disposed;
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

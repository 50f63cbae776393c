package io.peermesh.supervisor.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
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
 *
 * <p>Set-up: building a connection and its five channels is ~2-4 ms of blocking calls into libwebrtc, a third
 * of a set-up. The pool keeps {@link Limits#linksInStock} links per factory built ahead of need (on a thread of
 * its own) for supervisors to take, from the first take on, and builds another after each one taken.
 */
public final class FactoryPool {
  /** Limits of one pool. */
  public record Limits(int factories, int maxConnectionsPerFactory, long maxConnectionsServed,
      int reservedDescriptors, int linksInStock) {
    public Limits {
      if (factories <= 0 || maxConnectionsPerFactory <= 0 || maxConnectionsServed <= 0 || reservedDescriptors < 0
          || linksInStock < 0) {
        throw new IllegalArgumentException("factory pool limits must be positive");
      }
    }

    /** Limits with no links in stock. */
    public Limits(int factories, int maxConnectionsPerFactory, long maxConnectionsServed, int reservedDescriptors) {
      this(factories, maxConnectionsPerFactory, maxConnectionsServed, reservedDescriptors, 0);
    }

    /**
     * About one factory per core, 2,000 each (the cliff is near 2,500), recycle after 50,000 (~3.4 GB leaked),
     * two links in stock per factory.
     */
    public static Limits defaults() {
      return new Limits(Math.max(1, Runtime.getRuntime().availableProcessors()), 2_000, 50_000, 2_000, 2);
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

  /** How long a count of free descriptors is trusted: listing /proc/self/fd takes time with every one open. */
  static final long DESCRIPTOR_COUNT_TTL_NANOS = 100_000_000;
  /** Descriptors an admitted connection is assumed to take until the next count (measured: ~1). */
  static final int DESCRIPTORS_PER_CONNECTION = 2;

  private static final Logger LOG = Logger.getLogger(FactoryPool.class.getName());
  private static FactoryPool shared;

  private final Limits limits;
  private final LongSupplier nanoClock;
  private final LongSupplier descriptorCounter;
  /** Guards everything below; event loops only ever try it ({@link #acquireWithoutBlocking}). */
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Slot> slots = new ArrayList<>();
  private int created;
  private long served;
  private boolean counted;
  private long countedAtNanos;
  private long freeAtCount;
  private long servedAtCount;
  /** Links built ahead of need, per factory, and the factories one is being built for. */
  private final Map<Slot, ArrayDeque<PeerLink>> stock = new HashMap<>();
  private final Set<Slot> stocking = new HashSet<>();
  private ExecutorService stocker;

  public FactoryPool(Limits limits) {
    this(limits, System::nanoTime, FactoryPool::freeDescriptors);
  }

  /** {@code descriptorCounter}: free descriptors under the soft limit, or -1 when unknown. */
  FactoryPool(Limits limits, LongSupplier nanoClock, LongSupplier descriptorCounter) {
    this.limits = limits;
    this.nanoClock = nanoClock;
    this.descriptorCounter = descriptorCounter;
  }

  /** The JVM's pool; the first caller's limits win. */
  public static synchronized FactoryPool shared(Limits limits) {
    if (shared == null) {
      shared = new FactoryPool(limits);
    }
    return shared;
  }

  /**
   * Takes a place on a factory for one connection, or refuses. May block (it creates factories, tens of ms, and
   * counts descriptors): call it off the event loop, never from a webrtc-java callback.
   */
  public Slot acquire() throws CapacityException {
    long free = descriptorCounter.getAsLong();
    long now = nanoClock.getAsLong();
    lock.lock();
    try {
      freeAtCount = free;
      countedAtNanos = now;
      servedAtCount = served;
      counted = true;
      return admit(true);
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@link #acquire} when that can be done at once: no factory to create and a descriptor count younger than
   * 100 ms (connections admitted since are counted at two descriptors each). Null when it cannot; a set-up
   * then saves the hop to a worker thread and back (~0.3-1.5 ms measured on two busy cores). Null too while
   * {@link #acquire} holds the lock (it may be creating a factory): an event loop never waits for it.
   */
  public Slot acquireWithoutBlocking() throws CapacityException {
    if (!lock.tryLock()) {
      return null;
    }
    try {
      if (!counted || nanoClock.getAsLong() - countedAtNanos > DESCRIPTOR_COUNT_TTL_NANOS) {
        return null;
      }
      return admit(false);
    } finally {
      lock.unlock();
    }
  }

  private Slot admit(boolean mayBlock) throws CapacityException {
    int open = slots.stream().mapToInt(slot -> slot.active).sum();
    if (open >= limits.factories() * limits.maxConnectionsPerFactory()) {
      throw new CapacityException("node at capacity: " + open + " connections on " + limits.factories()
          + " factories (" + limits.maxConnectionsPerFactory() + " each)");
    }
    if (served >= limits.maxConnectionsServed()) {
      throw new CapacityException("node must be recycled: it served " + served + " connections and webrtc-java "
          + "never frees a closed connection's native memory");
    }
    long free = freeAtCount < 0 ? -1 : freeAtCount - DESCRIPTORS_PER_CONNECTION * (served - servedAtCount);
    if (freeAtCount >= 0 && free < limits.reservedDescriptors()) {
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
      if (!mayBlock) {
        return null;
      }
      best = new Slot(created++);
      slots.add(best);
    }
    best.active++;
    served++;
    return best;
  }

  /**
   * A link on {@code slot}'s factory built ahead of need (no ICE servers, TCP candidates off, no owner yet:
   * {@link PeerLink#claim}), or null when none is in stock or the pool is busy; never blocks. The stock of a
   * factory is started by its first take, so factories whose connections all want TCP candidates (and never
   * take) hold none.
   */
  public PeerLink takeStocked(Slot slot) {
    if (limits.linksInStock() == 0 || !lock.tryLock()) {
      return null;
    }
    try {
      ArrayDeque<PeerLink> links = stock.get(slot);
      PeerLink link = links == null ? null : links.poll();
      restock(slot);
      return link;
    } finally {
      lock.unlock();
    }
  }

  /** Links in stock for {@code slot}. */
  public int stocked(Slot slot) {
    return locked(() -> stock.getOrDefault(slot, new ArrayDeque<>()).size());
  }

  /** Starts building one more link for {@code slot} if its stock is short and none is being built. Under the lock. */
  private void restock(Slot slot) {
    if (stocking.contains(slot) || stock.getOrDefault(slot, new ArrayDeque<>()).size() >= limits.linksInStock()) {
      return;
    }
    if (stocker == null) {
      stocker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "peermesh-link-stock");
        thread.setDaemon(true);
        return thread;
      });
    }
    stocking.add(slot);
    stocker.execute(() -> buildStocked(slot));
  }

  private void buildStocked(Slot slot) {
    PeerLink link = null;
    try {
      link = new PeerLink(slot, new PeerLink.Options(List.of(), false, false), null, null);
    } catch (RuntimeException | Error e) {
      // Not retried until the next take: supervisors build their own meanwhile.
      LOG.log(Level.WARNING, "building a link in stock failed", e);
    }
    lock.lock();
    try {
      stocking.remove(slot);
      if (link != null) {
        stock.computeIfAbsent(slot, s -> new ArrayDeque<>()).add(link);
        restock(slot);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Gives a place back after the connection is closed. */
  public void release(Slot slot) {
    locked(() -> slot.active--);
  }

  public int active() {
    return locked(() -> slots.stream().mapToInt(s -> s.active).sum());
  }

  public int factoriesCreated() {
    return locked(() -> created);
  }

  public long served() {
    return locked(() -> served);
  }

  private <T> T locked(Supplier<T> read) {
    lock.lock();
    try {
      return read.get();
    } finally {
      lock.unlock();
    }
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

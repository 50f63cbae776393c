package io.peermesh.supervisor;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusCodecs;
import io.peermesh.shared.bus.BusMessages.ConnectionStats;
import io.peermesh.shared.bus.BusMessages.NodeStats;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.protocol.RoomNames;
import io.peermesh.supervisor.files.FileLimits;
import io.peermesh.supervisor.rtc.CapacityException;
import io.peermesh.supervisor.rtc.FactoryPool;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deploys one {@link SupervisorVerticle} per requested connection, after admission control: a node at
 * capacity refuses with failure code {@link #AT_CAPACITY} instead of harming the connections it holds.
 */
public final class SupervisorManagerVerticle extends VerticleBase {
  /** Failure code of a refused request (HTTP's "service unavailable"). */
  public static final int AT_CAPACITY = 503;
  /** Failure code of a malformed request. */
  public static final int BAD_REQUEST = 400;

  private FactoryPool pool;
  private SupervisorOptions options;
  private java.util.Map<String, Object> reconnectDefaults;
  private String nodeId;
  private MessageConsumer<SupervisorRequest> consumer;
  private SupervisorVerticle.Setup setup;
  /** Supervisors this manager deployed and that have not stopped, by connection. */
  private final Map<String, SupervisorVerticle> supervisors = new ConcurrentHashMap<>();

  @Override
  public Future<?> start() {
    BusCodecs.register(vertx);
    JsonObject supervisor = config().getJsonObject("supervisor", new JsonObject());
    options = SupervisorOptions.from(supervisor.getJsonObject("connection"));
    reconnectDefaults = supervisor.getJsonObject("reconnect", new JsonObject()).getMap();
    // Fail at start, not at the first connection, on a bad reconnect setting.
    java.util.Map<String, Object> merged = new java.util.HashMap<>(
        io.peermesh.shared.reconnect.ReconnectConfig.defaults().toMap());
    merged.putAll(reconnectDefaults);
    io.peermesh.shared.reconnect.ReconnectConfig.fromMap(merged);
    FactoryPool.Limits defaults = FactoryPool.Limits.defaults();
    JsonObject limits = supervisor.getJsonObject("pool", new JsonObject());
    FactoryPool.Limits configured = new FactoryPool.Limits(
        // 0: one per core.
        limits.getInteger("factories", 0) > 0 ? limits.getInteger("factories") : defaults.factories(),
        limits.getInteger("maxConnectionsPerFactory", defaults.maxConnectionsPerFactory()),
        limits.getLong("maxConnectionsServed", defaults.maxConnectionsServed()),
        limits.getInteger("reservedDescriptors", defaults.reservedDescriptors()));
    // Factories are per JVM; a private pool is for tests that need their own limits.
    pool = limits.getBoolean("private", false) ? new FactoryPool(configured) : FactoryPool.shared(configured);
    nodeId = config().getString("nodeId", "local");
    setup = new SupervisorVerticle.Setup(options, reconnectDefaults,
        FileLimits.from(supervisor.getJsonObject("files")), nodeId, SignalingLink.sharedClient(vertx));
    consumer = vertx.eventBus().consumer(Addresses.Supervisor.START, this::onStart);
    MessageConsumer<Object> stats = vertx.eventBus().consumer(Addresses.Supervisor.stats(nodeId), this::onStats);
    MessageConsumer<Object> localStats = vertx.eventBus().localConsumer(Addresses.Supervisor.LOCAL_STATS,
        this::onStats);
    return Future.all(consumer.completion(), stats.completion(), localStats.completion());
  }

  private void onStart(Message<SupervisorRequest> msg) {
    SupervisorRequest request = msg.body();
    if (!RoomNames.isValid(request.room()) || !RoomNames.isValid(request.peer())
        || !RoomNames.isValid(request.remote()) || request.peer().equals(request.remote())) {
      msg.fail(BAD_REQUEST, "room, peer and remote must be valid and peer != remote");
      return;
    }
    FactoryPool.Slot ready;
    try {
      ready = pool.acquireWithoutBlocking();
    } catch (CapacityException e) {
      msg.fail(AT_CAPACITY, e.getMessage());
      return;
    }
    // Creating a factory (a native call of tens of milliseconds) or counting descriptors: off the event loop.
    Future<FactoryPool.Slot> slot = ready != null ? Future.succeededFuture(ready)
        : vertx.executeBlocking(pool::acquire, false);
    slot.onComplete(acquired -> {
      if (acquired.failed()) {
        Throwable cause = acquired.cause();
        msg.fail(cause instanceof CapacityException ? AT_CAPACITY : 500, cause.getMessage());
        return;
      }
      String connection = "c-" + UUID.randomUUID();
      SupervisorVerticle supervisor = new SupervisorVerticle(request, setup, connection, pool, acquired.result());
      vertx.deployVerticle(supervisor).onComplete(deployed -> {
        if (deployed.failed()) {
          msg.fail(500, "supervisor failed to start: " + deployed.cause().getMessage());
          return;
        }
        supervisors.put(connection, supervisor);
        supervisor.whenStopped().onComplete(v -> supervisors.remove(connection));
        msg.reply(new SupervisorStarted(connection, nodeId));
      });
    });
  }

  /** A snapshot of every live supervisor of this node, each taken on its own context. */
  private void onStats(Message<Object> msg) {
    List<Future<ConnectionStats>> snapshots = new ArrayList<>();
    supervisors.values().forEach(s -> snapshots.add(s.stats()));
    Future.join(snapshots).onComplete(done -> {
      List<ConnectionStats> rows = new ArrayList<>();
      snapshots.stream().filter(Future::succeeded).forEach(f -> rows.add(f.result()));
      msg.reply(new NodeStats(nodeId, rows));
    });
  }
}

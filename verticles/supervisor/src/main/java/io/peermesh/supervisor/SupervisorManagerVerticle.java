package io.peermesh.supervisor;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.config.SignalingConfig;
import io.peermesh.shared.bus.BusCodecs;
import io.peermesh.shared.bus.BusMessages.BotRequest;
import io.peermesh.shared.bus.BusMessages.BotStarted;
import io.peermesh.shared.bus.BusMessages.ConnectionStats;
import io.peermesh.shared.bus.BusMessages.NodeStats;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.protocol.RoomNames;
import io.peermesh.supervisor.files.FileLimits;
import io.peermesh.supervisor.rtc.CapacityException;
import io.peermesh.supervisor.rtc.FactoryPool;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Deploys one {@link SupervisorVerticle} per requested connection (and a {@link BotVerticle} per requested bot,
 * whose connections it admits the same way), after admission control: a node at
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
        limits.getInteger("reservedDescriptors", defaults.reservedDescriptors()),
        limits.getInteger("linksInStock", defaults.linksInStock()));
    // Factories are per JVM; a private pool is for tests that need their own limits.
    pool = limits.getBoolean("private", false) ? new FactoryPool(configured) : FactoryPool.shared(configured);
    nodeId = config().getString("nodeId", "local");
    // Links write below the rate the signaling service (configured alike across the cluster) allows a socket.
    JsonObject signaling = config().getJsonObject("signaling", new JsonObject());
    SignalingLink.Rate rate = SignalingLink.Rate.below(
        signaling.getInteger("maxMessagesPerSecond", SignalingConfig.DEFAULT_MAX_MESSAGES_PER_SECOND),
        signaling.getInteger("burstMessages", SignalingConfig.DEFAULT_BURST_MESSAGES));
    setup = new SupervisorVerticle.Setup(options, reconnectDefaults,
        FileLimits.from(supervisor.getJsonObject("files")), nodeId, SignalingLink.sharedClient(vertx), rate);
    consumer = vertx.eventBus().consumer(Addresses.Supervisor.START, this::onStart);
    MessageConsumer<BotRequest> bots = vertx.eventBus().consumer(Addresses.Supervisor.BOT_START, this::onBotStart);
    MessageConsumer<Object> stats = vertx.eventBus().consumer(Addresses.Supervisor.stats(nodeId), this::onStats);
    MessageConsumer<Object> localStats = vertx.eventBus().localConsumer(Addresses.Supervisor.LOCAL_STATS,
        this::onStats);
    return Future.all(consumer.completion(), bots.completion(), stats.completion(), localStats.completion());
  }

  private void onStart(Message<SupervisorRequest> msg) {
    SupervisorRequest request = msg.body();
    if (!RoomNames.isValid(request.room()) || !RoomNames.isValid(request.peer())
        || !RoomNames.isValid(request.remote()) || request.peer().equals(request.remote())) {
      msg.fail(BAD_REQUEST, "room, peer and remote must be valid and peer != remote");
      return;
    }
    String connection = "c-" + UUID.randomUUID();
    launch(request, connection, null).onComplete(started -> {
      if (started.succeeded()) {
        msg.reply(new SupervisorStarted(connection, nodeId));
      } else if (started.cause() instanceof ReplyException refused) {
        msg.fail(refused.failureCode(), refused.getMessage());
      } else {
        msg.fail(500, started.cause().getMessage());
      }
    });
  }

  private void onBotStart(Message<BotRequest> msg) {
    BotRequest request = msg.body();
    if (!RoomNames.isValid(request.room()) || !RoomNames.isValid(request.peer())) {
      msg.fail(BAD_REQUEST, "room and peer must be valid");
      return;
    }
    Pattern remotes;
    try {
      remotes = request.remotes() == null ? null : Pattern.compile(request.remotes());
    } catch (PatternSyntaxException e) {
      msg.fail(BAD_REQUEST, "remotes is not a regular expression: " + e.getDescription());
      return;
    }
    String botId = "b-" + UUID.randomUUID();
    BotVerticle bot = new BotVerticle(request, remotes, botId, setup.signalingClient(), setup.signalingRate(),
        this::launch);
    vertx.deployVerticle(bot).onComplete(deployed -> {
      if (deployed.succeeded()) {
        msg.reply(new BotStarted(botId, nodeId));
      } else {
        msg.fail(500, "bot failed to start: " + deployed.cause().getMessage());
      }
    });
  }

  /**
   * Admits and deploys one supervisor; completes with it once started, or fails with a {@link ReplyException}
   * carrying {@link #AT_CAPACITY} or 500. {@code seat}: a bot's shared link, or null for the connection's own.
   */
  Future<SupervisorVerticle> launch(SupervisorRequest request, String connection, Function<Handler<JsonObject>, Seat> seat) {
    FactoryPool.Slot ready;
    try {
      ready = pool.acquireWithoutBlocking();
    } catch (CapacityException e) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, AT_CAPACITY, e.getMessage()));
    }
    // Creating a factory (a native call of tens of milliseconds) or counting descriptors: off the event loop.
    Future<FactoryPool.Slot> slot = ready != null ? Future.succeededFuture(ready)
        : vertx.executeBlocking(pool::acquire, false);
    return slot.recover(cause -> Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE,
        cause instanceof CapacityException ? AT_CAPACITY : 500, cause.getMessage()))).compose(acquired -> {
          SupervisorVerticle supervisor = new SupervisorVerticle(request, setup, connection, pool, acquired, seat);
          return vertx.deployVerticle(supervisor).map(id -> {
            supervisors.put(connection, supervisor);
            supervisor.whenStopped().onComplete(v -> supervisors.remove(connection));
            return supervisor;
          }).recover(cause -> Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 500,
              "supervisor failed to start: " + cause.getMessage())));
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

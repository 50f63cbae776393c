package io.peermesh.signaling;

import io.peermesh.shared.time.TokenBucket;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusCodecs;
import io.peermesh.shared.bus.ClusterMembers;
import io.peermesh.shared.bus.LocalSocket;
import io.peermesh.shared.config.SignalingConfig;
import io.peermesh.shared.json.Json;
import io.peermesh.shared.protocol.ClientMessageParser;
import io.peermesh.shared.protocol.CloseCodes;
import io.peermesh.shared.protocol.ErrorCode;
import io.peermesh.shared.protocol.ProtocolException;
import io.peermesh.shared.protocol.ServerMessage;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * WebSocket signaling at {@code /signal} plus {@code /health}, {@code /ready} and {@code /metrics}. Deploy one
 * instance per node: its rooms and sessions live on its event loop. {@code start()} completes once the
 * server listens and the bus consumers are registered.
 */
public final class SignalingVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(SignalingVerticle.class.getName());
  public static final String PATH = "/signal";
  /** The router answers from memory on this node; a slow answer leaves it out of one scrape. */
  private static final long ROUTER_METRICS_TIMEOUT_MS = 1_000;

  private SignalingConfig config;
  private SignalingHub hub;
  private final SignalingMetrics metrics = new SignalingMetrics();
  private final Set<ClientSocket> sockets = new HashSet<>();
  private HttpServer server;
  private MessageConsumer<String> memberLeft;
  private MessageConsumer<io.peermesh.shared.bus.BusMessages.RoomEvent> roomEvents;
  private MessageConsumer<io.peermesh.shared.bus.BusMessages.PeerDelivery> peerDeliveries;
  private MessageConsumer<io.peermesh.shared.bus.BusMessages.Takeover> takeovers;
  private MessageConsumer<io.peermesh.shared.bus.BusMessages.StateChange> states;
  private MessageConsumer<String> localSockets;
  private final ConnectionStatus status = new ConnectionStatus(10_000);
  private volatile boolean started;

  @Override
  public Future<?> start() {
    config = SignalingConfig.from(config().getJsonObject("signaling"));
    String nodeId = config().getString("nodeId", UUID.randomUUID().toString());
    BusCodecs.register(vertx);
    Json.warmUp(new ServerMessage.Error("internal", "warm-up", null, null));
    if (config.devMode()) {
      LOG.warning("signaling dev mode is ON: joins without a token are accepted; never use it in production");
    }
    TokenVerifier verifier = new TokenVerifier(vertx, config, () -> System.currentTimeMillis() / 1000);
    RoomDirectory directory = new RoomDirectory(vertx);
    hub = new SignalingHub(vertx, config, nodeId, directory, verifier, metrics);
    memberLeft = vertx.eventBus().localConsumer(Addresses.Node.MEMBER_LEFT, msg -> hub.memberLeft(msg.body()));
    states = vertx.eventBus().consumer(Addresses.Supervisor.STATE, msg -> status.record(msg.body()));
    roomEvents = vertx.eventBus().consumer(Addresses.Signaling.node(nodeId), msg -> hub.onNodeEvent(msg.body()));
    peerDeliveries = vertx.eventBus().consumer(Addresses.Signaling.nodePeers(nodeId), hub::onNodeDelivery);
    takeovers = vertx.eventBus().consumer(Addresses.Signaling.nodeTakeover(nodeId), hub::onNodeTakeover);

    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> ctx.response().end("ok"));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(ctx -> {
      String own = metrics.render(sockets.size(), hub.roomCount(), hub.sessionCount(), hub.suspendedCount(),
          this::members);
      // The channel router's counters, when this node runs one (the supervisor role).
      vertx.eventBus().<String>request(Addresses.Router.LOCAL_METRICS, null,
              new DeliveryOptions().setSendTimeout(ROUTER_METRICS_TIMEOUT_MS))
          .onComplete(routerMetrics -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4")
              .end(routerMetrics.succeeded() ? own + routerMetrics.result().body() : own));
    });
    router.route(PATH).handler(ctx -> ctx.request().toWebSocket().onSuccess(this::accept));
    StatusCollector collector = new StatusCollector(vertx, status);
    router.get("/status.json").handler(ctx -> collector.collect().onComplete(rows -> {
      if (rows.succeeded()) {
        ctx.response().putHeader("content-type", "application/json").end(rows.result().encode());
      } else {
        // Answered either way: a request left without a response holds the client until its own timeout.
        LOG.log(java.util.logging.Level.WARNING, "/status.json failed", rows.cause());
        ctx.fail(500, rows.cause());
      }
    }));
    router.get("/status").handler(ctx -> ctx.reroute("/status.html"));
    router.route().handler(StaticHandler.create("webroot").setCachingEnabled(false));

    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.port())
        .setMaxWebSocketFrameSize(config.maxFrameBytes() * 4)
        .setMaxWebSocketMessageSize(config.maxFrameBytes() * 4)
        .setRegisterWebSocketWriteHandlers(false);
    vertx.setPeriodic(Math.max(250, config.heartbeatMs() / 2), id -> closeIdleSockets());
    return Future.all(List.of(directory.ready(), memberLeft.completion(), states.completion(),
            roomEvents.completion(), peerDeliveries.completion(), takeovers.completion()))
        .compose(v -> vertx.createHttpServer(options).requestHandler(router).listen())
        .compose(s -> {
          server = s;
          localSockets = vertx.eventBus().localConsumer(Addresses.Signaling.localSocket(s.actualPort()),
              this::acceptLocal);
          return localSockets.completion();
        })
        .onSuccess(v -> {
          started = true;
          LOG.info("signaling listening on " + config.host() + ":" + server.actualPort() + PATH);
        });
  }

  @Override
  public Future<?> stop() {
    started = false;
    return hub.closeAll().compose(v -> {
      // The server's close ends the WebSockets; sockets on the local bus hear it from us.
      for (ClientSocket socket : Set.copyOf(sockets)) {
        if (socket.wire instanceof SocketWire.Local) {
          socket.close(CloseCodes.TRY_AGAIN_LATER, "signaling stopped");
        }
      }
      return server == null ? Future.succeededFuture() : server.close();
    });
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void ready(RoutingContext ctx) {
    if (!started) {
      ctx.response().setStatusCode(503).end("starting");
      return;
    }
    vertx.eventBus().<Boolean>request(Addresses.Node.CLUSTER_SAFE, null).onComplete(ar -> {
      boolean standalone = ar.failed();
      boolean safe = standalone || Boolean.TRUE.equals(ar.result().body());
      ctx.response().setStatusCode(safe ? 200 : 503).end(safe ? "ready" : "cluster not safe");
    });
  }

  private int members() {
    return ClusterMembers.live(vertx).map(java.util.List::size).orElse(1);
  }

  private void accept(ServerWebSocket ws) {
    ClientSocket socket = newSocket(SocketWire.of(ws));
    ws.closeHandler(v -> closed(socket));
    ws.exceptionHandler(e -> LOG.fine("socket error: " + e));
    if (admit(socket)) {
      ws.textMessageHandler(text -> onText(socket, text));
      ws.binaryMessageHandler(bytes -> hub.error(socket, new ProtocolException(ErrorCode.BINARY_NOT_SUPPORTED,
          "signaling frames are JSON text")));
    }
  }

  /** A supervisor of this node opening its socket over the local bus ({@link LocalSocket}). */
  private void acceptLocal(Message<String> request) {
    SocketWire.Local wire = new SocketWire.Local(vertx, request.body());
    ClientSocket socket = newSocket(wire);
    // Deferred like a WebSocket's close handler, so closing from inside the hub never re-enters it.
    wire.onClosed = () -> vertx.runOnContext(v -> closed(socket));
    String up = Addresses.Signaling.localSocketFrames(UUID.randomUUID().toString());
    wire.up = vertx.eventBus().localConsumer(up, frame -> {
      if (!wire.closing(frame) && !wire.isClosed()) {
        onText(socket, frame.body());
      }
    });
    // The reply goes out before anything admit() writes, and the client handles them in that order.
    request.reply(up, LocalSocket.frame());
    admit(socket);
  }

  private ClientSocket newSocket(SocketWire wire) {
    return new ClientSocket(wire,
        new TokenBucket(config.maxMessagesPerSecond(), config.burstMessages(), System::nanoTime), System.nanoTime());
  }

  /** Counts the socket against the node's cap and starts its join timer; false when it was refused. */
  private boolean admit(ClientSocket socket) {
    if (sockets.size() >= config.maxSocketsPerNode()) {
      hub.error(socket, new ProtocolException(ErrorCode.TOO_MANY_SOCKETS,
          "this node holds " + config.maxSocketsPerNode() + " sockets; try another node"));
      return false;
    }
    sockets.add(socket);
    socket.joinTimer = vertx.setTimer(config.joinTimeoutMs(), id -> {
      if (socket.session == null) {
        socket.close(CloseCodes.JOIN_TIMEOUT, "join timeout");
      }
    });
    return true;
  }

  private void closed(ClientSocket socket) {
    sockets.remove(socket);
    vertx.cancelTimer(socket.joinTimer);
    hub.socketClosed(socket);
  }

  private void onText(ClientSocket socket, String text) {
    if (socket.closed) {
      return;
    }
    socket.lastSeenNanos = System.nanoTime();
    if (!socket.limiter.tryAcquire()) {
      hub.error(socket, new ProtocolException(ErrorCode.RATE_LIMITED,
          "more than " + config.maxMessagesPerSecond() + " messages per second"));
      return;
    }
    if (tooLarge(text, config.maxFrameBytes())) {
      hub.error(socket, new ProtocolException(ErrorCode.FRAME_TOO_LARGE,
          "frames are limited to " + config.maxFrameBytes() + " bytes"));
      return;
    }
    try {
      hub.handle(socket, ClientMessageParser.parse(text));
    } catch (ProtocolException e) {
      hub.error(socket, e);
    } catch (RuntimeException e) {
      // A bug must cost one message, not the verticle: the client hears "internal" and may retry.
      LOG.log(java.util.logging.Level.WARNING, "failed to handle a client message", e);
      hub.error(socket, new ProtocolException(ErrorCode.INTERNAL, "the server failed; the message had no effect"));
    }
  }

  private void closeIdleSockets() {
    long now = System.nanoTime();
    long limit = config.idleTimeoutMs() * 1_000_000L;
    for (ClientSocket socket : Set.copyOf(sockets)) {
      if (now - socket.lastSeenNanos > limit) {
        socket.close(CloseCodes.IDLE_TIMEOUT, "idle");
      }
    }
  }

  /** A char is 1 to 3 UTF-8 bytes, so the exact count is needed only near the limit. */
  static boolean tooLarge(String text, int maxBytes) {
    if (text.length() > maxBytes) {
      return true;
    }
    return (long) text.length() * 3 > maxBytes && text.getBytes(StandardCharsets.UTF_8).length > maxBytes;
  }
}

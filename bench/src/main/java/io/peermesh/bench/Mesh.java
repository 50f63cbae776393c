package io.peermesh.bench;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusCodecs;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.RouteJoin;
import io.peermesh.shared.bus.BusMessages.RouteJoined;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.router.ChannelRouterVerticle;
import io.peermesh.signaling.SignalingVerticle;
import io.peermesh.supervisor.SupervisorManagerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** One node's worth of PeerMesh in this JVM: signaling and the supervisor manager, driven over the bus. */
final class Mesh implements AutoCloseable {
  final Vertx vertx = Vertx.vertx(nodeVertxOptions());
  final int signalingPort;
  private final String signalingDeployment;
  private final String managerDeployment;
  private final String routerDeployment;
  private final Map<String, Promise<Void>> connected = new ConcurrentHashMap<>();
  private final List<Handler<StateChange>> stateListeners = new CopyOnWriteArrayList<>();

  Mesh() {
    this(new JsonObject());
  }

  /** {@code supervisor}: the supervisor config section (e.g. a private factory pool with its own limits). */
  Mesh(JsonObject supervisor) {
    BusCodecs.register(vertx);
    SignalingVerticle signaling = new SignalingVerticle();
    JsonObject sig = new JsonObject().put("port", 0).put("devMode", true).put("maxMessagesPerSecond", 100_000)
        .put("burstMessages", 200_000).put("maxPeersPerRoom", 1_000);
    signalingDeployment = Await.result(vertx.deployVerticle(signaling, new DeploymentOptions()
        .setConfig(new JsonObject().put("signaling", sig))));
    signalingPort = signaling.actualPort();
    managerDeployment = Await.result(vertx.deployVerticle(new SupervisorManagerVerticle(), new DeploymentOptions()
        .setConfig(new JsonObject().put("supervisor", supervisor))));
    routerDeployment = Await.result(vertx.deployVerticle(new ChannelRouterVerticle()));
    Await.result(vertx.eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
      if (m.body().to().equals("connected")) {
        connected.computeIfAbsent(m.body().connection(), c -> Promise.promise()).tryComplete();
      }
      stateListeners.forEach(l -> l.handle(m.body()));
    }).completion());
  }

  /**
   * A node's Vert.x options (its event loops, epoll); {@code -Dpeermesh.bench.eventLoops=N} overrides the count
   * and {@code -Dpeermesh.bench.nativeTransport=false} the transport, for an A/B run (child JVMs get both).
   */
  static io.vertx.core.VertxOptions nodeVertxOptions() {
    io.vertx.core.VertxOptions options = io.peermesh.node.PeerMeshNode.vertxOptions(new JsonObject());
    Integer override = Integer.getInteger(EVENT_LOOPS_PROPERTY);
    String transport = System.getProperty(NATIVE_TRANSPORT_PROPERTY);
    if (transport != null) {
      options.setPreferNativeTransport(Boolean.parseBoolean(transport));
    }
    return override == null ? options : options.setEventLoopPoolSize(override);
  }

  static final String EVENT_LOOPS_PROPERTY = "peermesh.bench.eventLoops";
  static final String NATIVE_TRANSPORT_PROPERTY = "peermesh.bench.nativeTransport";

  /** Hears every state change of every supervisor (on an event loop: never block in it). */
  void onState(Handler<StateChange> listener) {
    stateListeners.add(listener);
  }

  void removeStateListener(Handler<StateChange> listener) {
    stateListeners.remove(listener);
  }

  /** Requests a supervisor; completes when it reports {@code connected}. */
  Future<String> supervise(String room, String peer, String remote) {
    return request(room, peer, remote)
        .compose(id -> connected.computeIfAbsent(id, c -> Promise.promise()).future().map(v -> id));
  }

  /** Requests a supervisor; completes with its connection id once admitted, or fails (503 at capacity). */
  Future<String> request(String room, String peer, String remote) {
    return vertx.eventBus().<SupervisorStarted>request(Addresses.Supervisor.START,
            new SupervisorRequest(room, peer, remote, "127.0.0.1", signalingPort, null, Map.of()))
        .map(reply -> reply.body().connection());
  }

  /** Peers {@code a} and {@code b} of {@code room}, connected; returns their connections {@code [a, b]}. */
  Future<String[]> pair2(String room, String a, String b) {
    Future<String> first = supervise(room, a, b);
    Future<String> second = supervise(room, b, a);
    return Future.all(first, second).map(v -> new String[] {first.result(), second.result()});
  }

  /** Both ends of a pair, connected; returns {@code [a, b]}. */
  Future<String[]> pair(String room) {
    // Peer ids are unique across rooms.
    return pair2(room, room + "-a", room + "-b");
  }

  /** Routes {@code connection} (a relay of this node) with the other routed relays of {@code room}. */
  Future<RouteJoined> route(String room, String connection) {
    return vertx.eventBus().<RouteJoined>request(Addresses.Router.join("local"), new RouteJoin(room, connection))
        .map(r -> r.body());
  }

  Future<SendAck> send(String connection, String channel, byte[] data) {
    return vertx.eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
        new OutboundMessage(channel, data)).map(r -> r.body());
  }

  MessageConsumer<InboundMessage> onInbound(String room, String channel, Handler<InboundMessage> handler) {
    MessageConsumer<InboundMessage> consumer = vertx.eventBus().localConsumer(
        Addresses.Supervisor.inbound(room, channel), m -> handler.handle(m.body()));
    Await.result(consumer.completion());
    return consumer;
  }

  void close(String connection) {
    Await.result(closeAsync(connection));
  }

  /** Closes one supervisor; forgets its bookkeeping so churn measures the node, not this harness. */
  Future<Void> closeAsync(String connection) {
    return vertx.eventBus().request(Addresses.Supervisor.close(connection), null)
        .andThen(ar -> connected.remove(connection)).mapEmpty();
  }

  @Override
  public void close() {
    // Supervisors first, then signaling (as PeerMeshNode#close): each side's last words find the other listening.
    Await.result(vertx.undeploy(routerDeployment), 120);
    Await.result(vertx.undeploy(managerDeployment), 120);
    Await.result(vertx.undeploy(signalingDeployment), 120);
    Await.result(vertx.close(), 120);
  }
}

package io.peermesh.bench;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusCodecs;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.signaling.SignalingVerticle;
import io.peermesh.supervisor.SupervisorManagerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One node's worth of PeerMesh in this JVM: signaling and the supervisor manager, driven over the bus. */
final class Mesh implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final int signalingPort;
  private final Map<String, Promise<Void>> connected = new ConcurrentHashMap<>();

  Mesh() {
    BusCodecs.register(vertx);
    SignalingVerticle signaling = new SignalingVerticle();
    JsonObject sig = new JsonObject().put("port", 0).put("devMode", true).put("maxMessagesPerSecond", 100_000)
        .put("burstMessages", 200_000).put("maxPeersPerRoom", 1_000);
    Await.result(vertx.deployVerticle(signaling, new DeploymentOptions()
        .setConfig(new JsonObject().put("signaling", sig))));
    signalingPort = signaling.actualPort();
    Await.result(vertx.deployVerticle(new SupervisorManagerVerticle(), new DeploymentOptions()
        .setConfig(new JsonObject().put("supervisor", new JsonObject()))));
    Await.result(vertx.eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
      if (m.body().to().equals("connected")) {
        connected.computeIfAbsent(m.body().connection(), c -> Promise.promise()).tryComplete();
      }
    }).completion());
  }

  /** Requests a supervisor; completes when it reports {@code connected}. */
  Future<String> supervise(String room, String peer, String remote) {
    return vertx.eventBus().<SupervisorStarted>request(Addresses.Supervisor.START,
            new SupervisorRequest(room, peer, remote, "127.0.0.1", signalingPort, null, Map.of()))
        .compose(reply -> {
          String id = reply.body().connection();
          return connected.computeIfAbsent(id, c -> Promise.promise()).future().map(v -> id);
        });
  }

  /** Both ends of a pair, connected; returns {@code [a, b]}. */
  Future<String[]> pair(String room) {
    // Peer ids are unique across rooms.
    Future<String> a = supervise(room, room + "-a", room + "-b");
    Future<String> b = supervise(room, room + "-b", room + "-a");
    return Future.all(a, b).map(v -> new String[] {a.result(), b.result()});
  }

  Future<SendAck> send(String connection, String channel, byte[] data) {
    return vertx.eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
        new OutboundMessage(channel, data)).map(r -> r.body());
  }

  void onInbound(String room, String channel, Handler<InboundMessage> handler) {
    Await.result(vertx.eventBus().<InboundMessage>localConsumer(Addresses.Supervisor.inbound(room, channel),
        m -> handler.handle(m.body())).completion());
  }

  void close(String connection) {
    Await.result(vertx.eventBus().request(Addresses.Supervisor.close(connection), null));
  }

  @Override
  public void close() {
    Await.result(vertx.close(), 120);
  }
}

package io.peermesh.supervisor;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusCodecs;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.testing.Await;
import io.peermesh.signaling.SignalingVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A signaling service and a supervisor manager on one Vert.x, with helpers to drive and observe supervisors. */
final class SupervisorHarness implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final SignalingVerticle signaling = new SignalingVerticle();
  final SupervisorManagerVerticle manager = new SupervisorManagerVerticle();
  final List<StateChange> states = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<StateChange> stateQueue = new LinkedBlockingQueue<>();
  final int signalingPort;
  private final String signalingDeployment;
  private final String managerDeployment;

  SupervisorHarness(JsonObject signalingOverrides, JsonObject supervisorConfig) {
    BusCodecs.register(vertx);
    JsonObject sig = new JsonObject().put("port", 0).put("devMode", true).put("maxMessagesPerSecond", 2_000)
        .put("burstMessages", 4_000).put("resumeBufferMessages", 4_096).mergeIn(signalingOverrides);
    signalingDeployment = Await.result(vertx.deployVerticle(signaling, new DeploymentOptions()
        .setConfig(new JsonObject().put("signaling", sig))));
    signalingPort = signaling.actualPort();
    managerDeployment = Await.result(vertx.deployVerticle(manager, new DeploymentOptions()
        .setConfig(new JsonObject().put("supervisor", supervisorConfig))));
    Await.result(vertx.eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
      states.add(m.body());
      stateQueue.add(m.body());
    }).completion());
  }

  SupervisorHarness() {
    this(new JsonObject(), new JsonObject());
  }

  Future<SupervisorStarted> request(String room, String peer, String remote, Map<String, Object> reconnect) {
    return vertx.eventBus().<SupervisorStarted>request(Addresses.Supervisor.START,
        new SupervisorRequest(room, peer, remote, "127.0.0.1", signalingPort, null, reconnect))
        .map(reply -> reply.body());
  }

  String start(String room, String peer, String remote, Map<String, Object> reconnect) {
    return Await.result(request(room, peer, remote, reconnect)).connection();
  }

  /** Waits for a state change matching {@code match}; returns it. */
  StateChange awaitState(Predicate<StateChange> match, Duration timeout, String what) {
    for (StateChange seen : states) {
      if (match.test(seen)) {
        stateQueue.remove(seen);
        return seen;
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        StateChange next = stateQueue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (next == null) {
          throw new AssertionError("no " + what + " within " + timeout + "; states: " + states);
        }
        if (match.test(next)) {
          return next;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  StateChange awaitState(String connection, String to, Duration timeout) {
    return awaitState(s -> s.connection().equals(connection) && s.to().equals(to), timeout,
        connection + " -> " + to);
  }

  /** Forgets states seen so far (so the next await sees only new ones). */
  void clearStates() {
    states.clear();
    stateQueue.clear();
  }

  Future<SendAck> send(String connection, ChannelSpec channel, byte[] data) {
    return vertx.eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
        new OutboundMessage(channel.label(), data)).map(r -> r.body());
  }

  /** Collects what supervisors in {@code room} receive on {@code channel}. */
  LinkedBlockingQueue<InboundMessage> inbound(String room, ChannelSpec channel) {
    LinkedBlockingQueue<InboundMessage> queue = new LinkedBlockingQueue<>();
    Await.result(vertx.eventBus().<InboundMessage>consumer(Addresses.Supervisor.inbound(room, channel.label()),
        m -> queue.add(m.body())).completion());
    return queue;
  }

  void close(String connection) {
    Await.result(vertx.eventBus().request(Addresses.Supervisor.close(connection), null));
  }

  @Override
  public void close() {
    // Supervisors first, then signaling (as PeerMeshNode#close): each side's last words find the other listening.
    Await.result(vertx.undeploy(managerDeployment), 60);
    Await.result(vertx.undeploy(signalingDeployment), 60);
    Await.result(vertx.close(), 60);
  }
}

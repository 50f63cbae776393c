package io.peermesh.supervisor;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.BotBroadcastAck;
import io.peermesh.shared.bus.BusMessages.BotPeers;
import io.peermesh.shared.bus.BusMessages.BotRequest;
import io.peermesh.shared.bus.BusMessages.BotSend;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * A bot: one peer in a room that holds a supervised connection to each peer there (an AI assistant talking with
 * every browser). It joins once; each connection is an ordinary {@link SupervisorVerticle} signaling through a
 * view of the bot's link ({@link SharedSeat}), deployed as a child of this verticle. A peer that joins gets a
 * connection, one that leaves loses it; a connection that ends while its remote is still here (it gave up
 * recovering) is started again after {@code RESTART_DELAY_MS}. Connection ids are {@code <bot>.<remote>.<n>}.
 */
final class BotVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(BotVerticle.class.getName());
  static final long RESTART_DELAY_MS = 1_000;
  /** Failure code of a send to a remote the bot has no connection with. */
  static final int NO_CONNECTION = 404;
  /** Its connections run in this JVM: a hand-over that takes seconds means the connection is stuck. */
  private static final DeliveryOptions LOCAL_HAND_OVER = new DeliveryOptions().setLocalOnly(true)
      .setSendTimeout(10_000);

  /** Admits and deploys one supervisor (the manager's {@code launch}). */
  interface Launcher {
    Future<SupervisorVerticle> launch(SupervisorRequest request, String connection, Function<Handler<JsonObject>, Seat> seat);
  }

  private final BotRequest request;
  private final Pattern remotes;
  private final String botId;
  private final WebSocketClient client;
  private final SignalingLink.Rate rate;
  private final Launcher launcher;
  /** Connection id by remote: started or starting. */
  private final Map<String, String> connections = new HashMap<>();
  /** Remotes that declined the bot (their connectTo leaves it out): not tried again until they join again. */
  private final java.util.Set<String> declined = new java.util.HashSet<>();
  private final Declines declines = new Declines(System::nanoTime);
  /** Connections whose supervisor is up (their send addresses answer), by remote. */
  private final Map<String, String> up = new HashMap<>();
  private SignalingLink link;
  private SharedSeat seat;
  private boolean stopping;
  /** The bot's peer id as signaling knows it (with a token, the token's). */
  private String self;
  private long started;

  BotVerticle(BotRequest request, Pattern remotes, String botId, WebSocketClient client, SignalingLink.Rate rate,
      Launcher launcher) {
    this.request = request;
    this.rate = rate;
    this.remotes = remotes;
    this.botId = botId;
    this.client = client;
    this.launcher = launcher;
  }

  @Override
  public Future<?> start() {
    JsonObject join = SignalingLink.join(request.room(), request.peer(), request.token());
    link = new SignalingLink(vertx, client, request.signalingHost(), request.signalingPort(), join, this::onSignal,
        rate);
    seat = new SharedSeat(context, link);
    // The room saw the bot leave and join again: its peers start over with it, so every connection starts over
    // (each closes and, its remote still here, is started again), and the roster is the room's as it is now.
    link.onFreshJoin(joined -> {
      seat.joined(joined);
      // Peers may have left and come back unseen: each gets a chance again.
      declined.clear();
      connections.values().forEach(connection -> vertx.eventBus().request(Addresses.Supervisor.close(connection),
          null));
      seat.present().forEach(this::connect);
    });
    MessageConsumer<Object> close = vertx.eventBus().consumer(Addresses.Supervisor.botClose(botId),
        msg -> closeAll().onComplete(done -> msg.reply("closed")));
    MessageConsumer<BotSend> send = vertx.eventBus().consumer(Addresses.Supervisor.botSend(botId), this::onSend);
    MessageConsumer<OutboundMessage> broadcast = vertx.eventBus().consumer(Addresses.Supervisor.botBroadcast(botId),
        this::onBroadcast);
    MessageConsumer<Object> peers = vertx.eventBus().consumer(Addresses.Supervisor.botPeers(botId),
        msg -> msg.reply(new BotPeers(List.copyOf(new java.util.TreeSet<>(up.keySet())))));
    return Future.all(close.completion(), send.completion(), broadcast.completion(), peers.completion())
        .compose(v -> link.open()).onSuccess(joined -> {
      self = joined.getString("peer", request.peer());
      seat.joined(joined);
      for (String peer : seat.present()) {
        connect(peer);
      }
    });
  }

  private void onSignal(JsonObject message) {
    String from = message.getString("from");
    if (from != null && remotes != null && !remotes.matcher(from).matches()) {
      // Not for this bot: declined if it asks for a link, dropped either way.
      declines.declineIfAsked(link, message, "links with peers matching " + remotes.pattern() + " only");
      return;
    }
    if (from != null && declined.contains(from) && Declines.wantsLink(message)) {
      // It declined the bot and now offers, or reports a live link to it: its connectTo changed (a page that
      // resumed its session sends no peer-joined). The message waits in the seat for the new connection.
      declined.remove(from);
      connect(from);
    }
    seat.dispatch(message);
    String type = message.getString("type", "");
    String peer = message.getString("peer");
    if (peer == null) {
      return;
    }
    if (type.equals("peer-joined")) {
      connect(peer);
    } else if (type.equals("peer-left")) {
      String connection = connections.remove(peer);
      up.remove(peer);
      declined.remove(peer);
      if (connection != null) {
        // The remote is gone for good (a resuming one is not reported as left): so is the connection.
        vertx.eventBus().request(Addresses.Supervisor.close(connection), null);
      }
    }
  }

  private void connect(String remote) {
    if (stopping || remote.equals(self) || connections.containsKey(remote) || declined.contains(remote)
        || !seat.isPresent(remote)
        || remotes != null && !remotes.matcher(remote).matches()) {
      return;
    }
    String connection = botId + "." + remote + "." + ++started;
    connections.put(remote, connection);
    long instance = seat.expect(remote);
    SupervisorRequest one = new SupervisorRequest(request.room(), request.peer(), remote, request.signalingHost(),
        request.signalingPort(), request.token(), request.reconnect());
    launcher.launch(one, connection, onMessage -> seat.view(remote, instance, onMessage)).onComplete(launched ->
        context.runOnContext(v -> launched(remote, instance, connection, launched)));
  }

  private void launched(String remote, long instance, String connection, AsyncResult<SupervisorVerticle> launched) {
    if (launched.failed()) {
      seat.forget(remote, instance);
      LOG.warning(botId + ": no connection to " + remote + ": " + launched.cause().getMessage());
      ended(remote, connection);
    } else if (!connection.equals(connections.get(remote)) || stopping) {
      // The remote left (or the bot is closing) while the connection started: its close found no one to hear it.
      vertx.eventBus().request(Addresses.Supervisor.close(connection), null);
    } else {
      up.put(remote, connection);
      // Its supervisor stops on its own when it gives up: a remote still here then gets a new connection, unless
      // it declined the bot.
      SupervisorVerticle supervisor = launched.result();
      supervisor.whenStopped().onComplete(v -> context.runOnContext(w -> {
        if (supervisor.declined() && connection.equals(connections.get(remote))) {
          declined.add(remote);
        }
        ended(remote, connection);
      }));
    }
  }

  private void onSend(Message<BotSend> msg) {
    BotSend body = msg.body();
    String connection = up.get(body.remote());
    if (connection == null) {
      msg.fail(NO_CONNECTION, botId + " has no connection with " + body.remote());
      return;
    }
    vertx.eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
        new OutboundMessage(body.channel(), body.data()), LOCAL_HAND_OVER).onComplete(sent -> {
          if (sent.succeeded()) {
            msg.reply(sent.result().body());
          } else {
            failLike(msg, sent.cause());
          }
        });
  }

  private void onBroadcast(Message<OutboundMessage> msg) {
    Map<String, Future<SendAck>> sends = new java.util.TreeMap<>();
    up.forEach((remote, connection) -> sends.put(remote, vertx.eventBus().<SendAck>request(
        Addresses.Supervisor.send(connection), msg.body(), LOCAL_HAND_OVER).map(reply -> reply.body())));
    Future.join(List.copyOf(sends.values())).onComplete(done -> {
      List<String> accepted = new ArrayList<>();
      Map<String, String> refused = new java.util.TreeMap<>();
      sends.forEach((remote, sent) -> {
        if (sent.succeeded() && sent.result().accepted()) {
          accepted.add(remote);
        } else {
          refused.put(remote, sent.succeeded() ? sent.result().code() : "closed");
        }
      });
      msg.reply(new BotBroadcastAck(accepted, refused));
    });
  }

  private static void failLike(Message<?> msg, Throwable cause) {
    if (cause instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      msg.fail(r.failureCode(), r.getMessage());
    } else {
      msg.fail(NO_CONNECTION, "the connection closed: " + cause.getMessage());
    }
  }

  private void ended(String remote, String connection) {
    up.remove(remote, connection);
    if (!connections.remove(remote, connection) || stopping) {
      return;
    }
    // The remote may offer again meanwhile: what it sends waits for the next connection.
    long instance = seat.expect(remote);
    vertx.setTimer(RESTART_DELAY_MS, id -> {
      connect(remote);
      if (!connections.containsKey(remote)) {
        seat.forget(remote, instance);
      }
    });
  }

  /** Each connection closes as any closed one does (its remote and the bus hear of it); then the bot leaves. */
  private Future<?> closeAll() {
    stopping = true;
    List<Future<?>> closing = new ArrayList<>();
    connections.values().forEach(connection -> closing.add(vertx.eventBus().request(
        Addresses.Supervisor.close(connection), null, new DeliveryOptions().setSendTimeout(10_000))));
    return Future.join(closing).eventually(() -> vertx.undeploy(deploymentID()));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    // Child deployments (the connections) are undeployed before this runs: the bot leaves the room last.
    return link == null ? Future.succeededFuture() : link.close();
  }
}

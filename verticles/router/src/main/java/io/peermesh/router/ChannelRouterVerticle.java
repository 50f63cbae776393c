package io.peermesh.router;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusCodecs;
import io.peermesh.shared.bus.BusMessages.AckHold;
import io.peermesh.shared.bus.BusMessages.BatchAck;
import io.peermesh.shared.bus.BusMessages.Commit;
import io.peermesh.shared.bus.BusMessages.ConnectionStats;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.NodeStats;
import io.peermesh.shared.bus.BusMessages.OutboundBatch;
import io.peermesh.shared.bus.BusMessages.RouteAck;
import io.peermesh.shared.bus.BusMessages.RouteEvent;
import io.peermesh.shared.bus.BusMessages.RouteEventKind;
import io.peermesh.shared.bus.BusMessages.RouteJoin;
import io.peermesh.shared.bus.BusMessages.RouteJoined;
import io.peermesh.shared.bus.BusMessages.RouteLeave;
import io.peermesh.shared.bus.BusMessages.RouteResend;
import io.peermesh.shared.bus.BusMessages.RouteRoster;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.ClusterMembers;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.protocol.RoomNames;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The channel router of one node (docs/ROUTER.md): what the client behind a routed relay connection sends on
 * code-sync, cursor-pos, ai-stream or presence reaches the clients behind every other routed connection of the
 * room, on any node. The source's router sends it once to each node routing the room ({@link RoomRoster}, kept
 * by the routers' announcements); each router hands it to its own routed connections through their supervisors'
 * send addresses, paced per target by {@link TargetPump}.
 */
public final class ChannelRouterVerticle extends VerticleBase {
  /** Failure codes of a refused join or leave. */
  public static final int BAD_REQUEST = 400;
  public static final int NOT_FOUND = 404;
  public static final int WRONG_ROOM = 409;

  private static final Logger LOG = Logger.getLogger(ChannelRouterVerticle.class.getName());
  /** Times a roster change is offered to a member that does not answer. */
  static final int ANNOUNCE_ATTEMPTS = 5;
  /** Connections remembered as ended, so a join racing the end of its connection is refused. */
  private static final int ENDED_REMEMBERED = 10_000;

  private RouterOptions options;
  private String nodeId;
  private DeliveryOptions toSupervisor;
  private DeliveryOptions toRouter;
  private final RoomRoster roster = new RoomRoster();
  private final RouterMetrics metrics = new RouterMetrics();
  private final Map<String, RoomRoute> rooms = new HashMap<>();
  /** Room of every routed connection of this node. */
  private final Map<String, String> roomOf = new HashMap<>();
  /** Connections of this node that reached closed or failed, most recent last. */
  private final Set<String> ended = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > ENDED_REMEMBERED;
    }
  });
  private boolean stopping;
  /** Sequenced channels whose acknowledgements wait for the room's other nodes (see {@link CommitTracker}). */
  static final List<String> HELD_CHANNELS = List.of(ChannelSpec.CODE_SYNC.label(), ChannelSpec.AI_STREAM.label());
  private CommitTracker commits;
  private boolean commitsQueued;
  /** Acknowledgements owed to other nodes' routers: source node → source and channel → the latest. */
  private final Map<String, Map<String, RouteAck>> acksOwed = new HashMap<>();
  private boolean acksQueued;
  /** Uncommitted messages of this node's sources, sent again to a node that missed some. */
  static final int KEPT_PER_SOURCE = 4_096;
  static final long KEPT_BYTES_PER_SOURCE = 16L << 20;
  private final RouteLog log = new RouteLog(KEPT_PER_SOURCE, KEPT_BYTES_PER_SOURCE);
  /** Counts of other nodes' sources quiet this long are forgotten. */
  static final long COUNT_IDLE_MS = 10 * 60_000;
  private long idleCheck = -1;
  /** The count of other nodes' sources: each message handed on once, in order. */
  private RouteInbox inbox;
  private long stuckCheck = -1;

  @Override
  public Future<?> start() {
    BusCodecs.register(vertx);
    options = RouterOptions.from(config().getJsonObject("router"));
    nodeId = config().getString("nodeId", "local");
    toSupervisor = new DeliveryOptions().setLocalOnly(true).setSendTimeout(options.sendTimeoutMs());
    toRouter = new DeliveryOptions().setSendTimeout(options.sendTimeoutMs());
    commits = new CommitTracker(options.sendTimeoutMs() * 1_000_000, System::nanoTime,
        (connection, channel, generation, upTo) -> {
          log.committed(connection, channel, generation, upTo);
          vertx.eventBus().send(Addresses.Supervisor.commit(connection), new Commit(channel, generation, upTo),
              toSupervisor);
        });
    inbox = new RouteInbox(Math.max(20, options.sendTimeoutMs() / 10) * 1_000_000L, System::nanoTime);
    idleCheck = vertx.setPeriodic(COUNT_IDLE_MS / 10, id -> inbox.expireIdle(COUNT_IDLE_MS * 1_000_000L));
    stuckCheck = vertx.setPeriodic(Math.max(50, options.sendTimeoutMs() / 4), id -> {
      if (commits.waiting()) {
        // Twice or so before a node is passed over, the last message it was sent goes to it again as a probe.
        commits.resendOverdue(options.sendTimeoutMs() * 1_000_000L / 4, this::probe);
        commits.passOverStuck();
      }
    });
    MessageConsumer<RouteJoin> join = vertx.eventBus().consumer(Addresses.Router.join(nodeId), this::onJoin);
    MessageConsumer<RouteLeave> leave = vertx.eventBus().consumer(Addresses.Router.leave(nodeId), this::onLeave);
    MessageConsumer<InboundMessage> deliver = vertx.eventBus().consumer(Addresses.Router.deliver(nodeId),
        this::fromRouter);
    MessageConsumer<RouteResend> resends = vertx.eventBus().consumer(Addresses.Router.resend(nodeId),
        m -> resendTo(m.body()));
    MessageConsumer<RouteAck> acks = vertx.eventBus().consumer(Addresses.Router.acks(nodeId), m -> {
      RouteAck ack = m.body();
      commits.acked(ack.node(), ack.connection(), ack.channel(), ack.generation(), ack.upTo());
      flushCommitsSoon();
    });
    MessageConsumer<RouteRoster> rosters = vertx.eventBus().consumer(Addresses.Router.roster(nodeId),
        this::onRoster);
    // Only this node's supervisors matter, and they publish here too.
    MessageConsumer<StateChange> states = vertx.eventBus().localConsumer(Addresses.Supervisor.STATE,
        m -> onState(m.body()));
    MessageConsumer<String> memberLeft = vertx.eventBus().localConsumer(Addresses.Node.MEMBER_LEFT, m -> {
      roster.forget(m.body());
      acksOwed.remove(m.body());
      inbox.nodeGone(m.body());
      log.nodeGone(m.body(), null);
      commits.nodeGone(m.body(), null);
      flushCommitsSoon();
    });
    MessageConsumer<Object> metricsAsked = vertx.eventBus().localConsumer(Addresses.Router.LOCAL_METRICS,
        m -> m.reply(metrics.render(rooms.size(), roomOf.size(),
            rooms.values().stream().flatMap(r -> r.targets.values().stream()).mapToLong(TargetPump::waiting).sum())));
    return Future.all(List.of(join.completion(), leave.completion(), deliver.completion(), acks.completion(),
            resends.completion(), rosters.completion(),
            states.completion(), memberLeft.completion(), metricsAsked.completion()))
        // A hello to every router already up: each answers with the rooms it routes.
        .compose(v -> announce(new RouteRoster(nodeId, List.of(), List.of(), true)));
  }

  /**
   * Sends {@code change} to every other member's router; completes when each has answered once or failed once
   * (a member with no router role never answers). A member still in the cluster that did not answer is sent this
   * router's whole roster again, up to {@link #ANNOUNCE_ATTEMPTS} times a second apart (a router that starts
   * while this one announces may not be reachable yet): the state at that moment, never the old change, which
   * could undo a newer one sent meanwhile.
   */
  private Future<Void> announce(RouteRoster change) {
    List<Future<?>> answers = new ArrayList<>();
    for (String member : otherMembers()) {
      answers.add(announceTo(member, change, ANNOUNCE_ATTEMPTS));
    }
    return Future.join(answers).otherwiseEmpty().mapEmpty();
  }

  private Future<RouteRoster> announceTo(String member, RouteRoster change, int attemptsLeft) {
    return vertx.eventBus().<RouteRoster>request(Addresses.Router.roster(member), change, toRouter)
        .map(Message::body)
        .onSuccess(reply -> {
          if (change.snapshot()) {
            roster.apply(reply);
          }
        })
        .onFailure(e -> {
          if (attemptsLeft > 1 && !stopping && otherMembers().contains(member)) {
            vertx.setTimer(1_000, t -> {
              if (!stopping) {
                announceTo(member, snapshot(), attemptsLeft - 1);
              }
            });
          }
        });
  }

  /** Every room routed here, replacing what the receiver knew of this node. */
  private RouteRoster snapshot() {
    return new RouteRoster(nodeId, List.copyOf(rooms.keySet()), List.of(), true);
  }

  private List<String> otherMembers() {
    return ClusterMembers.live(vertx).orElse(List.of()).stream().filter(m -> !m.equals(nodeId)).toList();
  }

  private void onRoster(Message<RouteRoster> msg) {
    RouteRoster change = msg.body();
    roster.apply(change);
    // A snapshot may be a hello or a resent roster (the two look alike): a router that restarted and lost what it
    // was sent is passed over as stuck, not at once.
    change.removed().forEach(room -> {
      commits.nodeGone(change.node(), room);
      log.nodeGone(change.node(), room);
    });
    flushCommitsSoon();
    // A snapshot (a hello) gets every room routed here; a change only an acknowledgement.
    msg.reply(change.snapshot() ? snapshot() : new RouteRoster(nodeId, List.of(), List.of(), false));
  }

  private void onJoin(Message<RouteJoin> msg) {
    RouteJoin join = msg.body();
    if (join == null || !RoomNames.isValid(join.room()) || join.connection() == null) {
      msg.fail(BAD_REQUEST, "a join names a valid room and a connection");
      return;
    }
    if (alreadyRouted(msg)) {
      return;
    }
    vertx.eventBus().<NodeStats>request(Addresses.Supervisor.LOCAL_STATS, null,
            new DeliveryOptions().setSendTimeout(options.sendTimeoutMs()))
        .onComplete(ar -> {
          ConnectionStats found = ar.failed() ? null : ar.result().body().connections().stream()
              .filter(c -> c.connection().equals(join.connection())).findFirst().orElse(null);
          if (found == null || isEnd(found.state()) || ended.contains(join.connection())) {
            msg.fail(NOT_FOUND, "no live connection " + join.connection() + " on node " + nodeId);
          } else if (!found.room().equals(join.room())) {
            msg.fail(WRONG_ROOM, "connection " + join.connection() + " is not in room " + join.room());
          } else if (!alreadyRouted(msg)) {
            addTarget(join.room(), join.connection()).onComplete(added -> {
              if (added.succeeded()) {
                msg.reply(joined(join.room(), join.connection()));
              } else {
                msg.fail(500, "routing " + join.connection() + ": " + added.cause().getMessage());
              }
            });
          }
        });
  }

  /** Answers a join for a connection routed already (a repeated join is answered as the first was). */
  private boolean alreadyRouted(Message<RouteJoin> msg) {
    RouteJoin join = msg.body();
    String routedIn = roomOf.get(join.connection());
    if (routedIn == null) {
      return false;
    }
    if (routedIn.equals(join.room())) {
      RoomRoute route = rooms.get(routedIn);
      TargetPump pump = route.targets.get(join.connection());
      route.ready.onComplete(ar -> {
        if (ar.succeeded() && route.targets.get(join.connection()) == pump) {
          msg.reply(joined(join.room(), join.connection()));
        } else {
          msg.fail(500, "connection " + join.connection() + " left routing while joining");
        }
      });
    } else {
      msg.fail(WRONG_ROOM, "connection " + join.connection() + " is routed in another room");
    }
    return true;
  }

  private void onLeave(Message<RouteLeave> msg) {
    RouteLeave leave = msg.body();
    if (leave == null || leave.connection() == null || leave.room() == null) {
      msg.fail(BAD_REQUEST, "a leave names a room and a connection");
    } else if (!leave.room().equals(roomOf.get(leave.connection()))) {
      msg.fail(NOT_FOUND, "connection " + leave.connection() + " is not routed in room " + leave.room());
    } else {
      RouteJoined left = remove(leave.connection(), RouteEventKind.LEFT, "leave");
      msg.reply(left);
    }
  }

  private void onState(StateChange change) {
    if (!isEnd(change.to())) {
      return;
    }
    ended.add(change.connection());
    if (roomOf.containsKey(change.connection())) {
      remove(change.connection(), RouteEventKind.LEFT, change.to());
    }
  }

  private static boolean isEnd(String state) {
    return state.equals("closed") || state.equals("failed");
  }

  private Future<Void> addTarget(String room, String connection) {
    RoomRoute route = rooms.computeIfAbsent(room, r -> {
      RoomRoute opened = openRoom(r);
      opened.ready = opened.ready.compose(v -> announce(new RouteRoster(nodeId, List.of(r), List.of(), false)));
      return opened;
    });
    TargetPump pump = new TargetPump(connection, options.queueMaxMessages(), m -> handOver(connection, m),
        (delay, task) -> vertx.setTimer(delay, t -> task.run()), options.retryMs(), this::ended);
    route.targets.put(connection, pump);
    roomOf.put(connection, room);
    // From now on its client is acknowledged only what the room's other nodes hold.
    Future<Object> held = vertx.eventBus().request(Addresses.Supervisor.holdAcks(connection),
        new AckHold(HELD_CHANNELS, true), toSupervisor).map(Message::body);
    return route.ready.compose(v -> held).compose(v -> {
      if (route.targets.get(connection) != pump) {
        // It left (a leave, its end, an overflow) before the room was ready here.
        return Future.failedFuture("left routing while joining");
      }
      publishEvent(RouteEventKind.JOINED, room, connection, null);
      return Future.succeededFuture();
    }, e -> {
      if (route.targets.get(connection) == pump) {
        remove(connection, RouteEventKind.LEFT, "routing could not start: " + e.getMessage());
      }
      return Future.failedFuture(e);
    });
  }

  private RoomRoute openRoom(String room) {
    List<MessageConsumer<?>> consumers = new ArrayList<>();
    for (ChannelSpec channel : ChannelSpec.values()) {
      if (TargetQueue.routed(channel)) {
        consumers.add(vertx.eventBus().<InboundMessage>localConsumer(
            Addresses.Supervisor.inbound(room, channel.label()), this::fromSupervisor));
      }
    }
    return new RoomRoute(room, consumers);
  }

  /**
   * A supervisor of this node received a message: if its connection is routed, the room's routers get it. A
   * held channel's message (it carries its numbering's generation) is committed once they all acknowledged it.
   */
  private void fromSupervisor(Message<InboundMessage> msg) {
    InboundMessage in = msg.body();
    if (!in.room().equals(roomOf.get(in.connection()))) {
      return;
    }
    metrics.routed(in.channel());
    toTargets(in);
    String generation = msg.headers().get(InboundMessage.GENERATION_HEADER);
    java.util.Set<String> nodes = roster.nodes(in.room());
    if (generation == null) {
      nodes.forEach(node -> vertx.eventBus().send(Addresses.Router.deliver(node), in));
      return;
    }
    java.util.Set<String> starting = nodes.isEmpty() ? java.util.Set.of()
        : log.sent(in, Long.parseLong(generation), nodes);
    for (String node : nodes) {
      vertx.eventBus().send(Addresses.Router.deliver(node), in, forward(generation, starting.contains(node)));
    }
    commits.sent(in.room(), in.connection(), in.channel(), Long.parseLong(generation), in.seq(), nodes);
    flushCommitsSoon();
  }

  /** Headers of a held message to another node; the start header on every one says this router counts. */
  private DeliveryOptions forward(String generation, boolean start) {
    return new DeliveryOptions().addHeader(InboundMessage.GENERATION_HEADER, generation)
        .addHeader(InboundMessage.SOURCE_NODE_HEADER, nodeId)
        .addHeader(InboundMessage.ROUTE_START_HEADER, start ? "1" : "0");
  }

  /**
   * A node has acknowledged nothing of a source for a while: it is sent the last message it was sent again, as
   * a probe. Held already, it is acknowledged again (an acknowledgement was lost); after a gap, the node asks for
   * the rest; the last one lost, it is delivered. The whole backlog is not sent to a node that may just be slow.
   */
  private void probe(String node, String connection, String channel, long generation, long acked) {
    InboundMessage last = log.lastSentTo(node, connection, channel, generation);
    if (last != null && last.seq() > acked) {
      metrics.resent(1);
      vertx.eventBus().send(Addresses.Router.deliver(node), last, forward(Long.toString(generation), false));
    }
  }

  /** A node found a gap and asks for what follows it: it is sent what is kept. */
  private void resendTo(RouteResend ask) {
    List<RouteLog.Resend> again = log.resend(ask.node(), ask.connection(), ask.channel(), ask.generation(),
        ask.after());
    metrics.resent(again.size());
    for (RouteLog.Resend resend : again) {
      vertx.eventBus().send(Addresses.Router.deliver(ask.node()), resend.message(),
          forward(Long.toString(resend.generation()), resend.start()));
    }
  }

  /**
   * Another node's routed source: handed to the targets here, then acknowledged to that node (coalesced). A held
   * channel's message is handed on only as the next of its source's numbering ({@link RouteInbox}).
   */
  private void fromRouter(Message<InboundMessage> msg) {
    InboundMessage in = msg.body();
    String generation = msg.headers().get(InboundMessage.GENERATION_HEADER);
    String source = msg.headers().get(InboundMessage.SOURCE_NODE_HEADER);
    String start = msg.headers().get(InboundMessage.ROUTE_START_HEADER);
    if (generation == null || source == null) {
      toTargets(in);
      return;
    }
    if (!rooms.containsKey(in.room())) {
      // No connection here routes the room any more (its removal is on its way to the source): nothing to count.
      return;
    }
    long numbering = Long.parseLong(generation);
    if (start == null) {
      // A router of an older version (a rolling upgrade) does not count: handed on and acknowledged as it comes.
      toTargets(in);
      owe(source, new RouteAck(nodeId, in.connection(), in.channel(), numbering, in.seq()));
      return;
    }
    RouteInbox.Verdict verdict = inbox.accept(source, in.room(), in.connection(), in.channel(), numbering, in.seq(),
        "1".equals(start));
    if (verdict == RouteInbox.Verdict.DELIVER) {
      toTargets(in);
    } else if (verdict == RouteInbox.Verdict.GAP) {
      metrics.gap();
      if (inbox.shouldAsk(source, in.connection(), in.channel())) {
        vertx.eventBus().send(Addresses.Router.resend(source), new RouteResend(nodeId, in.connection(), in.channel(),
            numbering, inbox.last(source, in.connection(), in.channel())));
      }
    }
    long held = inbox.last(source, in.connection(), in.channel());
    if (held >= 0) {
      owe(source, new RouteAck(nodeId, in.connection(), in.channel(), numbering, held));
    }
  }

  /** Queues {@code ack} to {@code source}'s router: one per source and channel for the deliveries queued here. */
  private void owe(String source, RouteAck ack) {
    acksOwed.computeIfAbsent(source, s -> new HashMap<>()).put(ack.connection() + '\n' + ack.channel(), ack);
    if (!acksQueued) {
      acksQueued = true;
      // After the deliveries already queued here: one acknowledgement per source and channel for all of them.
      context.runOnContext(v -> {
        acksQueued = false;
        acksOwed.forEach((node, owed) -> owed.values().forEach(queued ->
            vertx.eventBus().send(Addresses.Router.acks(node), queued)));
        acksOwed.clear();
      });
    }
  }

  private void flushCommitsSoon() {
    if (!commitsQueued) {
      commitsQueued = true;
      context.runOnContext(v -> {
        commitsQueued = false;
        commits.flush();
      });
    }
  }

  private void toTargets(InboundMessage message) {
    RoomRoute route = rooms.get(message.room());
    if (route == null) {
      return;
    }
    // A copy: a pump that ends inside offer() removes itself from the map.
    for (TargetPump pump : List.copyOf(route.targets.values())) {
      if (!pump.connection().equals(message.connection())) {
        pump.offer(message);
      }
    }
  }

  private Future<BatchAck> handOver(String connection, List<InboundMessage> run) {
    OutboundBatch batch = new OutboundBatch(run.get(0).channel(), run.stream().map(InboundMessage::data).toList());
    return vertx.eventBus().<BatchAck>request(Addresses.Supervisor.sendBatch(connection), batch, toSupervisor)
        .map(Message::body);
  }

  private void ended(TargetPump pump, RouteEventKind kind, String reason) {
    if (kind == RouteEventKind.OVERFLOW) {
      LOG.warning("routed connection " + pump.connection() + " taken out of routing: " + reason);
    }
    remove(pump.connection(), kind, reason);
  }

  private RouteJoined remove(String connection, RouteEventKind kind, String reason) {
    commits.forget(connection);
    log.forget(connection);
    // Its client is acknowledged as before routing (the supervisor may be closing: no answer needed).
    vertx.eventBus().request(Addresses.Supervisor.holdAcks(connection), new AckHold(HELD_CHANNELS, false),
        toSupervisor);
    String room = roomOf.remove(connection);
    RoomRoute route = rooms.get(room);
    TargetPump pump = route.targets.remove(connection);
    pump.stop();
    if (route.targets.isEmpty()) {
      rooms.remove(room);
      inbox.roomGone(room);
      route.unregister();
      announce(new RouteRoster(nodeId, List.of(), List.of(room), false));
    }
    publishEvent(kind, room, connection, reason);
    return new RouteJoined(room, connection, nodeId, route.targets.size());
  }

  /** Other routers stop sending here: every room routed on this node is announced as removed. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(stuckCheck);
    vertx.cancelTimer(idleCheck);
    // Nothing will commit any more: the clients of the relays still running are acknowledged as before routing.
    roomOf.keySet().forEach(connection -> vertx.eventBus().request(Addresses.Supervisor.holdAcks(connection),
        new AckHold(HELD_CHANNELS, false), toSupervisor));
    List<String> routed = List.copyOf(rooms.keySet());
    rooms.values().forEach(route -> route.targets.values().forEach(TargetPump::stop));
    return routed.isEmpty() ? Future.succeededFuture()
        : announce(new RouteRoster(nodeId, List.of(), routed, false));
  }

  private RouteJoined joined(String room, String connection) {
    RoomRoute route = rooms.get(room);
    return new RouteJoined(room, connection, nodeId, route == null ? 0 : route.targets.size());
  }

  private void publishEvent(RouteEventKind kind, String room, String connection, String reason) {
    metrics.event(kind);
    vertx.eventBus().publish(Addresses.Router.EVENTS, new RouteEvent(kind, room, connection, nodeId, reason));
  }
}

package io.peermesh.supervisor;

import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.AckHold;
import io.peermesh.shared.bus.BusMessages.BatchAck;
import io.peermesh.shared.bus.BusMessages.Commit;
import io.peermesh.shared.bus.BusMessages.ConnectionStats;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundBatch;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.reconnect.ConnectionEvent;
import io.peermesh.shared.reconnect.ConnectionState;
import io.peermesh.shared.reconnect.Effect;
import io.peermesh.shared.reconnect.Outcome;
import io.peermesh.shared.reconnect.ReconnectConfig;
import io.peermesh.shared.reconnect.ReconnectController;
import io.peermesh.supervisor.files.FileLimits;
import io.peermesh.supervisor.rtc.CandidatePairs;
import io.peermesh.supervisor.rtc.FactoryPool;
import io.peermesh.supervisor.rtc.PeerLink;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;

/**
 * Keeps one server-side peer connection alive. It joins the room through signaling like any client, holds a
 * webrtc-java connection to {@code remote} with the five channels, and lets the reconnection state machine
 * drive recovery: ICE restart, backoff, relay-only, a new connection, degraded mode over signaling, probes back.
 * The peer whose id sorts last (impolite) makes every offer; the polite one answers (docs/PROTOCOL.md).
 * One instance per connection; everything runs on this verticle's context.
 */
public final class SupervisorVerticle extends VerticleBase implements ChannelMux.Sink {
  private static final Logger LOG = Logger.getLogger(SupervisorVerticle.class.getName());

  private final SupervisorRequest request;
  private final SupervisorOptions options;
  private final String connectionId;
  private final FactoryPool pool;
  private final FactoryPool.Slot slot;
  private final Set<Long> timers = new HashSet<>();

  private ReconnectController controller;
  private ChannelMux mux;
  private Seat signaling;
  /** Makes a view of a bot's shared link for this connection's messages; null: it joins with its own link. */
  private final Function<Handler<JsonObject>, Seat> sharedSeat;
  private List<RTCIceServer> iceServers = List.of();
  private boolean impolite;
  private boolean remotePresent;
  /** The first peer connection, built ahead of need and adopted by {@link #replaceLink}. */
  private PeerLink spare;
  private final Declines declines = new Declines(System::nanoTime);
  private boolean relayOnlyNext;
  /** The remote reported a brand-new link: its next offer replaces ours whatever its generation. */
  private boolean acceptNextOffer;
  /** A new connection was offered to a remote that started over; reset once it is up or the remote leaves. */
  private boolean startOverAnswered;
  private SilenceJudge silenceJudge;
  private boolean degraded;
  private boolean ending;
  /** Generation of the current link; a higher one in an offer replaces it. */
  private int generation;
  private PeerLink link;
  private final Set<ChannelSpec> openChannels = EnumSet.noneOf(ChannelSpec.class);
  private long heartbeatsAtAttempt;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  private final Map<String, Object> reconnectDefaults;
  private final Setup setup;
  private FileEndpoint files;

  /**
   * What every supervisor of a node shares.
   *
   * @param reconnectDefaults the node's {@code supervisor.reconnect} settings; a request may override them
   * @param files the node's {@code supervisor.files} limits
   * @param nodeId the node holding the supervisor (named in file announcements and stats)
   * @param signalingClient the WebSocket client every supervisor of the node joins signaling with
   */
  public record Setup(SupervisorOptions options, Map<String, Object> reconnectDefaults, FileLimits files,
      String nodeId, WebSocketClient signalingClient, SignalingLink.Rate signalingRate) {}

  public SupervisorVerticle(SupervisorRequest request, Setup setup, String connectionId, FactoryPool pool,
      FactoryPool.Slot slot) {
    this(request, setup, connectionId, pool, slot, null);
  }

  /** {@code seat}: a view of a bot's shared link ({@link BotVerticle}) taking this connection's messages. */
  SupervisorVerticle(SupervisorRequest request, Setup setup, String connectionId, FactoryPool pool,
      FactoryPool.Slot slot, Function<Handler<JsonObject>, Seat> seat) {
    this.sharedSeat = seat;
    this.setup = setup;
    this.reconnectDefaults = Map.copyOf(setup.reconnectDefaults());
    this.request = request;
    this.options = setup.options();
    this.connectionId = connectionId;
    this.pool = pool;
    this.slot = slot;
  }

  @Override
  public Future<?> start() {
    // Offers arriving together (a burst of bus requests) are sent as batches: see ChannelMux#offer. The pump
    // then arms the short timer if anything is left for it.
    mux = new ChannelMux(options, this, System::nanoTime, task -> context.runOnContext(v -> {
      task.run();
      kick();
    }));
    impolite = request.peer().compareTo(request.remote()) > 0;

    MessageConsumer<OutboundMessage> sends = vertx.eventBus().consumer(Addresses.Supervisor.send(connectionId),
        msg -> msg.reply(outbound(msg.body())));
    MessageConsumer<OutboundBatch> batches = vertx.eventBus().consumer(
        Addresses.Supervisor.sendBatch(connectionId), msg -> msg.reply(outbound(msg.body())));
    MessageConsumer<Object> close = vertx.eventBus().consumer(Addresses.Supervisor.close(connectionId),
        msg -> end("closed by request").onComplete(done -> msg.reply("closed")));
    MessageConsumer<AckHold> holds = vertx.eventBus().localConsumer(Addresses.Supervisor.holdAcks(connectionId),
        msg -> {
          msg.body().channels().forEach(label -> ChannelSpec.byLabel(label).filter(ChannelSpec::sequenced)
              .ifPresent(channel -> mux.holdAcks(channel, msg.body().hold())));
          kick();
          msg.reply(msg.body().hold() ? "held" : "released");
        });
    MessageConsumer<Commit> commits = vertx.eventBus().localConsumer(Addresses.Supervisor.commit(connectionId),
        msg -> ChannelSpec.byLabel(msg.body().channel()).ifPresent(channel -> {
          mux.commit(channel, msg.body().generation(), msg.body().upTo());
          kick();
        }));
    consumers.add(sends);
    consumers.add(batches);
    consumers.add(close);
    consumers.add(holds);
    consumers.add(commits);
    files = new FileEndpoint(vertx, mux, setup.files(), request, connectionId, setup.nodeId(),
        () -> !ending && controller != null && !controller.state().isTerminal(), this::kick);

    JsonObject join = SignalingLink.join(request.room(), request.peer(), request.token());
    if (sharedSeat != null) {
      signaling = sharedSeat.apply(this::onSignal);
    } else {
      SignalingLink own = new SignalingLink(vertx, setup.signalingClient(), request.signalingHost(),
          request.signalingPort(), join, this::onSignal, setup.signalingRate());
      // The remote saw us leave and join again: it starts over with us, so we start over with it.
      own.onFreshJoin(joined -> forgetRemoteInstance("sees us as new (we joined afresh)"));
      signaling = own;
    }
    return Future.all(List.of(sends.completion(), batches.completion(), close.completion(), holds.completion(),
            commits.completion(), files.register()))
        .compose(v -> signaling.open())
        .onSuccess(joined -> {
          // With a token the peer id is the token's, whatever the request said: the roles follow the real one.
          impolite = joined.getString("peer", request.peer()).compareTo(request.remote()) > 0;
          iceServers = iceServers(joined.getJsonArray("iceServers", new JsonArray()));
          Map<String, Object> reconnect = new HashMap<>(ReconnectConfig.defaults().toMap());
          reconnect.putAll(reconnectDefaults);
          // Relay-only attempts make sense only when signaling handed out TURN credentials.
          reconnect.put("relayAvailable", iceServers.stream().anyMatch(s -> s.username != null));
          reconnect.putAll(request.reconnect() == null ? Map.of() : request.reconnect());
          controller = ReconnectController.create(ReconnectConfig.fromMap(reconnect), Clock.systemUTC(),
              RandomGenerator.getDefault());
          controller.addListener(this::announce);
          for (Object p : joined.getJsonArray("peers", new JsonArray())) {
            if (request.remote().equals(((JsonObject) p).getString("peer"))) {
              remotePresent = true;
            }
          }
          vertx.setPeriodic(options.heartbeatMs(), id -> {
            if (!ending) {
              ChannelMux.heartbeat(linkPath);
            }
          });
          // Silence is checked twice per heartbeat period, so a dead path is noticed within deadAfterMs + 1/4 s.
          long silencePeriod = Math.max(50, options.heartbeatMs() / 2);
          silenceJudge = new SilenceJudge(silencePeriod * 1_000_000, options.deadAfterMs() * 1_000_000,
              System.nanoTime());
          long[] checks = {0};
          vertx.setPeriodic(silencePeriod, id -> {
            checkSilence();
            if (++checks[0] % Math.max(1, 1_000 / silencePeriod) == 0) {
              files.sweep(usable());
            }
            // A safety net: work the short timer should be doing is picked up within a silence period.
            kick();
          });
          run(controller.fire(new ConnectionEvent.Start()));
          // After whatever already waits on this context (an offer may): the spare is for the next one.
          vertx.runOnContext(v -> prepareSpare());
        })
        .onFailure(e -> release());
  }

  /** Completes when this supervisor has stopped (its connection ended). */
  Future<Void> whenStopped() {
    return stopped.future();
  }

  /** Whether the remote declined the connection (it links with other peers only): starting again is useless. */
  boolean declined() {
    return declined;
  }

  private volatile boolean declined;

  private final Promise<Void> stopped = Promise.promise();

  @Override
  public Future<?> stop() {
    stopped.tryComplete();
    if (mux != null) {
      mux.flushDue();
    }
    release();
    List<Future<?>> closing = new ArrayList<>();
    if (files != null) {
      closing.add(files.unregister());
    }
    consumers.forEach(c -> closing.add(c.unregister()));
    if (signaling != null) {
      closing.add(signaling.close());
    }
    return Future.join(closing);
  }

  private boolean released;

  private void release() {
    if (link != null) {
      link.close();
      link = null;
    }
    if (spare != null) {
      spare.close();
      spare = null;
    }
    if (!released) {
      released = true;
      pool.release(slot);
    }
  }

  // ---- the state machine's effects --------------------------------------------------------------------

  private void run(Outcome outcome) {
    for (Effect effect : outcome.effects()) {
      try {
        apply(effect);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, connectionId + ": effect " + effect + " failed", e);
      }
    }
    kick();
  }

  private long tickTimer = -1;

  /**
   * Starts the short timer (ackDelayMs) if there is work for it: acks owed, messages waiting for a drained
   * buffer or the relay budget, file chunks to send. The timer re-arms itself only while work remains; an idle
   * connection costs no timer, where a periodic one per connection would cost 50 wake-ups a second each.
   */
  private void kick() {
    if (tickTimer != -1 || ending || !(mux.needsTick() || files.sending())) {
      return;
    }
    tickTimer = vertx.setTimer(mux.tickDelayMs(options.ackDelayMs()), id -> {
      tickTimer = -1;
      if (ending) {
        return;
      }
      mux.flushAcks();
      mux.pumpAll();
      files.pump();
      kick();
    });
  }

  private void apply(Effect effect) {
    if (effect instanceof Effect.ScheduleTimer timer) {
      long[] id = new long[1];
      id[0] = vertx.setTimer(Math.max(1, timer.delay().toMillis()), t -> {
        timers.remove(id[0]);
        fire(timer.firedEvent());
      });
      timers.add(id[0]);
    } else if (effect instanceof Effect.CancelTimers) {
      timers.forEach(vertx::cancelTimer);
      timers.clear();
    } else if (effect instanceof Effect.StartIceRestart restart) {
      heartbeatsAtAttempt = mux.heartbeatsReceived();
      if (impolite && link != null) {
        link.createOffer(true).onSuccess(this::sendOffer)
            .onFailure(e -> fire(new ConnectionEvent.AttemptFailed(restart.attempt(), "ice restart: " + e)));
      }
    } else if (effect instanceof Effect.StartRelayOnly relay) {
      relayOnlyNext = true;
      startLink(relay.attempt());
    } else if (effect instanceof Effect.StartNewConnection fresh) {
      relayOnlyNext = false;
      startLink(fresh.attempt());
    } else if (effect instanceof Effect.EnterDegraded) {
      degraded = true;
      mux.usePath(relayPath);
    } else if (effect instanceof Effect.LeaveDegraded) {
      degraded = false;
      mux.usePath(linkReady() ? linkPath : null);
    } else if (effect instanceof Effect.Fail fail) {
      LOG.warning(connectionId + " failed: " + fail.reason());
      vertx.runOnContext(v -> end(fail.reason()));
    }
    // EmitStatus: announced by the transition listener.
  }

  private void fire(ConnectionEvent event) {
    if (!ending) {
      run(controller.fire(event));
    }
  }

  /** A new peer connection (the impolite side offers it; the polite side waits for that offer). */
  private void startLink(long attempt) {
    heartbeatsAtAttempt = mux.heartbeatsReceived();
    if (!impolite || !remotePresent) {
      return;
    }
    replaceLink(generation + 1);
    link.createOffer(false).onSuccess(this::sendOffer)
        .onFailure(e -> fire(new ConnectionEvent.AttemptFailed(attempt, "offer: " + e)));
  }

  private void replaceLink(int newGeneration) {
    if (link != null) {
      link.close();
    }
    generation = newGeneration;
    openChannels.clear();
    if (!degraded) {
      mux.usePath(null);
    }
    PeerLink.Options linkOptions = new PeerLink.Options(iceServers, relayOnlyNext, options.tcpCandidates());
    if (spare == null) {
      spare = stocked();
    }
    if (spare != null && spare.reconfigure(linkOptions)) {
      link = spare;
      link.adopt(new LinkListener(newGeneration));
    } else {
      if (spare != null) {
        spare.close();
      }
      link = new PeerLink(slot, linkOptions, context, new LinkListener(newGeneration));
    }
    spare = null;
  }

  /**
   * Builds the first peer connection while the supervisor waits for the remote (the polite side for its
   * offer, the impolite side for the remote to join), so that creating it is off the set-up's critical path.
   */
  private void prepareSpare() {
    if (spare == null && link == null && !ending && !released) {
      PeerLink.Options linkOptions = new PeerLink.Options(iceServers, relayOnlyNext, options.tcpCandidates());
      spare = stocked();
      if (spare == null || !spare.reconfigure(linkOptions)) {
        if (spare != null) {
          spare.close();
        }
        spare = new PeerLink(slot, linkOptions, context, null);
      }
    }
  }

  /**
   * A link from the pool's stock (built ahead of need: ~2-4 ms of blocking libwebrtc calls off the set-up's
   * path), now this supervisor's; null when none is in stock or TCP candidates are wanted (set at build).
   */
  private PeerLink stocked() {
    PeerLink stocked = options.tcpCandidates() ? null : pool.takeStocked(slot);
    if (stocked != null) {
      stocked.claim(context);
    }
    return stocked;
  }

  private void sendOffer(String sdp) {
    signaling.send(new JsonObject().put("type", "offer").put("to", request.remote()).put("sdp", sdp)
        .put("connection", generation));
  }

  // ---- signaling ----------------------------------------------------------------------------------------

  private void onSignal(JsonObject message) {
    String type = message.getString("type", "");
    String from = message.getString("from", message.getString("peer"));
    if (!request.remote().equals(from)) {
      if (sharedSeat == null) {
        declines.declineIfAsked(signaling, message, "links with " + request.remote() + " only");
      }
      return;
    }
    switch (type) {
      case "peer-joined" -> {
        remotePresent = true;
        if (impolite && controller.state() == ConnectionState.CONNECTING && link == null) {
          startLink(controller.attempt());
        } else {
          // The remote left and joined again (a reloaded page): a new instance with no link to us.
          remoteStartedOver();
        }
      }
      case "peer-left" -> {
        remotePresent = false;
        startOverAnswered = false;
        // Left for good (a resuming remote is not reported as left): whoever joins under its id is new.
        forgetRemoteInstance("left");
        files.remoteGone("peer-left");
        transportDown("remote left: " + message.getString("reason"));
      }
      case "offer" -> onOffer(message);
      case "answer" -> {
        if (link != null && message.getInteger("connection", generation) == generation) {
          link.acceptAnswer(message.getString("sdp"))
              .onFailure(e -> transportDown("answer rejected: " + e.getMessage()));
        }
      }
      case "candidate" -> {
        String candidate = message.getString("candidate");
        if (link != null && candidate != null && message.getInteger("connection", generation) == generation) {
          link.addRemoteCandidate(new RTCIceCandidate(message.getString("sdpMid"),
              message.getInteger("sdpMLineIndex", 0), candidate));
        }
      }
      case "relay" -> onRelay(message);
      case "state" -> {
        String state = message.getString("state");
        if ("declined".equals(state)) {
          // The remote links with other peers only (a browser's connectTo): retrying would never succeed.
          declined = true;
          end("declined by " + request.remote() + ": " + message.getString("reason", "no reason given"));
        } else if ("relay-only".equals(state)) {
          relayOnlyNext = true;
        } else if ("reconnecting".equals(state)) {
          relayOnlyNext = false;
        } else if ("connecting".equals(state) && "idle".equals(message.getString("previous"))) {
          // A new instance of the remote's link (a reloaded page that resumed the session, a peer that gave up
          // and started over); at the first link nothing was exchanged and nothing changes.
          forgetRemoteInstance("started over");
          remoteStartedOver();
        }
      }
      default -> { }
    }
  }

  /**
   * The remote is a new instance with no link to us: it joined the room again after leaving (a reloaded page),
   * or it reports a brand-new link while its session lived on (a page that resumed its session with a kept
   * token). Our link's other end is gone; waiting for silence, the grace period and ICE restarts against a
   * peer connection that no longer exists took 18 s, so the impolite side offers a new connection at once,
   * once per restart (both signals may arrive). The polite side takes the remote's next offer whatever its
   * generation (a page reloaded within the same second offers the generation its predecessor used).
   */
  private void remoteStartedOver() {
    if (!impolite) {
      acceptNextOffer = true;
      return;
    }
    if (startOverAnswered) {
      return;
    }
    ConnectionState state = controller == null ? null : controller.state();
    boolean linked = state == ConnectionState.CONNECTED || state == ConnectionState.DISCONNECTED
        || state == ConnectionState.ICE_RESTARTING;
    if (!linked || link == null || ending) {
      return;
    }
    LOG.info(connectionId + ": " + request.remote() + " started over; offering a new connection");
    startOverAnswered = true;
    heartbeatsAtAttempt = mux.heartbeatsReceived();
    mux.resetSilence();
    replaceLink(generation + 1);
    link.createOffer(false).onSuccess(this::sendOffer)
        .onFailure(e -> transportDown("offer after the remote started over: " + e.getMessage()));
  }

  /** The remote instance we exchanged with is gone: sequenced channels start over for the next one. */
  private void forgetRemoteInstance(String why) {
    int dropped = mux.startOver();
    if (dropped > 0) {
      LOG.info(connectionId + ": " + request.remote() + " " + why + "; " + dropped
          + " sequenced messages it had not acknowledged are dropped");
    }
  }

  private void onOffer(JsonObject message) {
    if (impolite) {
      // Perfect negotiation: the impolite peer ignores a colliding offer; compliant peers never send one.
      return;
    }
    int offered = message.getInteger("connection", generation);
    boolean fresh = acceptNextOffer;
    acceptNextOffer = false;
    if (offered < generation && !fresh) {
      return;
    }
    if (fresh || offered > generation || link == null) {
      replaceLink(offered);
    }
    heartbeatsAtAttempt = Math.min(heartbeatsAtAttempt, mux.heartbeatsReceived());
    int forGeneration = generation;
    link.acceptOffer(message.getString("sdp")).onSuccess(answer -> signaling.send(new JsonObject()
        .put("type", "answer").put("to", request.remote()).put("sdp", answer).put("connection", forGeneration)))
        .onFailure(e -> transportDown("offer rejected: " + e.getMessage()));
  }

  private void onRelay(JsonObject message) {
    ChannelSpec channel = ChannelSpec.byLabel(message.getString("channel", "")).orElse(null);
    if (channel == null) {
      LOG.warning(connectionId + ": relay for an unknown channel ignored: " + message.getString("channel"));
      return;
    }
    byte[] data;
    try {
      data = Base64.getDecoder().decode(message.getString("data", ""));
    } catch (IllegalArgumentException e) {
      LOG.warning(connectionId + ": relay frame that is not base64 ignored");
      return;
    }
    mux.onFrame(channel, data, relayPath);
    kick();
  }

  // ---- liveness -------------------------------------------------------------------------------------------

  private void checkSilence() {
    if (ending) {
      return;
    }
    long silence = mux.silenceNanos();
    if (silenceJudge.lost(System.nanoTime(), silence) && controller.state() == ConnectionState.CONNECTED) {
      transportDown("no heartbeat for " + silence / 1_000_000 + " ms");
    }
  }

  private void transportDown(String reason) {
    if (!degraded) {
      mux.usePath(null);
    }
    run(controller.transportDown(reason));
  }

  /** The link carries data again: channels open and a heartbeat arrived since the attempt began. */
  private void maybeUp() {
    if (!linkReady() || mux.heartbeatsReceived() <= heartbeatsAtAttempt) {
      return;
    }
    startOverAnswered = false;
    ConnectionState state = controller.state();
    if (state != ConnectionState.CONNECTED) {
      Outcome outcome = controller.transportUp();
      if (!degraded || controller.state() == ConnectionState.CONNECTED) {
        mux.usePath(linkPath);
      }
      run(outcome);
    } else if (!mux.hasPath()) {
      // A link replaced while connected (the remote started over) carries data again.
      mux.usePath(linkPath);
      files.linkRecovered();
      kick();
    }
  }

  private boolean linkReady() {
    return link != null && openChannels.size() == ChannelSpec.values().length;
  }

  // ---- data -------------------------------------------------------------------------------------------------

  /** Takes the batch's messages in order until one is refused. */
  private BatchAck outbound(OutboundBatch batch) {
    int accepted = 0;
    for (byte[] data : batch.messages()) {
      SendAck ack = outbound(new OutboundMessage(batch.channel(), data));
      if (!ack.accepted()) {
        return new BatchAck(accepted, ack.code());
      }
      accepted++;
    }
    return new BatchAck(accepted, null);
  }

  private SendAck outbound(OutboundMessage message) {
    ChannelSpec channel = ChannelSpec.byLabel(message.channel()).orElse(null);
    if (channel == null) {
      return new SendAck(false, "unknown-channel");
    }
    if (ending || controller == null || controller.state().isTerminal()) {
      return new SendAck(false, controller != null && controller.state() == ConnectionState.FAILED ? "failed"
          : "closed");
    }
    ChannelMux.Refusal refusal = mux.offer(channel, message.data());
    kick();
    return switch (refusal) {
      case NONE -> new SendAck(true, null);
      case QUEUE_FULL -> new SendAck(false, SendAck.QUEUE_FULL);
      case RESEND_BUFFER_FULL -> new SendAck(false, SendAck.RESEND_BUFFER_FULL);
    };
  }

  @Override
  public void deliver(ChannelSpec channel, long seq, byte[] data) {
    if (channel == ChannelSpec.FILES && files.onFrame(data)) {
      return;
    }
    InboundMessage message = new InboundMessage(request.room(), connectionId, request.remote(), channel.label(),
        seq, data);
    String address = Addresses.Supervisor.inbound(request.room(), channel.label());
    if (channel.sequenced() && mux.acksHeld(channel)) {
      // The router's commits name the numbering they are for (a start-over renumbers from 1).
      vertx.eventBus().publish(address, message, new DeliveryOptions()
          .addHeader(InboundMessage.GENERATION_HEADER, Long.toString(mux.generation())));
    } else {
      vertx.eventBus().publish(address, message);
    }
  }

  @Override
  public void protocolError(ChannelSpec channel, String reason) {
    LOG.warning(connectionId + ": " + channel.label() + ": " + reason);
  }

  private final ChannelMux.Path linkPath = new ChannelMux.Path() {
    @Override
    public boolean send(ChannelSpec channel, ByteBuffer frame) {
      return link != null && link.send(channel, frame);
    }

    @Override
    public long buffered(ChannelSpec channel) {
      return link == null ? 0 : link.bufferedAmount(channel);
    }

    @Override
    public boolean ready(ChannelSpec channel) {
      return link != null && openChannels.contains(channel);
    }
  };

  /** Degraded mode: frames travel over the signaling socket as {@code relay} messages. */
  private final ChannelMux.Path relayPath = new ChannelMux.Path() {
    @Override
    public boolean send(ChannelSpec channel, ByteBuffer frame) {
      // Stay under the signaling service's per-socket rate limit; the 20 ms ack timer pumps again.
      if (!relayBudget.tryAcquire()) {
        return false;
      }
      byte[] bytes = new byte[frame.remaining()];
      frame.get(bytes);
      return signaling.send(new JsonObject().put("type", "relay").put("to", request.remote())
          .put("channel", channel.label()).put("data", Base64.getEncoder().encodeToString(bytes)));
    }

    @Override
    public long buffered(ChannelSpec channel) {
      return 0;
    }

    @Override
    public boolean ready(ChannelSpec channel) {
      return remotePresent;
    }

    @Override
    public boolean lossy() {
      return true;
    }
  };

  /** Relay frames share the signaling socket's rate limit (default 100/s) with pings and state messages. */
  private final io.peermesh.shared.time.TokenBucket relayBudget =
      new io.peermesh.shared.time.TokenBucket(RELAY_MESSAGES_PER_SECOND, RELAY_MESSAGES_PER_SECOND, System::nanoTime);
  static final int RELAY_MESSAGES_PER_SECOND = 60;

  /** Listens to one link; events of a replaced link are ignored. */
  private final class LinkListener implements PeerLink.Listener {
    private final int linkGeneration;

    LinkListener(int linkGeneration) {
      this.linkGeneration = linkGeneration;
    }

    private boolean current() {
      return linkGeneration == generation && !ending;
    }

    @Override
    public void onLocalCandidate(RTCIceCandidate candidate) {
      if (!current()) {
        return;
      }
      JsonObject message = new JsonObject().put("type", "candidate").put("to", request.remote())
          .put("connection", linkGeneration);
      if (candidate != null) {
        message.put("candidate", candidate.sdp).put("sdpMid", candidate.sdpMid)
            .put("sdpMLineIndex", candidate.sdpMLineIndex);
      }
      signaling.send(message);
    }

    @Override
    public void onConnectionState(RTCPeerConnectionState state) {
      if (!current()) {
        return;
      }
      if (state == RTCPeerConnectionState.FAILED || state == RTCPeerConnectionState.DISCONNECTED) {
        transportDown("ice " + state.name().toLowerCase());
      }
    }

    @Override
    public void onChannelOpen(ChannelSpec channel) {
      if (current()) {
        openChannels.add(channel);
        if (linkReady()) {
          mux.resetSilence();
          ChannelMux.heartbeat(linkPath);
        }
      }
    }

    @Override
    public void onChannelClosed(ChannelSpec channel) {
      if (current()) {
        openChannels.remove(channel);
        transportDown("channel " + channel.label() + " closed");
      }
    }

    @Override
    public void onMessage(ChannelSpec channel, byte[] data) {
      if (!current()) {
        return;
      }
      long before = mux.heartbeatsReceived();
      mux.onFrame(channel, data, linkPath);
      if (mux.heartbeatsReceived() > before) {
        maybeUp();
      }
      kick();
    }
  }

  // ---- status ---------------------------------------------------------------------------------------------

  private void announce(io.peermesh.shared.reconnect.Transition t, io.peermesh.shared.reconnect.MachineState now) {
    String from = wire(t.from());
    String to = wire(t.to());
    String reason = now.lastReason();
    // The count of attempts in this recovery, not the machine's internal attempt id.
    long attempt = now.attemptsInRecovery();
    // Derived from the new state: the effects that switch paths run after listeners.
    String path = t.to() == ConnectionState.DEGRADED ? "signaling"
        : t.to() == ConnectionState.RELAY_ONLY || (relayOnlyNext && t.to() != ConnectionState.RECONNECTING)
            ? "relay" : "direct";
    if (t.to() == ConnectionState.CONNECTED || t.to() == ConnectionState.DEGRADED) {
      // Chunks in flight on a replaced path are lost: the receiver's answer to a new offer says what it holds.
      files.linkRecovered();
    }
    vertx.eventBus().publish(Addresses.Supervisor.STATE, new StateChange(connectionId, request.room(),
        request.peer(), request.remote(), from, to, reason, attempt, path));
    if (signaling != null && remotePresent) {
      // Addressed to the remote: the report is about our link to it, not to anyone else in the room. Not sent
      // while it is away: the hub would retry the delivery until the remote's consumer appears, and a first
      // "connecting" landing after our answer would read as the remote starting over.
      JsonObject state = new JsonObject().put("type", "state").put("to", request.remote()).put("state", to)
          .put("previous", from)
          .put("attempt", (int) Math.min(Integer.MAX_VALUE, attempt));
      if (reason != null) {
        state.put("reason", reason);
      }
      signaling.send(state);
    }
  }

  private boolean usable() {
    ConnectionState state = controller == null ? null : controller.state();
    return state == ConnectionState.CONNECTED || state == ConnectionState.DEGRADED;
  }

  /** A snapshot for the status page, taken on this supervisor's context. */
  Future<ConnectionStats> stats() {
    Promise<ConnectionStats> result = Promise.promise();
    context.runOnContext(v -> {
      PeerLink current = link;
      Future<String> pair = current == null || degraded ? Future.succeededFuture(null)
          : current.selectedCandidatePair().otherwise((String) null);
      pair.timeout(1, java.util.concurrent.TimeUnit.SECONDS).otherwise((String) null).onComplete(done -> {
        String candidates = done.result();
        ConnectionState state = controller == null ? ConnectionState.CONNECTING : controller.state();
        String reason = controller == null ? null : controller.snapshot().lastReason();
        long attempt = controller == null ? 0 : controller.snapshot().attemptsInRecovery();
        String path = degraded ? "signaling" : relayOnlyNext ? "relay" : "direct";
        result.complete(new ConnectionStats(connectionId, request.room(), request.peer(), request.remote(),
            setup.nodeId(), wire(state), attempt, reason, path, candidates, CandidatePairs.summary(candidates),
            mux.stats()));
      });
    });
    return result.future();
  }

  static String wire(ConnectionState state) {
    return state.name().toLowerCase().replace('_', '-');
  }

  private Future<Void> end(String reason) {
    if (ending) {
      return Future.succeededFuture();
    }
    // Messages accepted just before the close leave before the link does.
    mux.flushDue();
    if (controller != null && !controller.state().isTerminal()) {
      run(controller.fire(new ConnectionEvent.Close(reason)));
    }
    ending = true;
    return vertx.undeploy(deploymentID());
  }

  private static List<RTCIceServer> iceServers(JsonArray servers) {
    List<RTCIceServer> out = new ArrayList<>();
    for (Object o : servers) {
      JsonObject s = (JsonObject) o;
      RTCIceServer server = new RTCIceServer();
      server.urls = new ArrayList<>();
      s.getJsonArray("urls", new JsonArray()).forEach(u -> server.urls.add(String.valueOf(u)));
      server.username = s.getString("username");
      server.password = s.getString("credential");
      out.add(server);
    }
    return out;
  }
}

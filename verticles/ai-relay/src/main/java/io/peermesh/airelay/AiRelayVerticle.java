package io.peermesh.airelay;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusCodecs;
import io.peermesh.shared.bus.ClusterMembers;
import io.peermesh.shared.bus.BusMessages.AiInvite;
import io.peermesh.shared.bus.BusMessages.BatchAck;
import io.peermesh.shared.bus.BusMessages.BotRequest;
import io.peermesh.shared.bus.BusMessages.BotStarted;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundBatch;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.protocol.RoomNames;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The AI-stream relay: brings an AI assistant bot into rooms (one peer connected with each client there, see
 * {@link Addresses.Supervisor#BOT_START}), takes the prompts clients send it on {@code ai-stream}, streams each
 * answer from the backend back to the asking client as numbered pieces, and keeps every answer (under way and for
 * {@code retainMs} after) so a client that lost pieces resumes from the piece it holds, from any connection
 * (docs/AI.md). Hand-overs to a connection go one batch at a time, so pieces never overtake each other.
 */
public final class AiRelayVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(AiRelayVerticle.class.getName());
  private static final String CHANNEL = ChannelSpec.AI_STREAM.label();
  private static final int BATCH = 64;
  private static final long RETRY_MS = 20;
  /** Cluster-wide map: room → node id of the relay holding its bot. */
  public static final String OWNERS = "peermesh.ai.owners";

  private AiRelayOptions options;
  private AiBackend backend;
  private AiStreams streams;
  private AiHistory history;
  private PromptRate promptRate;
  private String signalingHost;
  private int signalingPort;
  private String token;
  /** The bot's id by room; a room whose bot is joining maps to null. */
  private final Map<String, String> bots = new HashMap<>();
  private final Map<String, MessageConsumer<InboundMessage>> roomConsumers = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private DeliveryOptions handOver;
  private String nodeId;
  /** Cluster-wide: which node's relay holds the bot of each room (room → node id). */
  private AsyncMap<String, String> owners;
  /** The map is being read for a round; rooms whose claim is under way (a slow join holds up no other room). */
  private boolean reading;
  private final Set<String> claiming = new java.util.HashSet<>();
  /**
   * Claims whose map writes may still land, from any path (rounds, invites, start): a stopping relay releases its
   * rooms only after they settle, or a claim that was on its way would record the room for this node again.
   */
  private final Set<Future<String>> claimsUnderWay = new java.util.HashSet<>();
  private long claimTimer = -1;
  /** Answers copied into the cluster; null when not clustered or not wanted. */
  private AiArchive archive;
  private boolean stopping;
  /** Restores from the archive under way, by answer key: a second resume waits for the first's. */
  private final Map<String, Future<AiStream>> restoring = new HashMap<>();

  @Override
  public Future<?> start() {
    BusCodecs.register(vertx);
    options = AiRelayOptions.from(config().getJsonObject("ai"));
    JsonObject signaling = config().getJsonObject("signaling", new JsonObject());
    signalingHost = signaling.getString("host", "127.0.0.1");
    // The node names the port its signaling service listens on (0 in the config means "any free one").
    signalingPort = config().getInteger("signalingPort", signaling.getInteger("port", 8080));
    token = options.tokenEnv() == null ? null : System.getenv(options.tokenEnv());
    backend = new OpenAiChatBackend(vertx, options.backend(), System::getenv);
    streams = new AiStreams(options.maxStreamsPerClient(), options.maxStreams(), options.retainMs(),
        System::currentTimeMillis);
    promptRate = new PromptRate(options.promptsPerMinute(), options.promptBurst(), options.maxStreams(),
        System::nanoTime);
    history = new AiHistory(options.historyTurns(), options.historyMaxBytes(), options.maxStreams());
    handOver = new DeliveryOptions().setSendTimeout(options.sendTimeoutMs());
    nodeId = config().getString("nodeId", "local");
    vertx.setPeriodic(Math.max(1_000, Math.min(60_000, options.retainMs())), id -> streams.sweep());
    MessageConsumer<AiInvite> invite = vertx.eventBus().consumer(Addresses.AiRelay.INVITE, this::onInvite);
    MessageConsumer<String> memberLeft = vertx.eventBus().localConsumer(Addresses.Node.MEMBER_LEFT, msg -> claim());
    consumers.add(invite);
    consumers.add(memberLeft);
    return Future.all(invite.completion(), memberLeft.completion())
        .compose(v -> vertx.sharedData().<String, String>getAsyncMap(OWNERS))
        .compose(map -> {
          owners = map;
          return vertx.isClustered() && options.archive()
              ? Future.all(vertx.sharedData().<String, String>getAsyncMap(AiArchive.MAP),
                  vertx.sharedData().<String, String>getAsyncMap(AiArchive.HISTORY_MAP)).map(maps -> {
                    // Entries live twice as long as a finished answer is kept: an answer streams before it ends.
                    archive = new AiArchive(vertx, maps.resultAt(0), maps.resultAt(1),
                        Math.max(1, 2 * options.retainMs()));
                    return map;
                  })
              : Future.succeededFuture(map);
        })
        .compose(map -> {
          claimTimer = vertx.setPeriodic(options.claimIntervalMs(), id -> claim());
          // A room whose bot cannot join now is tried again by the periodic claim; the node starts anyway.
          return Future.join(options.rooms().stream().map(room -> claim(room).onFailure(e -> LOG.warning(
              "AI bot of " + room + " not in the room yet: " + e.getMessage()))).toList()).otherwiseEmpty();
        });
  }

  /** The node is alive (when not clustered, every owner is this node). */
  private boolean live(String node) {
    return node.equals(nodeId) || ClusterMembers.live(vertx).map(members -> members.contains(node)).orElse(true);
  }

  /**
   * Takes {@code room}'s bot unless a live relay holds it: the room is recorded for this node when nobody holds
   * it, or taken over from a node that left the cluster; then the bot joins (again, if it failed before).
   * Completes with the node that holds the room.
   */
  private Future<String> claim(String room) {
    if (stopping) {
      return Future.failedFuture("the AI relay is stopping");
    }
    Future<String> claimed = takeUnlessHeld(room);
    claimsUnderWay.add(claimed);
    claimed.onComplete(done -> claimsUnderWay.remove(claimed));
    return claimed;
  }

  private Future<String> takeUnlessHeld(String room) {
    return owners.putIfAbsent(room, nodeId).compose(holder -> {
      if (holder == null || holder.equals(nodeId)) {
        return ensureJoined(room);
      }
      if (live(holder)) {
        return Future.succeededFuture(holder);
      }
      return owners.replaceIfPresent(room, holder, nodeId).compose(taken -> {
        if (!taken) {
          // Another relay took it first (or it was freed meanwhile: the next round claims it).
          return owners.get(room).map(now -> now == null ? "nobody yet" : now);
        }
        LOG.info("AI bot of " + room + ": taking over from " + holder + ", which left the cluster");
        return ensureJoined(room);
      });
    });
  }

  private Future<String> ensureJoined(String room) {
    return bots.containsKey(room) ? Future.succeededFuture(nodeId) : join(room).map(nodeId);
  }

  /**
   * Every room with a bot, checked now and then and when a member leaves: rooms held by a node that left are
   * taken over, this node's rooms whose bot failed to join are joined again, configured rooms are claimed.
   */
  private void claim() {
    if (reading || owners == null) {
      return;
    }
    reading = true;
    owners.entries().onComplete(read -> {
      reading = false;
      if (read.failed()) {
        LOG.warning("AI relay could not read the room holders: " + read.cause().getMessage());
        return;
      }
      Set<String> rooms = new LinkedHashSet<>(options.rooms());
      read.result().forEach((room, holder) -> {
        if (holder.equals(nodeId) || !live(holder)) {
          rooms.add(room);
        }
      });
      for (String room : rooms) {
        if (claiming.add(room)) {
          claim(room).onComplete(done -> {
            claiming.remove(room);
            if (done.failed()) {
              LOG.warning("AI bot of " + room + " not in the room yet: " + done.cause().getMessage());
            }
          });
        }
      }
    });
  }

  private void onInvite(Message<AiInvite> msg) {
    String room = msg.body().room();
    if (room == null || !RoomNames.isValid(room) || !RoomNames.isValid(botPeer(room))) {
      msg.fail(400, "not a valid room (or too long for the bot's peer id)");
      return;
    }
    if (options.tokenEnv() != null) {
      msg.fail(400, "this relay's bot joins with a token, whose peer id is in one room: " + options.rooms());
      return;
    }
    if (bots.containsKey(room)) {
      msg.fail(409, "the bot is already in " + room);
      return;
    }
    claim(room).onComplete(claimed -> {
      if (claimed.failed()) {
        // Recorded for this node but not in the room: free it for whoever is asked next.
        owners.removeIfPresent(room, nodeId);
        msg.fail(500, "the bot could not join: " + claimed.cause().getMessage());
      } else if (claimed.result().equals(nodeId) && bots.get(room) != null) {
        msg.reply(new BotStarted(bots.get(room), nodeId));
      } else {
        msg.fail(409, "the bot is already in " + room + " (held by node " + claimed.result() + ")");
      }
    });
  }

  /** The bot's peer id in {@code room}: peer ids are unique across rooms, so each room's bot has its own. */
  String botPeer(String room) {
    return options.peer() + "-" + room;
  }

  /** Listens to the room's ai-stream, then brings the bot in. */
  private Future<BotStarted> join(String room) {
    if (stopping) {
      return Future.failedFuture("the AI relay is stopping");
    }
    if (bots.containsKey(room)) {
      return Future.failedFuture("the bot is joining " + room + " already");
    }
    bots.put(room, null);
    // The bot lives on this node (its connections publish here) and joins through this node's signaling.
    MessageConsumer<InboundMessage> inbound = vertx.eventBus().localConsumer(
        Addresses.Supervisor.inbound(room, CHANNEL), msg -> onInbound(msg.body()));
    roomConsumers.put(room, inbound);
    return inbound.completion().compose(v -> vertx.eventBus().<BotStarted>request(Addresses.Supervisor.BOT_START,
        new BotRequest(room, botPeer(room), options.remotes(), signalingHost, signalingPort, token, Map.of()),
        new DeliveryOptions().setSendTimeout(30_000).setLocalOnly(true))).map(reply -> {
          if (stopping) {
            // Joined after this relay stopped (its room is released): nobody would ever close it.
            vertx.eventBus().request(Addresses.Supervisor.botClose(reply.body().bot()), null);
            throw new IllegalStateException("the relay stopped while its bot joined " + room);
          }
          bots.put(room, reply.body().bot());
          LOG.info("AI bot " + botPeer(room) + " joined " + room + " (" + reply.body().bot() + ")");
          return reply.body();
        }).onFailure(e -> {
          bots.remove(room);
          MessageConsumer<InboundMessage> consumer = roomConsumers.remove(room);
          if (consumer != null) {
            consumer.unregister();
          }
        });
  }

  private void onInbound(InboundMessage message) {
    String bot = bots.get(message.room());
    if (bot == null || !message.connection().startsWith(bot + ".")) {
      return;
    }
    try {
      AiRequest request = AiRequests.parse(message.data(), options.maxPromptBytes());
      if (request instanceof AiRequest.Prompt prompt) {
        answer(message, prompt);
      } else if (request instanceof AiRequest.Resume resume) {
        resume(message, resume);
      } else if (request instanceof AiRequest.Cancel cancel) {
        AiStream stream = streams.get(message.room(), message.from(), cancel.id());
        if (!stream.ended()) {
          // Null while the conversation is still read: the backend is then never asked.
          if (stream.cancel != null) {
            stream.cancel.run();
          }
          finish(stream, new AiReply.Done(stream.id, stream.size(), "cancelled"));
        }
      }
    } catch (AiException e) {
      refuse(message.connection(), e);
    }
  }

  private void resume(InboundMessage message, AiRequest.Resume resume) throws AiException {
    AiStream stream;
    try {
      stream = streams.get(message.room(), message.from(), resume.id());
    } catch (AiException unknown) {
      if (archive == null) {
        throw unknown;
      }
      restore(message, resume, unknown);
      return;
    }
    stream.resumeTo(message.connection(), resume.from());
    pump(stream);
  }

  /** An answer this relay does not hold may be in the archive: one a relay that left the cluster streamed. */
  private void restore(InboundMessage message, AiRequest.Resume resume, AiException unknown) {
    String key = message.room() + '\n' + message.from() + '\n' + resume.id();
    Future<AiStream> restored = restoring.get(key);
    if (restored == null) {
      restored = archive.restore(message.room(), message.from(), resume.id(), message.connection(), resume.from());
      restoring.put(key, restored);
      Future<AiStream> mine = restored;
      restored.onComplete(done -> restoring.remove(key, mine));
    }
    restored.onComplete(found -> {
      if (found.failed() || found.result() == null) {
        if (found.failed()) {
          LOG.warning("AI answer " + resume.id() + " not read from the archive: " + found.cause().getMessage());
        }
        refuse(message.connection(), unknown);
        return;
      }
      AiStream stream;
      try {
        stream = streams.adopt(found.result());
      } catch (AiException e) {
        refuse(message.connection(), e);
        return;
      }
      stream.resumeTo(message.connection(), resume.from());
      pump(stream);
      archived(stream);
    });
  }

  private void archived(AiStream stream) {
    if (archive != null) {
      archive.changed(stream);
    }
  }

  private void answer(InboundMessage message, AiRequest.Prompt prompt) throws AiException {
    // A prompt refused as busy or as a duplicate costs no prompt of the client's allowance.
    streams.check(message.room(), message.from(), prompt.id());
    promptRate.take(message.room(), message.from(), prompt.id());
    AiStream stream = streams.open(message.room(), message.from(), prompt.id(), message.connection());
    conversation(stream.room, stream.client).onComplete(turns -> {
      if (!stream.ended() && !stopping) {
        ask(stream, turns.succeeded() ? turns.result() : List.of(), prompt);
      }
    });
  }

  /**
   * {@code client}'s conversation so far: this relay's, or, for a client it has not talked with, the cluster's copy
   * (the relay that did may have left).
   */
  private Future<List<AiHistory.Turn>> conversation(String room, String client) {
    if (archive == null || options.historyTurns() == 0 || history.knows(room, client)) {
      return Future.succeededFuture(history.turns(room, client));
    }
    return archive.loadHistory(room, client).map(turns -> {
      history.restore(room, client, turns);
      return history.turns(room, client);
    }).otherwise(e -> history.turns(room, client));
  }

  private void ask(AiStream stream, List<AiHistory.Turn> turns, AiRequest.Prompt prompt) {
    StringBuilder text = new StringBuilder();
    stream.cancel = backend.answer(turns, prompt.prompt(), new AiBackend.Sink() {
      @Override
      public void text(String piece) {
        if (stream.ended()) {
          return;
        }
        int bytes = piece.getBytes(StandardCharsets.UTF_8).length;
        if (stream.textBytes() + bytes > options.maxAnswerBytes()) {
          stream.cancel.run();
          finish(stream, new AiReply.Error(stream.id, (long) stream.size(), AiErrorCode.ANSWER_TOO_LARGE,
              "the answer passed " + options.maxAnswerBytes() + " bytes"));
          return;
        }
        stream.addText(piece, bytes);
        text.append(piece);
        pump(stream);
        archived(stream);
      }

      @Override
      public void done(String finish) {
        if (!stream.ended()) {
          history.add(stream.room, stream.client, new AiHistory.Turn(prompt.prompt(), text.toString()));
          if (archive != null && options.historyTurns() > 0) {
            archive.saveHistory(stream.room, stream.client, history.turns(stream.room, stream.client));
          }
          finish(stream, new AiReply.Done(stream.id, stream.size(), finish));
        }
      }

      @Override
      public void failed(AiErrorCode code, String why) {
        if (!stream.ended()) {
          LOG.warning("AI answer " + stream.id + " for " + stream.client + " failed: " + why);
          finish(stream, new AiReply.Error(stream.id, (long) stream.size(), code, why));
        }
      }
    });
  }

  private void finish(AiStream stream, AiReply last) {
    stream.end(last, System.currentTimeMillis());
    pump(stream);
    archived(stream);
  }

  /** Hands the stream's next pieces to its connection: one batch in flight, the refused rest offered again. */
  private void pump(AiStream stream) {
    if (stream.inFlight || stream.connection == null || stream.next >= stream.size()) {
      return;
    }
    long epoch = stream.epoch;
    String to = stream.connection;
    stream.inFlight = true;
    vertx.eventBus().<BatchAck>request(Addresses.Supervisor.sendBatch(to),
        new OutboundBatch(CHANNEL, stream.pieces(stream.next, BATCH)), handOver).onComplete(ar -> {
          if (stream.epoch != epoch) {
            return;
          }
          stream.inFlight = false;
          if (ar.failed()) {
            if (ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT) {
              // It may have been taken: offering it again may deliver a piece twice, which the numbering undoes.
              vertx.setTimer(RETRY_MS, id -> pump(stream));
            } else {
              stream.connection = null;
            }
            return;
          }
          BatchAck ack = ar.result().body();
          stream.next = stream.after(stream.next, ack.accepted());
          if (ack.code() == null) {
            pump(stream);
          } else if (SendAck.retryable(ack.code())) {
            vertx.setTimer(RETRY_MS, id -> pump(stream));
          } else {
            // The connection is closing: the client resumes from the one it comes back on.
            stream.connection = null;
          }
        });
  }

  private void refuse(String connection, AiException e) {
    byte[] reply = AiReply.encode(new AiReply.Error(e.id(), null, e.code(), e.getMessage()));
    vertx.eventBus().request(Addresses.Supervisor.send(connection), new OutboundMessage(CHANNEL, reply), handOver)
        .onFailure(f -> LOG.fine("could not tell " + connection + " of " + e.code().wire() + ": " + f.getMessage()));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(claimTimer);
    for (AiStream stream : streams.all()) {
      if (stream.cancel != null) {
        stream.cancel.run();
      }
    }
    List<Future<?>> closing = new ArrayList<>();
    consumers.forEach(c -> closing.add(c.unregister()));
    roomConsumers.values().forEach(c -> closing.add(c.unregister()));
    bots.values().stream().filter(bot -> bot != null).forEach(bot -> closing.add(vertx.eventBus()
        .request(Addresses.Supervisor.botClose(bot), null, new DeliveryOptions().setSendTimeout(10_000))));
    // A claim under way may still write this node into the map (a join it starts now fails: see join).
    closing.addAll(claimsUnderWay);
    return Future.join(closing)
        // Its bots have left: every room recorded for this node (a failed join's too) is free for the other
        // relays' next claim, though the node may stay a member.
        .eventually(() -> owners == null ? Future.succeededFuture() : owners.entries().compose(held ->
            Future.join(held.entrySet().stream().filter(e -> nodeId.equals(e.getValue()))
                .map(e -> owners.removeIfPresent(e.getKey(), nodeId)).toList())))
        .eventually(() -> {
          backend.close();
          return Future.succeededFuture();
        });
  }
}

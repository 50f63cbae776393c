package io.peermesh.supervisor;

import io.peermesh.shared.config.SignalingConfig;
import io.peermesh.shared.time.TokenBucket;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * A supervisor's seat in a room: the same protocol a browser speaks (docs/PROTOCOL.md), over a WebSocket or,
 * when signaling runs in this node, the local bus ({@link SignalWire}). When the socket drops it reconnects
 * and resumes with the resume token, so the room sees no flap; messages written meanwhile wait in a bounded
 * queue. What it writes is paced below signaling's message rate ({@link Rate}): past it signaling closes the
 * socket (4029), and a bot's connections all write through one link. Runs on the supervisor's context.
 */
final class SignalingLink implements Seat {
  private static final Logger LOG = Logger.getLogger(SignalingLink.class.getName());
  private static final int MAX_QUEUED = 4096;

  /**
   * The rate a link keeps to: a tenth below signaling's {@code maxMessagesPerSecond} and {@code burstMessages},
   * so frames bunched on the way still arrive within its limit.
   */
  record Rate(int perSecond, int burst) {
    static final Rate DEFAULT = below(SignalingConfig.DEFAULT_MAX_MESSAGES_PER_SECOND,
        SignalingConfig.DEFAULT_BURST_MESSAGES);

    static Rate below(int maxMessagesPerSecond, int burstMessages) {
      return new Rate(Math.max(1, maxMessagesPerSecond * 9 / 10), Math.max(1, burstMessages * 9 / 10));
    }
  }

  private final Vertx vertx;
  private final WebSocketClient client;
  private final String host;
  private final int port;
  private final JsonObject join;
  private final Handler<JsonObject> onMessage;
  private final ArrayDeque<String> queued = new ArrayDeque<>();
  private final Rate rate;
  private final TokenBucket pace;
  private long drainTimer = -1;
  /**
   * Negotiation messages (offer, answer, candidate) with a {@code to}, by the {@code id} they were given, in the
   * order sent, for a retry: while a session moves between nodes signaling answers {@code unknown-peer} for a few
   * milliseconds (docs/PROTOCOL.md). Kept {@link #RETRY_WINDOW_NANOS}, at most {@link #MAX_ADDRESSED}: a node
   * holds thousands of links.
   */
  private final Map<String, Addressed> addressed = new LinkedHashMap<>();
  static final int MAX_ADDRESSED = 32;
  static final long RETRY_WINDOW_NANOS = 2_000_000_000L;
  private static final Set<String> RETRIED_TYPES = Set.of("offer", "answer", "candidate");
  private long nextId;
  /** Peers in the room as this link last heard: only a message to one still here is worth a retry. */
  private final Set<String> present = new HashSet<>();

  private static final Set<String> RETRIED = Set.of("unknown-peer", "peer-unreachable");
  static final int MAX_TRIES = 3;

  private record Addressed(JsonObject message, int tries, long sentNanos) {}
  private SignalWire socket;
  private String resumeToken;
  private JsonObject joined;
  private boolean closed;
  /** The last wire whose join or resume signaling refused: its close is handled where the refusal was. */
  private SignalWire refusedWire;
  private long pingTimer = -1;
  /** The resume was refused and the link joins afresh: the room saw this peer leave and join again. */
  private boolean joiningAfresh;
  private Handler<JsonObject> onFreshJoin = joined -> { };

  /** The options of the one client a node's supervisors share (see {@link #sharedClient}). */
  static WebSocketClient sharedClient(Vertx vertx) {
    // One client for every supervisor of the node: a client each cost heap and native buffers per connection.
    // Its default cap of 50 connections per server would otherwise queue the 51st supervisor's socket.
    return vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(262_144)
        .setMaxMessageSize(262_144).setMaxConnections(Integer.MAX_VALUE));
  }

  /** The {@code join} message: with a token the peer id is the token's, else (dev mode) {@code peer}. */
  static JsonObject join(String room, String peer, String token) {
    JsonObject join = new JsonObject().put("type", "join").put("v", 1).put("room", room);
    return token != null ? join.put("token", token) : join.put("peer", peer);
  }

  /** {@code client} is shared with the node's other supervisors; this link never closes it. */
  SignalingLink(Vertx vertx, WebSocketClient client, String host, int port, JsonObject join,
      Handler<JsonObject> onMessage) {
    this(vertx, client, host, port, join, onMessage, Rate.DEFAULT);
  }

  SignalingLink(Vertx vertx, WebSocketClient client, String host, int port, JsonObject join,
      Handler<JsonObject> onMessage, Rate rate) {
    this.rate = rate;
    this.pace = new TokenBucket(rate.perSecond(), rate.burst(), System::nanoTime);
    this.vertx = vertx;
    this.client = client;
    this.host = host;
    this.port = port;
    this.join = join;
    this.onMessage = onMessage;
  }

  /** Connects and joins; completes with {@code joined}. */
  @Override
  public Future<JsonObject> open() {
    Promise<JsonObject> result = Promise.promise();
    connect(result);
    return result.future();
  }

  /**
   * Called (on the link's context) with the new {@code joined} when a refused resume made the link join afresh:
   * every peer saw this one leave and join again, so whatever it exchanged with them starts over.
   */
  void onFreshJoin(Handler<JsonObject> handler) {
    this.onFreshJoin = handler;
  }

  JsonObject joined() {
    return joined;
  }

  private void connect(Promise<JsonObject> result) {
    if (closed) {
      // Closed while a retry waited: the link stays out of the room.
      result.tryFail(new IllegalStateException("signaling link closed"));
      return;
    }
    SignalWire.dial(vertx, client, host, port, new SignalWire.Listener() {
      @Override
      public void text(SignalWire wire, String text) {
        onText(wire, text, result);
      }

      @Override
      public void closed(SignalWire wire) {
        if (socket == wire) {
          socket = null;
          if (!closed && resumeToken != null) {
            retry(result, new IllegalStateException("signaling socket closed"));
          }
        } else if (socket == null && wire != refusedWire) {
          // Closed before its joined (signaling's join timeout, or it went away): the open fails, or a resume
          // is tried again, rather than waiting for ever.
          retry(result, new IllegalStateException("signaling closed the socket before joined"));
        }
      }
    }).onComplete(ar -> {
      if (ar.failed()) {
        retry(result, ar.cause());
        return;
      }
      if (closed) {
        ar.result().close();
        result.tryFail(new IllegalStateException("signaling link closed"));
        return;
      }
      JsonObject hello = join.copy();
      if (resumeToken != null) {
        hello.put("resume", resumeToken);
      }
      ar.result().write(hello.encode());
    });
  }

  private void onText(SignalWire wire, String text, Promise<JsonObject> result) {
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (RuntimeException e) {
      LOG.warning("signaling sent a frame that is not JSON");
      return;
    }
    if ("joined".equals(message.getString("type")) && socket != wire && closed) {
      // Joined after the link was closed (the join was on its way): leave at once, nobody else would.
      wire.write(new JsonObject().put("type", "leave").encode());
      wire.close();
      result.tryFail(new IllegalStateException("signaling link closed"));
      return;
    }
    if ("joined".equals(message.getString("type")) && socket != wire) {
      socket = wire;
      joined = message;
      present.clear();
      message.getJsonArray("peers", new io.vertx.core.json.JsonArray()).forEach(p -> {
        if (p instanceof JsonObject peer) {
          present.add(peer.getString("peer"));
        }
      });
      if (joiningAfresh) {
        joiningAfresh = false;
        onFreshJoin.handle(message);
      }
      resumeToken = message.getString("resumeToken");
      startPings(message.getLong("heartbeatMs", 5000L));
      drain();
      result.tryComplete(message);
      return;
    }
    if ("error".equals(message.getString("type")) && socket != wire) {
      refusedWire = wire;
      wire.close();
      if (joined != null && resumeToken != null && !closed) {
        // The session ended while away (grace expired): join afresh; the room sees a leave and a join.
        LOG.warning("resume refused (" + message.getString("code") + "); joining afresh");
        resumeToken = null;
        joiningAfresh = true;
        vertx.setTimer(250, id -> connect(Promise.promise()));
        return;
      }
      result.tryFail(new IllegalStateException("join refused: " + message.encode()));
      return;
    }
    String type = message.getString("type", "");
    if (type.equals("peer-joined")) {
      present.add(message.getString("peer"));
    } else if (type.equals("peer-left")) {
      present.remove(message.getString("peer"));
    } else if (type.equals("error") && !retried(message)) {
      LOG.warning("signaling refused a message (" + message.getString("code") + ", ref " + message.getString("ref")
          + "): " + message.getString("message"));
    }
    onMessage.handle(message);
  }

  /** Sends an addressed message again after an error that a moving session causes; false when it does not. */
  private boolean retried(JsonObject error) {
    Addressed sent = error.getString("ref") == null ? null : addressed.get(error.getString("ref"));
    if (sent == null || !RETRIED.contains(error.getString("code")) || sent.tries() >= MAX_TRIES
        || !present.contains(sent.message().getString("to"))) {
      return false;
    }
    String id = error.getString("ref");
    String to = sent.message().getString("to");
    addressed.put(id, new Addressed(sent.message(), sent.tries() + 1, sent.sentNanos()));
    // The candidates sent to that peer after it went while it was away too, and without the offer before them
    // the peer drops them: they follow it again, in order (a candidate twice is harmless).
    List<JsonObject> again = new ArrayList<>(List.of(sent.message()));
    boolean later = false;
    for (Map.Entry<String, Addressed> entry : addressed.entrySet()) {
      JsonObject m = entry.getValue().message();
      if (later && to.equals(m.getString("to")) && "candidate".equals(m.getString("type"))) {
        again.add(m);
      }
      later |= entry.getKey().equals(id);
    }
    vertx.setTimer(100L * (sent.tries() + 1), t -> {
      if (!closed && present.contains(to)) {
        again.forEach(m -> write(m.encode()));
      }
    });
    return true;
  }

  /** "bus" when this link reaches signaling in its own node over the local bus, else "websocket". */
  String transport() {
    return socket == null ? "none" : socket.kind();
  }

  private void retry(Promise<JsonObject> result, Throwable cause) {
    if (closed || joined == null) {
      result.tryFail(cause);
      return;
    }
    vertx.setTimer(250, id -> connect(Promise.promise()));
  }

  private void startPings(long heartbeatMs) {
    if (pingTimer >= 0) {
      vertx.cancelTimer(pingTimer);
    }
    pingTimer = vertx.setPeriodic(Math.max(100, heartbeatMs), id -> send(new JsonObject().put("type", "ping")));
  }

  /**
   * Writes now, or queues (bounded) while the socket is being resumed or the rate is used up; false when the
   * queue is full.
   */
  @Override
  public boolean send(JsonObject message) {
    // Only negotiation is retried: relay frames can be large and their channels resend or supersede them, and a
    // state report sent again late could read as a new one.
    if (message.getString("to") != null && RETRIED_TYPES.contains(message.getString("type"))) {
      long now = System.nanoTime();
      message = message.copy().put("id", "m" + ++nextId);
      addressed.put(message.getString("id"), new Addressed(message, 0, now));
      Iterator<Addressed> oldest = addressed.values().iterator();
      while (oldest.hasNext()) {
        Addressed first = oldest.next();
        if (addressed.size() <= MAX_ADDRESSED && now - first.sentNanos() <= RETRY_WINDOW_NANOS) {
          break;
        }
        oldest.remove();
      }
    }
    return write(message.encode());
  }

  private boolean write(String text) {
    if (socket != null && queued.isEmpty() && pace.tryAcquire()) {
      socket.write(text);
      return true;
    }
    if (queued.size() >= MAX_QUEUED) {
      return false;
    }
    queued.add(text);
    drainLater();
    return true;
  }

  /** Writes what waits, as far as the rate allows. */
  private void drain() {
    drainTimer = -1;
    while (socket != null && !queued.isEmpty() && pace.tryAcquire()) {
      socket.write(queued.poll());
    }
    drainLater();
  }

  private void drainLater() {
    if (drainTimer < 0 && socket != null && !closed && !queued.isEmpty()) {
      drainTimer = vertx.setTimer(Math.max(1, 1_000 / rate.perSecond()), id -> drain());
    }
  }

  @Override
  public Future<Void> close() {
    closed = true;
    if (pingTimer >= 0) {
      vertx.cancelTimer(pingTimer);
    }
    if (drainTimer >= 0) {
      vertx.cancelTimer(drainTimer);
    }
    SignalWire wire = socket;
    socket = null;
    Future<Void> left = Future.succeededFuture();
    if (wire != null) {
      wire.write(new JsonObject().put("type", "leave").encode());
      left = wire.close();
    }
    return left;
  }
}

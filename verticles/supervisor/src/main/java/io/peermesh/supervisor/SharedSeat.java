package io.peermesh.supervisor;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * One bot's seat in a room, shared by its connections: the bot joins once and each of its supervisors signals
 * to its own remote through a {@link View}. Messages from a remote (and room events about it) go to that
 * remote's view only. Owned by the bot's context; views are used from their supervisors' contexts, so every
 * crossing is a task on the other context (each context runs its tasks in order, so nothing is reordered).
 */
final class SharedSeat {
  private static final Logger LOG = Logger.getLogger(SharedSeat.class.getName());

  private final Context owner;
  private final SignalingLink link;
  /** Views by remote; touched on the owner's context only. */
  private final Map<String, View> views = new HashMap<>();
  /**
   * Messages from remotes whose connection is starting (expected, no view yet): a remote that sees the bot may
   * offer before the connection's supervisor is deployed. Bounded; owner's context only.
   */
  private final Map<String, ArrayDeque<JsonObject>> early = new HashMap<>();
  static final int MAX_EARLY = 256;
  /**
   * Messages from peers not (yet) in the room: a joiner learns of the bot at once and may offer before its
   * {@code peer-joined} reaches the bot (signaling publishes that after a roster read). Kept for
   * {@link #STRAY_NANOS} for a connection to that peer; owner's context only.
   */
  private final Map<String, Stray> strays = new HashMap<>();
  static final long STRAY_NANOS = 5_000_000_000L;
  static final int MAX_STRAY_PEERS = 64;
  /**
   * The instance of each remote that connections are made for: a remote that leaves and joins again is a new
   * instance, and a view made for the old one must not take the new one's messages. Owner's context only.
   */
  private final Map<String, Long> instances = new HashMap<>();
  private long nextInstance;
  /** Peers in the room now, as the {@code joined} message lists them; owner's context only. */
  private final Map<String, JsonObject> present = new LinkedHashMap<>();
  private final LongSupplier nanoTime;
  private JsonObject joined;

  private record Stray(long since, ArrayDeque<JsonObject> messages) {}

  SharedSeat(Context owner, SignalingLink link) {
    this(owner, link, System::nanoTime);
  }

  SharedSeat(Context owner, SignalingLink link, LongSupplier nanoTime) {
    this.owner = owner;
    this.link = link;
    this.nanoTime = nanoTime;
  }

  /** The bot's link joined: the room as it is now. */
  void joined(JsonObject message) {
    joined = message;
    present.clear();
    for (Object p : message.getJsonArray("peers", new JsonArray())) {
      JsonObject peer = (JsonObject) p;
      present.put(peer.getString("peer"), peer);
    }
    // Peers that left while the bot was away were never reported as leaving.
    instances.keySet().retainAll(present.keySet());
  }

  /** Peers in the room now (owner's context). */
  Iterable<String> present() {
    return present.keySet();
  }

  boolean isPresent(String peer) {
    return present.containsKey(peer);
  }

  /** A message the bot's link received (owner's context): kept for the roster, handed to its remote's view. */
  void dispatch(JsonObject message) {
    String type = message.getString("type", "");
    String peer = message.getString("from", message.getString("peer"));
    if (peer == null) {
      return;
    }
    if (type.equals("peer-joined")) {
      present.put(peer, new JsonObject().put("peer", peer));
      View view = views.get(peer);
      if (view != null) {
        view.deliver(message);
      }
      return;
    }
    if (type.equals("peer-left")) {
      present.remove(peer);
      instances.remove(peer);
      early.remove(peer);
      // What came before the leave was the departed instance's.
      strays.remove(peer);
      View view = views.remove(peer);
      if (view != null) {
        view.deliver(message);
      }
      return;
    }
    View view = views.get(peer);
    ArrayDeque<JsonObject> waiting = early.get(peer);
    if (view != null) {
      view.deliver(message);
    } else if (waiting != null && waiting.size() < MAX_EARLY) {
      waiting.add(message);
    } else if (waiting != null) {
      LOG.warning("the connection to " + peer + " is slow to start; a message from it was dropped");
    } else if (!present.containsKey(peer)) {
      stray(peer, message);
    }
  }

  private void stray(String peer, JsonObject message) {
    long now = nanoTime.getAsLong();
    strays.values().removeIf(s -> now - s.since() > STRAY_NANOS);
    Stray stray = strays.get(peer);
    if (stray == null && strays.size() >= MAX_STRAY_PEERS) {
      LOG.warning("a message from " + peer + ", not in the room, was dropped: too many such peers");
      return;
    }
    if (stray == null) {
      stray = new Stray(now, new ArrayDeque<>());
      strays.put(peer, stray);
    }
    if (stray.messages().size() < MAX_EARLY) {
      stray.messages().add(message);
    }
  }

  /**
   * A connection to {@code remote} is starting: what it sends meanwhile waits for its view (owner's context).
   * Returns the remote's instance, which the connection's view must be made for.
   */
  long expect(String remote) {
    Stray stray = strays.remove(remote);
    ArrayDeque<JsonObject> waiting = early.computeIfAbsent(remote, r -> new ArrayDeque<>());
    if (stray != null && nanoTime.getAsLong() - stray.since() <= STRAY_NANOS) {
      stray.messages().forEach(m -> {
        if (waiting.size() < MAX_EARLY) {
          waiting.add(m);
        }
      });
    }
    return instances.computeIfAbsent(remote, r -> ++nextInstance);
  }

  /** The connection to that instance of {@code remote} will not start after all (owner's context). */
  void forget(String remote, long instance) {
    if (instances.getOrDefault(remote, -1L) == instance) {
      early.remove(remote);
    }
  }

  /**
   * A view for a connection to {@code instance} of {@code remote}; its messages go to {@code onMessage} on the
   * caller's context. Its open fails if that instance has left meanwhile.
   */
  Seat view(String remote, long instance, Handler<JsonObject> onMessage) {
    return new View(remote, instance, Vertx.currentContext(), onMessage);
  }

  private final class View implements Seat {
    private final String remote;
    private final long instance;
    private final Context context;
    private final Handler<JsonObject> onMessage;
    private volatile boolean closed;

    View(String remote, long instance, Context context, Handler<JsonObject> onMessage) {
      this.remote = remote;
      this.instance = instance;
      this.context = context;
      this.onMessage = onMessage;
    }

    void deliver(JsonObject message) {
      context.runOnContext(v -> {
        if (!closed) {
          onMessage.handle(message);
        }
      });
    }

    @Override
    public Future<JsonObject> open() {
      Promise<JsonObject> result = Promise.promise();
      // The snapshot and the registration are one task: no message about the remote falls between them.
      owner.runOnContext(v -> {
        if (joined == null) {
          context.runOnContext(w -> result.fail("the bot has not joined"));
          return;
        }
        if (instances.getOrDefault(remote, -1L) != instance) {
          context.runOnContext(w -> result.fail(remote + " left while its connection started"));
          return;
        }
        views.put(remote, this);
        JsonObject now = joined.copy().put("peers", new JsonArray(present.values().stream()
            .map(JsonObject::copy).toList()));
        ArrayDeque<JsonObject> waiting = early.remove(remote);
        context.runOnContext(w -> result.complete(now));
        // After the open (tasks on the view's context run in order): what the remote sent while it started.
        if (waiting != null) {
          waiting.forEach(this::deliver);
        }
      });
      return result.future();
    }

    @Override
    public boolean send(JsonObject message) {
      if (closed) {
        return false;
      }
      owner.runOnContext(v -> {
        if (!link.send(message)) {
          LOG.warning("bot's signaling queue is full; a message to " + remote + " was dropped");
        }
      });
      return true;
    }

    @Override
    public Future<Void> close() {
      closed = true;
      owner.runOnContext(v -> views.remove(remote, this));
      return Future.succeededFuture();
    }
  }
}

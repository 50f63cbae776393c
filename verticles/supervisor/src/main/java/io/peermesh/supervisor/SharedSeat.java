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
  /** Peers in the room now, as the {@code joined} message lists them; owner's context only. */
  private final Map<String, JsonObject> present = new LinkedHashMap<>();
  private JsonObject joined;

  SharedSeat(Context owner, SignalingLink link) {
    this.owner = owner;
    this.link = link;
  }

  /** The bot's link joined: the room as it is now. */
  void joined(JsonObject message) {
    joined = message;
    present.clear();
    for (Object p : message.getJsonArray("peers", new JsonArray())) {
      JsonObject peer = (JsonObject) p;
      present.put(peer.getString("peer"), peer);
    }
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
    } else if (type.equals("peer-left")) {
      present.remove(peer);
    }
    View view = type.equals("peer-left") ? views.remove(peer) : views.get(peer);
    if (view != null) {
      // A view is for one instance of its remote: after a leave, a peer joining under that id gets a new one.
      view.deliver(message);
      return;
    }
    ArrayDeque<JsonObject> waiting = early.get(peer);
    if (type.equals("peer-left")) {
      early.remove(peer);
    } else if (waiting != null && waiting.size() < MAX_EARLY) {
      waiting.add(message);
    } else if (waiting != null) {
      LOG.warning("the connection to " + peer + " is slow to start; a message from it was dropped");
    }
  }

  /** A connection to {@code remote} is starting: what it sends meanwhile waits for its view (owner's context). */
  void expect(String remote) {
    early.putIfAbsent(remote, new ArrayDeque<>());
  }

  /** The connection to {@code remote} will not start after all (owner's context). */
  void forget(String remote) {
    early.remove(remote);
  }

  /** A view for the connection to {@code remote}; its messages go to {@code onMessage} on the caller's context. */
  Seat view(String remote, Handler<JsonObject> onMessage) {
    return new View(remote, Vertx.currentContext(), onMessage);
  }

  private final class View implements Seat {
    private final String remote;
    private final Context context;
    private final Handler<JsonObject> onMessage;
    private volatile boolean closed;

    View(String remote, Context context, Handler<JsonObject> onMessage) {
      this.remote = remote;
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

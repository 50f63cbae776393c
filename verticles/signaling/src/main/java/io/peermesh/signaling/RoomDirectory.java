package io.peermesh.signaling;

import io.peermesh.shared.json.Json;
import io.peermesh.shared.protocol.ErrorCode;
import io.peermesh.shared.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The cluster-wide truth about rooms and sessions, in two maps that are cluster-wide when Vert.x is clustered:
 * {@code peermesh.rosters} (room → which node holds each peer) and {@code peermesh.sessions} (peer → room,
 * node, hash of the resume token). Updates are compare-and-set loops, so no cluster lock is taken.
 */
final class RoomDirectory {

  /** One peer's session as the cluster knows it. Only a hash of the resume token is stored. */
  record Session(String room, String node, String resumeHash) {}

  /** A room's members: peer id → node id, in join order. */
  record Roster(Map<String, String> peers) {
    Roster {
      peers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(peers));
    }
  }

  private static final int MAX_CAS_ATTEMPTS = 32;

  private final Future<AsyncMap<String, String>> rosters;
  private final Future<AsyncMap<String, String>> sessions;

  RoomDirectory(Vertx vertx) {
    this(vertx.sharedData().<String, String>getAsyncMap("peermesh.rosters"),
        vertx.sharedData().<String, String>getAsyncMap("peermesh.sessions"));
  }

  RoomDirectory(Future<AsyncMap<String, String>> rosters, Future<AsyncMap<String, String>> sessions) {
    this.rosters = rosters;
    this.sessions = sessions;
  }

  Future<Void> ready() {
    return Future.all(rosters, sessions).mapEmpty();
  }

  static String hash(String resumeToken) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(resumeToken.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  Future<Session> session(String peer) {
    return sessions.compose(m -> m.get(peer)).map(json -> json == null ? null : Json.read(json, Session.class));
  }

  Future<Roster> roster(String room) {
    return rosters.compose(m -> m.get(room)).map(RoomDirectory::parseRoster);
  }

  /**
   * Claims {@code peer} for a new session. An existing session blocks the claim unless {@code canReplace}
   * says its holder is gone.
   */
  Future<Void> claimSession(String peer, Session session, Function<Session, Boolean> canReplace) {
    return update(sessions, peer, old -> {
      if (old != null && !canReplace.apply(Json.read(old, Session.class))) {
        throw new ProtocolException(ErrorCode.PEER_ID_IN_USE,
            "peer id '" + peer + "' is held by another socket; resume with its token to take over", "peer", null);
      }
      return Json.write(session);
    }).mapEmpty();
  }

  /** Moves a session to another node, provided the resume token still matches. */
  Future<Void> moveSession(String peer, String expectedHash, String newNode) {
    return update(sessions, peer, old -> {
      Session s = old == null ? null : Json.read(old, Session.class);
      if (s == null || !s.resumeHash().equals(expectedHash)) {
        throw new ProtocolException(ErrorCode.RESUME_FAILED, "the session ended", "resume", null);
      }
      return Json.write(new Session(s.room(), newNode, s.resumeHash()));
    }).mapEmpty();
  }

  /**
   * Removes the session if {@code stillOurs} accepts the one stored (another may have replaced it); completes
   * with whether it did.
   */
  Future<Boolean> dropSession(String peer, java.util.function.Predicate<Session> stillOurs) {
    // The change runs once more after each lost race; the last run is the one that counted.
    boolean[] dropped = {false};
    return update(sessions, peer, old -> {
      dropped[0] = old != null && stillOurs.test(Json.read(old, Session.class));
      return dropped[0] ? null : old;
    }).map(v -> dropped[0]);
  }

  /** Adds or moves {@code peer} in the room, refusing a new member beyond {@code maxPeers}. */
  Future<Roster> putMember(String room, String peer, String node, int maxPeers) {
    return update(rosters, room, old -> {
      Map<String, String> peers = new LinkedHashMap<>(parseRoster(old).peers());
      if (!peers.containsKey(peer) && peers.size() >= maxPeers) {
        throw new ProtocolException(ErrorCode.ROOM_FULL, "room '" + room + "' holds " + maxPeers + " peers",
            "room", null);
      }
      peers.put(peer, node);
      return Json.write(new Roster(peers));
    }).map(RoomDirectory::parseRoster);
  }

  /**
   * Removes {@code peer} from the room if {@code node} still holds it (a moved peer is left alone); completes with
   * whether it did.
   */
  Future<Boolean> removeMember(String room, String peer, String node) {
    // As dropSession: the last run of the change is the one that counted.
    boolean[] removed = {false};
    return update(rosters, room, old -> {
      Map<String, String> peers = new LinkedHashMap<>(parseRoster(old).peers());
      removed[0] = node.equals(peers.get(peer));
      if (!removed[0]) {
        return old;
      }
      peers.remove(peer);
      return peers.isEmpty() ? null : Json.write(new Roster(peers));
    }).map(v -> removed[0]);
  }

  private static Roster parseRoster(String json) {
    return json == null ? new Roster(Map.of()) : Json.read(json, Roster.class);
  }

  /** A function of the old value (null when absent) to the new one (null to remove); it may throw. */
  private interface Change {
    String apply(String old) throws ProtocolException;
  }

  /**
   * Applies {@code change} by compare-and-set. When the change gives a value for an absent key (a new session,
   * a room's first member) it is written with putIfAbsent at once, and the value that call finds, if any, starts
   * the loop: a join then costs one cluster round trip per map instead of a read and a write (measured on a
   * two-node cluster: ~0.4 ms each).
   */
  private static Future<String> update(Future<AsyncMap<String, String>> map, String key, Change change) {
    String ifAbsent;
    try {
      ifAbsent = change.apply(null);
    } catch (ProtocolException e) {
      ifAbsent = null;
    }
    String first = ifAbsent;
    return map.compose(m -> first == null ? attempt(m, key, change, 1)
        : m.putIfAbsent(key, first).compose(found -> found == null ? Future.succeededFuture(first)
            : decide(m, key, change, found, 2)));
  }

  private static Future<String> attempt(AsyncMap<String, String> map, String key, Change change, int n) {
    return map.get(key).compose(old -> decide(map, key, change, old, n));
  }

  /** One compare-and-set step from {@code old}, the value just read; a lost race reads again. */
  private static Future<String> decide(AsyncMap<String, String> map, String key, Change change, String old, int n) {
    if (n > MAX_CAS_ATTEMPTS) {
      return Future.failedFuture(new ProtocolException(ErrorCode.INTERNAL, "contention on " + key));
    }
    String next;
    try {
      next = change.apply(old);
    } catch (ProtocolException e) {
      return Future.failedFuture(e);
    }
    Future<Boolean> written;
    if (java.util.Objects.equals(old, next)) {
      return Future.succeededFuture(next);
    } else if (old == null) {
      written = map.putIfAbsent(key, next).map(previous -> previous == null);
    } else if (next == null) {
      written = map.removeIfPresent(key, old);
    } else {
      written = map.replaceIfPresent(key, old, next);
    }
    return written.compose(ok -> ok ? Future.succeededFuture(next) : attempt(map, key, change, n + 1));
  }
}

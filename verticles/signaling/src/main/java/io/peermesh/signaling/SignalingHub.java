package io.peermesh.signaling;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.DeliveryAck;
import io.peermesh.shared.bus.BusMessages.PeerDelivery;
import io.peermesh.shared.bus.BusMessages.RoomEvent;
import io.peermesh.shared.bus.BusMessages.RoomEventKind;
import io.peermesh.shared.bus.BusMessages.Takeover;
import io.peermesh.shared.bus.BusMessages.TakeoverReply;
import io.peermesh.shared.bus.ClusterMembers;
import io.peermesh.shared.config.SignalingConfig;
import io.peermesh.shared.json.Json;
import io.peermesh.shared.protocol.ClientMessage;
import io.peermesh.shared.protocol.CloseCodes;
import io.peermesh.shared.protocol.ErrorCode;
import io.peermesh.shared.protocol.ProtocolException;
import io.peermesh.shared.protocol.ServerMessage;
import io.peermesh.signaling.PeerSession.Pending;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Rooms and sessions of one node: join, resume, relay, leave, node loss. Runs on the signaling verticle's
 * event loop only, so its maps need no locks; the cluster-wide truth lives in {@link RoomDirectory}.
 */
final class SignalingHub {
  private static final Logger LOG = Logger.getLogger(SignalingHub.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final SignalingConfig config;
  private final String nodeId;
  private final RoomDirectory directory;
  private final TokenVerifier verifier;
  private final SignalingMetrics metrics;
  private final Map<String, PeerSession> sessions = new HashMap<>();
  private final Map<String, LocalRoom> rooms = new HashMap<>();
  private final DeliveryOptions sendOptions;
  /** Set by {@link #closeAll}: the node is shutting down. */
  private boolean closing;

  SignalingHub(Vertx vertx, SignalingConfig config, String nodeId, RoomDirectory directory,
      TokenVerifier verifier, SignalingMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = nodeId;
    this.directory = directory;
    this.verifier = verifier;
    this.metrics = metrics;
    this.sendOptions = new DeliveryOptions().setSendTimeout(config.sendTimeoutMs());
  }

  int roomCount() {
    return rooms.size();
  }

  int sessionCount() {
    return sessions.size();
  }

  int suspendedCount() {
    return (int) sessions.values().stream().filter(s -> s.socket == null).count();
  }

  // ---- messages from a socket -------------------------------------------------------------------------

  void handle(ClientSocket socket, ClientMessage message) {
    metrics.received(message.type());
    String ref = message.id() != null ? message.id() : message.type();
    if (message instanceof ClientMessage.Ping ping) {
      socket.send(new ServerMessage.Pong(ref, ping.ts(), System.currentTimeMillis()));
      return;
    }
    if (message instanceof ClientMessage.Join join) {
      join(socket, join, ref);
      return;
    }
    PeerSession session = socket.session;
    if (session == null || !session.joinedSent) {
      error(socket, new ProtocolException(ErrorCode.NOT_JOINED, "join a room first", null, ref));
      return;
    }
    if (message instanceof ClientMessage.Offer m) {
      deliver(socket, session, m.to(), new ServerMessage.Offer(session.peer, m.sdp(), m.connection()), ref);
    } else if (message instanceof ClientMessage.Answer m) {
      deliver(socket, session, m.to(), new ServerMessage.Answer(session.peer, m.sdp(), m.connection()), ref);
    } else if (message instanceof ClientMessage.Candidate m) {
      deliver(socket, session, m.to(),
          new ServerMessage.Candidate(session.peer, m.candidate(), m.sdpMid(), m.sdpMLineIndex(),
              m.connection()), ref);
    } else if (message instanceof ClientMessage.Relay m) {
      deliver(socket, session, m.to(), new ServerMessage.Relay(session.peer, m.channel(), m.data()), ref);
    } else if (message instanceof ClientMessage.State m) {
      ServerMessage.State state = new ServerMessage.State(session.peer, m.state(), m.previous(), m.reason(),
          m.attempt());
      if (m.to() != null) {
        deliver(socket, session, m.to(), state, ref);
      } else {
        publish(RoomEventKind.STATE, session, Json.write(state));
      }
    } else if (message instanceof ClientMessage.Leave) {
      socket.detached = true;
      end(session, "left").onComplete(done -> socket.close(CloseCodes.NORMAL, "left"));
    }
  }

  void error(ClientSocket socket, ProtocolException e) {
    metrics.error(e.code().wire());
    socket.send(ServerMessage.Error.of(e));
    Short close = switch (e.code()) {
      case AUTH_FAILED, TOKEN_EXPIRED, ROOM_FORBIDDEN -> CloseCodes.AUTH_FAILED;
      case TOO_MANY_ROOMS, TOO_MANY_SOCKETS -> CloseCodes.TRY_AGAIN_LATER;
      case FRAME_TOO_LARGE -> CloseCodes.FRAME_TOO_LARGE;
      case RATE_LIMITED -> CloseCodes.RATE_LIMITED;
      default -> null;
    };
    if (close != null) {
      socket.close(close, e.code().wire());
    }
  }

  // ---- join and resume --------------------------------------------------------------------------------

  private void join(ClientSocket socket, ClientMessage.Join join, String ref) {
    if (socket.session != null || socket.joining) {
      error(socket, new ProtocolException(ErrorCode.ALREADY_JOINED, "this socket already joined", null, ref));
      return;
    }
    socket.joining = true;
    identify(join)
        .compose(peer -> join.resume() != null ? resume(socket, join, peer) : fresh(socket, join, peer))
        .onComplete(done -> socket.joining = false)
        .onFailure(e -> error(socket, asProtocol(e).withRef(ref)));
  }

  /** The peer id the client may use: from the token, or in dev mode without a token, its choice or random. */
  private Future<String> identify(ClientMessage.Join join) {
    boolean tokenless = join.token() == null && config.devMode();
    if (tokenless || !verifier.enabled()) {
      if (!config.devMode()) {
        return Future.failedFuture(new ProtocolException(ErrorCode.AUTH_FAILED, "a token is required", "token",
            null));
      }
      if (join.resume() != null) {
        return Future.succeededFuture(peerOf(join.resume()));
      }
      return Future.succeededFuture(join.peer() != null ? join.peer() : "p-" + randomToken(9));
    }
    return verifier.verify(join.token(), join.room()).compose(identity -> {
      if (join.peer() != null && !join.peer().equals(identity.peer())) {
        return Future.failedFuture(new ProtocolException(ErrorCode.AUTH_FAILED,
            "the token names peer '" + identity.peer() + "', not '" + join.peer() + "'", "peer", null));
      }
      return Future.succeededFuture(identity.peer());
    });
  }

  private Future<Void> fresh(ClientSocket socket, ClientMessage.Join join, String peer) {
    if (!rooms.containsKey(join.room()) && rooms.size() >= config.maxRoomsPerNode()) {
      return Future.failedFuture(new ProtocolException(ErrorCode.TOO_MANY_ROOMS,
          "this node holds " + config.maxRoomsPerNode() + " rooms", "room", null));
    }
    if (sessions.containsKey(peer)) {
      return Future.failedFuture(new ProtocolException(ErrorCode.PEER_ID_IN_USE,
          "peer id '" + peer + "' is held by another socket; resume with its token to take over", "peer", null));
    }
    String token = peer + "." + randomToken(32);
    PeerSession session = new PeerSession(peer, join.room(), token, RoomDirectory.hash(token));
    sessions.put(peer, session);
    return directory
        .claimSession(peer, new RoomDirectory.Session(join.room(), nodeId, session.resumeHash),
            old -> !alive(old.node()))
        .recover(e -> {
          sessions.remove(peer, session);
          return Future.failedFuture(e);
        })
        .compose(claimed -> {
          attach(session, socket);
          return directory.putMember(join.room(), peer, nodeId, config.maxPeersPerRoom())
              .recover(e -> release(session)
                  .compose(v -> directory.dropSession(peer, s -> s.resumeHash().equals(session.resumeHash)))
                  .transform(cleaned -> Future.<RoomDirectory.Roster>failedFuture(e)));
        })
        .map(roster -> {
          joined(session, socket, roster, false);
          publish(RoomEventKind.JOINED, session, Json.write(new ServerMessage.PeerJoined(session.room, peer)));
          return null;
        });
  }

  private Future<Void> resume(ClientSocket socket, ClientMessage.Join join, String peer) {
    String token = join.resume();
    ProtocolException failed = new ProtocolException(ErrorCode.RESUME_FAILED,
        "the resume token is unknown, expired or not yours", "resume", null);
    if (!peerOf(token).equals(peer)) {
      return Future.failedFuture(failed);
    }
    String hash = RoomDirectory.hash(token);
    PeerSession local = sessions.get(peer);
    if (local != null) {
      if (!local.resumeHash.equals(hash) || !local.room.equals(join.room()) || local.ended) {
        return Future.failedFuture(failed);
      }
      adopt(local, socket);
      return directory.roster(local.room).map(roster -> {
        joined(local, socket, roster, true);
        return null;
      });
    }
    return directory.session(peer).compose(known -> takeOver(socket, join, peer, known, 1, failed));
  }

  /**
   * Takes the session over from the node the directory names. A node that no longer holds it refuses: the
   * session may be moving (taken by another node that has not written the directory yet), so the directory is
   * read again once, after a short pause, and a different node it names then is asked.
   */
  private Future<Void> takeOver(ClientSocket socket, ClientMessage.Join join, String peer, RoomDirectory.Session known,
      int retries, ProtocolException failed) {
    String token = join.resume();
    String hash = RoomDirectory.hash(token);
    if (known == null || !known.resumeHash().equals(hash) || !known.room().equals(join.room())
        || known.node().equals(nodeId)) {
      return Future.failedFuture(failed);
    }
    Takeover ask = new Takeover(peer, join.room(), token, nodeId);
    return vertx.eventBus().<TakeoverReply>request(Addresses.Signaling.nodeTakeover(known.node()), ask, sendOptions)
        .recover(e -> Future.failedFuture(failed))
        .compose(reply -> {
          if (!reply.body().granted()) {
            return retries == 0 ? Future.failedFuture(failed) : vertx.timer(NOT_FOUND_RETRY_MS)
                .compose(t -> directory.session(peer))
                .compose(again -> again != null && !again.node().equals(known.node())
                    ? takeOver(socket, join, peer, again, retries - 1, failed) : Future.failedFuture(failed));
          }
          PeerSession session = new PeerSession(peer, join.room(), token, hash);
          reply.body().buffered().forEach(json -> session.pending.add(new Pending(json, null, false, false)));
          sessions.put(peer, session);
          attach(session, socket);
          return directory.moveSession(peer, hash, nodeId)
              .compose(v -> directory.putMember(join.room(), peer, nodeId, Integer.MAX_VALUE))
              .recover(e -> release(session).transform(v -> Future.<RoomDirectory.Roster>failedFuture(e)))
              .map(roster -> {
                joined(session, socket, roster, true);
                return null;
              });
        });
  }

  /** Gives a session to a new socket; the old one, if still open, is closed as replaced. */
  private void adopt(PeerSession session, ClientSocket socket) {
    if (session.graceTimer >= 0) {
      vertx.cancelTimer(session.graceTimer);
      session.graceTimer = -1;
    }
    ClientSocket old = session.socket;
    if (old != null && old != socket) {
      old.detached = true;
      old.session = null;
      old.close(CloseCodes.REPLACED, "replaced");
    }
    session.socket = socket;
    socket.session = session;
    session.joinedSent = false;
  }

  /**
   * Puts a claimed session in its local room: from now on deliveries and takeovers reaching this node's
   * addresses are its (nothing is registered in the cluster per session).
   */
  private void attach(PeerSession session, ClientSocket socket) {
    adopt(session, socket);
    session.attached = true;
    rooms.computeIfAbsent(session.room, LocalRoom::new).members.put(session.peer, session);
  }

  /** Completes a join: tells the client, or, when its socket closed meanwhile, starts the resume grace. */
  private void joined(PeerSession session, ClientSocket socket, RoomDirectory.Roster roster, boolean resumed) {
    if (socket.closed || session.socket != socket) {
      if (session.socket == socket) {
        suspend(session);
      }
      return;
    }
    sendJoined(session, roster, resumed);
  }

  private void sendJoined(PeerSession session, RoomDirectory.Roster roster, boolean resumed) {
    List<ServerMessage.PeerInfo> peers = new ArrayList<>();
    LocalRoom room = rooms.get(session.room);
    session.known.clear();
    roster.peers().forEach((peer, node) -> {
      if (!peer.equals(session.peer) && alive(node)) {
        peers.add(new ServerMessage.PeerInfo(peer));
        session.known.add(peer);
        if (room != null) {
          room.nodes.put(peer, node);
        }
      }
    });
    List<ServerMessage.IceServer> iceServers = new ArrayList<>();
    if (!config.stunUrls().isEmpty()) {
      iceServers.add(new ServerMessage.IceServer(config.stunUrls(), null, null));
    }
    if (config.turnConfigured()) {
      iceServers.add(TurnCredentials.issue(config.turnUrls(), config.turnSecret(), session.peer,
          System.currentTimeMillis() / 1000, config.turnCredentialTtlSeconds()));
    }
    session.socket.send(new ServerMessage.Joined(null, 1, session.room, session.peer, peers, iceServers,
        session.resumeToken, config.heartbeatMs(), config.resumeGraceMs(), resumed));
    metrics.sent();
    session.joinedSent = true;
    while (!session.pending.isEmpty() && session.live()) {
      write(session, session.pending.poll());
    }
  }

  // ---- relaying ---------------------------------------------------------------------------------------

  private void deliver(ClientSocket socket, PeerSession from, String to, ServerMessage message, String ref) {
    if (to.equals(from.peer)) {
      error(socket, new ProtocolException(ErrorCode.UNKNOWN_PEER, "a peer cannot address itself", "to", ref));
      return;
    }
    PeerDelivery delivery = new PeerDelivery(from.peer, from.room, to, Json.write(message));
    Future<Void> ahead = from.outstanding == null ? null : from.outstanding.get(to);
    PeerSession here = sessions.get(to);
    if (ahead == null && here != null && here.attached && !here.ended) {
      // The addressee's session is on this node (claimed, not ending): hand it over directly, without a bus
      // request and reply; a session still claiming its peer id is reached over the bus, where the holder is.
      if (!accept(here, delivery).accepted()) {
        error(socket, new ProtocolException(ErrorCode.UNKNOWN_PEER, "peer '" + to + "' is not in your room", "to",
            ref));
      }
      return;
    }
    // Over the bus one at a time per pair: a message whose addressee's node is looked up again, or one still on
    // its way, is never overtaken by a later one, over the bus or the local path. A socket's rate limit (100/s by
    // default) stays far below what a pair passes this way (one cluster round trip each).
    Future<Message<DeliveryAck>> sent = ahead == null ? request(from, to, delivery, NOT_FOUND_RETRIES)
        : ahead.transform(v -> request(from, to, delivery, NOT_FOUND_RETRIES));
    hold(from, to, sent);
    sent.onComplete(ar -> {
      if (ar.succeeded() && ar.result().body().accepted() || from.ended) {
        return;
      }
      ProtocolException e;
      if (ar.failed() && ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
        e = new ProtocolException(ErrorCode.PEER_UNREACHABLE, "peer '" + to + "' did not answer in time", "to",
            ref);
      } else {
        e = new ProtocolException(ErrorCode.UNKNOWN_PEER, "peer '" + to + "' is not in your room", "to", ref);
      }
      error(socket, e);
    });
  }

  /**
   * Sends a delivery to the node that holds {@code to}: the one this node last heard of, else the one the session
   * directory names. A node that holds no such session (the peer moved, left, or is still claiming its id) or is
   * gone makes the sender look again, briefly, before it means "not in your room".
   */
  private Future<Message<DeliveryAck>> request(PeerSession from, String to, PeerDelivery delivery, int retries) {
    if (from.ended) {
      // A sender that left (or was taken over) sends nothing more: its peers have heard peer-left.
      return Future.failedFuture(SENDER_ENDED);
    }
    boolean[] hinted = new boolean[1];
    return nodeOf(from.room, to, hinted).compose(node -> node == null ? Future.failedFuture(NOT_FOUND)
        : vertx.eventBus().<DeliveryAck>request(Addresses.Signaling.nodePeers(node), delivery, sendOptions)
            .transform(ar -> {
              boolean gone = ar.failed() && ar.cause() instanceof ReplyException re
                  && re.failureType() == ReplyFailure.NO_HANDLERS;
              if (gone || ar.succeeded() && ar.result().body().notHere()) {
                forget(from.room, to, node);
                return Future.failedFuture(NOT_FOUND);
              }
              return ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause());
            }))
        .recover(e -> {
          if (retries > 0 && e == NOT_FOUND) {
            // A hint that proved wrong is followed by the directory at once; the directory's answer, after a pause.
            return hinted[0] ? request(from, to, delivery, retries - 1)
                : vertx.timer(NOT_FOUND_RETRY_MS).compose(t -> request(from, to, delivery, retries - 1));
          }
          return Future.failedFuture(e);
        });
  }

  /**
   * The node holding {@code peer} of {@code room}, as last heard ({@code hinted[0]} set) or else from the
   * directory; null if none.
   */
  private Future<String> nodeOf(String room, String peer, boolean[] hinted) {
    LocalRoom local = rooms.get(room);
    String heard = local == null ? null : local.nodes.get(peer);
    if (heard != null) {
      hinted[0] = true;
      return Future.succeededFuture(heard);
    }
    long leftBefore = local == null ? -1 : local.leftEvents;
    return directory.session(peer).map(session -> {
      if (session == null || !session.room().equals(room)) {
        return null;
      }
      LocalRoom now = rooms.get(room);
      // Not kept when a peer left meanwhile: it may be this one, and a hint must not outlive its peer.
      if (now != null && now == local && now.leftEvents == leftBefore) {
        now.nodes.put(peer, session.node());
      }
      return session.node();
    });
  }

  private void forget(String room, String peer, String node) {
    LocalRoom local = rooms.get(room);
    if (local != null) {
      local.nodes.remove(peer, node);
    }
  }

  /**
   * Later messages from {@code from} to {@code to} wait until {@code pending} is settled (order per pair);
   * {@code pending} itself went after the one held before it.
   */
  private static void hold(PeerSession from, String to, Future<?> pending) {
    Future<Void> settled = pending.transform(ar -> Future.succeededFuture());
    if (from.outstanding == null) {
      from.outstanding = new HashMap<>();
    }
    from.outstanding.put(to, settled);
    settled.onComplete(v -> from.outstanding.remove(to, settled));
  }

  static final int NOT_FOUND_RETRIES = 3;
  static final long NOT_FOUND_RETRY_MS = 25;
  /** The addressee's node is not known, or did not hold it: look again. */
  private static final VertxException NOT_FOUND = new VertxException("the addressee's node is not known", true);
  private static final DeliveryAck NOT_HERE = new DeliveryAck(false, DeliveryAck.NOT_HERE);
  private static final VertxException SENDER_ENDED = new VertxException("the sender's session ended", true);

  /** A delivery sent to this node's address, for a peer it may hold. */
  void onNodeDelivery(Message<PeerDelivery> msg) {
    PeerSession session = sessions.get(msg.body().to());
    msg.reply(session == null || !session.attached ? NOT_HERE : accept(session, msg.body()));
  }

  /** What a session answers a delivery, from the bus or from a sender on this node. */
  private DeliveryAck accept(PeerSession session, PeerDelivery delivery) {
    if (session.ended || !delivery.fromRoom().equals(session.room)) {
      return new DeliveryAck(false, ErrorCode.UNKNOWN_PEER.wire());
    }
    if (!offer(session, new Pending(delivery.json(), null, false, false))) {
      return new DeliveryAck(false, ErrorCode.PEER_UNREACHABLE.wire());
    }
    return ACCEPTED;
  }

  private static final DeliveryAck ACCEPTED = new DeliveryAck(true, null);

  private void onRoomEvent(LocalRoom room, RoomEvent event) {
    if (event.kind() == RoomEventKind.JOINED) {
      room.nodes.put(event.peer(), event.node());
    } else if (event.kind() == RoomEventKind.LEFT) {
      // Whatever node it names: the hint is cheap to lose (the directory answers) and must not outlive peers.
      room.nodes.remove(event.peer());
      room.leftEvents++;
    }
    for (PeerSession member : List.copyOf(room.members.values())) {
      if (!member.peer.equals(event.peer())) {
        offer(member, new Pending(event.json(), event.peer(), event.kind() == RoomEventKind.JOINED,
            event.kind() == RoomEventKind.LEFT));
      }
    }
  }

  /** Writes now, or buffers while the socket is away; false when the buffer is full (the session then ends). */
  private boolean offer(PeerSession session, Pending pending) {
    if (session.live()) {
      write(session, pending);
      return true;
    }
    if (session.pending.size() >= config.resumeBufferMessages()) {
      end(session, "timeout");
      return false;
    }
    session.pending.add(pending);
    return true;
  }

  private void write(PeerSession session, Pending pending) {
    if (pending.joinedEvent() && !session.known.add(pending.aboutPeer())) {
      return;
    }
    if (pending.leftEvent() && !session.known.remove(pending.aboutPeer())) {
      return;
    }
    session.socket.sendRaw(pending.json());
    metrics.sent();
  }

  /** Sends a room event to every node of the room; completes once it is handed to the bus. */
  private Future<Void> publish(RoomEventKind kind, PeerSession session, String json) {
    RoomEvent event = new RoomEvent(kind, session.room, session.peer, nodeId, json);
    boolean nodeClosing = closing;
    // Chained per session so a peer's events reach every node in the order they happened.
    session.published = session.published.transform(previous -> directory.roster(session.room)).map(roster -> {
      java.util.Set<String> nodes = new java.util.HashSet<>(roster.peers().values());
      if (nodeClosing) {
        // Every session here is ending: this node has no one left to tell, and its consumer is about to go.
        nodes.remove(nodeId);
      } else {
        nodes.add(nodeId);
      }
      for (String node : nodes) {
        if (alive(node)) {
          vertx.eventBus().send(Addresses.Signaling.node(node), event, sendOptions);
        }
      }
      return null;
    });
    return session.published;
  }

  /** A room event from any node (this one included) for the rooms this node holds. */
  void onNodeEvent(RoomEvent event) {
    LocalRoom room = rooms.get(event.room());
    if (room != null) {
      onRoomEvent(room, event);
    }
  }


  // ---- socket loss, resume grace, takeover, leave -----------------------------------------------------

  void socketClosed(ClientSocket socket) {
    socket.closed = true;
    PeerSession session = socket.session;
    if (session == null || socket.detached || session.socket != socket) {
      return;
    }
    suspend(session);
  }

  private void suspend(PeerSession session) {
    session.socket = null;
    session.joinedSent = false;
    session.graceTimer = vertx.setTimer(config.resumeGraceMs(), id -> {
      session.graceTimer = -1;
      end(session, "timeout");
    });
  }

  /** A takeover sent to this node's address, for a session it may hold. */
  void onNodeTakeover(Message<Takeover> msg) {
    Takeover ask = msg.body();
    PeerSession session = sessions.get(ask.peer());
    if (session == null || !session.attached || session.ended
        || !RoomDirectory.hash(ask.resumeToken()).equals(session.resumeHash)) {
      msg.reply(new TakeoverReply(false, ErrorCode.RESUME_FAILED.wire(), List.of()));
      return;
    }
    List<String> buffered = new ArrayList<>();
    session.pending.forEach(p -> buffered.add(p.json()));
    session.pending.clear();
    session.ended = true;
    if (session.socket != null) {
      session.socket.detached = true;
      session.socket.close(CloseCodes.REPLACED, "replaced");
    }
    release(session).onComplete(done -> {
      msg.reply(new TakeoverReply(true, null, buffered));
      // The asker moves the session in the directory as soon as it hears the grant. One that never does (the
      // reply was lost, or the asker died) leaves a session nobody holds: after twice its wait, end it here.
      vertx.setTimer(2 * config.sendTimeoutMs(), t -> endIfUnclaimed(session));
    });
  }

  /**
   * Ends a session given up to a takeover that never claimed it: the directory still names this node. The
   * others hear {@code peer-left} (reason {@code timeout}: it did not resume), as after a lost socket's grace.
   */
  private void endIfUnclaimed(PeerSession session) {
    // The session may have come back here meanwhile (resumed on this node again, same token): then it is live.
    if (sessions.containsKey(session.peer)) {
      return;
    }
    directory.dropSession(session.peer, s -> s.node().equals(nodeId) && s.resumeHash().equals(session.resumeHash)
            && !sessions.containsKey(session.peer))
        .compose(dropped -> dropped ? directory.removeMember(session.room, session.peer, nodeId)
            : Future.succeededFuture(false))
        .onSuccess(removed -> {
          // Only a peer the roster still placed here is gone: one a fresh join put elsewhere meanwhile is alive.
          if (removed) {
            LOG.warning(session.peer + ": taken over by a node that never claimed the session; it ends");
            publish(RoomEventKind.LEFT, session, Json.write(new ServerMessage.PeerLeft(session.room, session.peer,
                "timeout")));
          }
        })
        .onFailure(e -> LOG.log(Level.WARNING, "could not check " + session.peer + "'s takeover", e));
  }

  /** Ends a session for good: the room and cluster forget it and the others hear {@code peer-left}. */
  Future<Void> end(PeerSession session, String reason) {
    if (session.ended) {
      return Future.succeededFuture();
    }
    session.ended = true;
    if (session.socket != null) {
      session.socket.detached = true;
      session.socket.close(CloseCodes.NORMAL, reason);
    }
    return release(session)
        .compose(v -> directory.removeMember(session.room, session.peer, nodeId))
        .compose(v -> directory.dropSession(session.peer, s -> s.resumeHash().equals(session.resumeHash)))
        .transform(done -> {
          if (done.failed()) {
            LOG.log(Level.WARNING, "could not remove " + session.peer + " from the cluster maps", done.cause());
          }
          // Completes once peer-left is on its way to every node: a closing node waits for it.
          return publish(RoomEventKind.LEFT, session, Json.write(new ServerMessage.PeerLeft(session.room,
              session.peer, reason)));
        });
  }

  /** Drops this node's local state of a session (its place in the room, its peer id here), not the cluster's. */
  private Future<Void> release(PeerSession session) {
    if (session.graceTimer >= 0) {
      vertx.cancelTimer(session.graceTimer);
      session.graceTimer = -1;
    }
    sessions.remove(session.peer, session);
    session.attached = false;
    LocalRoom room = rooms.get(session.room);
    if (room != null && room.members.remove(session.peer, session) && room.members.isEmpty()) {
      rooms.remove(room.name);
    }
    return Future.succeededFuture();
  }

  /**
   * A cluster member left: tell this node's sockets that its peers are gone and clean the maps. The roster names
   * them until a survivor cleans it; a survivor that reads it after another did finds the peers it heard were on
   * that node (its hints) and asks the directory whether each is still there or gone with it.
   */
  void memberLeft(String deadNode) {
    for (LocalRoom room : List.copyOf(rooms.values())) {
      java.util.Set<String> heard = new java.util.HashSet<>();
      room.nodes.forEach((peer, node) -> {
        if (node.equals(deadNode)) {
          heard.add(peer);
        }
      });
      directory.roster(room.name).onSuccess(roster -> {
        roster.peers().forEach((peer, node) -> {
          if (node.equals(deadNode)) {
            heard.remove(peer);
            lostWithNode(room, peer, deadNode);
            directory.removeMember(room.name, peer, deadNode);
            directory.dropSession(peer, s -> s.node().equals(deadNode));
          }
        });
        for (String peer : heard) {
          directory.session(peer).onSuccess(session -> {
            // Moved to a live node before this one died: still here. Cleaned already, or still naming it: gone.
            if (session == null || session.node().equals(deadNode)) {
              lostWithNode(room, peer, deadNode);
            }
          });
        }
      });
    }
  }

  private void lostWithNode(LocalRoom room, String peer, String deadNode) {
    onRoomEvent(room, new RoomEvent(RoomEventKind.LEFT, room.name, peer, deadNode,
        Json.write(new ServerMessage.PeerLeft(room.name, peer, "node-lost"))));
  }

  /** Ends every session (node shutting down). */
  Future<Void> closeAll() {
    closing = true;
    List<Future<Void>> ended = new ArrayList<>();
    for (PeerSession session : List.copyOf(sessions.values())) {
      ended.add(end(session, "left"));
    }
    return Future.join(ended).mapEmpty();
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private boolean alive(String node) {
    if (node.equals(nodeId)) {
      return true;
    }
    return ClusterMembers.live(vertx).map(live -> live.contains(node)).orElse(true);
  }

  static String peerOf(String resumeToken) {
    int dot = resumeToken.lastIndexOf('.');
    return dot <= 0 ? "" : resumeToken.substring(0, dot);
  }

  private static String randomToken(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static ProtocolException asProtocol(Throwable e) {
    if (e instanceof ProtocolException p) {
      return p;
    }
    LOG.log(Level.WARNING, "join failed", e);
    return new ProtocolException(ErrorCode.INTERNAL, "the server failed; try again");
  }
}

package io.peermesh.signaling;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * A joined peer held by this node. It outlives its socket for the resume grace period; messages for it are
 * buffered (bounded) while the socket is away or before {@code joined} went out.
 */
final class PeerSession {
  final String peer;
  final String room;
  final String resumeToken;
  final String resumeHash;
  /** Peers this client has been told about; keeps peer-joined/peer-left free of duplicates. */
  final Set<String> known = new HashSet<>();
  final ArrayDeque<Pending> pending = new ArrayDeque<>();
  ClientSocket socket;
  boolean joinedSent;
  boolean ended;
  long graceTimer = -1;
  /** The last room event this session published; the next one waits for it (order across nodes). */
  io.vertx.core.Future<Void> published = io.vertx.core.Future.succeededFuture();
  /**
   * Per addressed peer on another node (or reached over the bus), the last message not answered yet; the next
   * waits for it. Null until the first such message.
   */
  java.util.Map<String, io.vertx.core.Future<Void>> outstanding;
  /**
   * Its peer id is claimed in the cluster and it is in its local room: deliveries reaching this node are taken
   * (false while claiming, and once released).
   */
  boolean attached;

  PeerSession(String peer, String room, String resumeToken, String resumeHash) {
    this.peer = peer;
    this.room = room;
    this.resumeToken = resumeToken;
    this.resumeHash = resumeHash;
  }

  /** A room event or a delivery, kept until it can be written. */
  record Pending(String json, String aboutPeer, boolean joinedEvent, boolean leftEvent) {}

  boolean live() {
    return socket != null && joinedSent && !ended;
  }
}

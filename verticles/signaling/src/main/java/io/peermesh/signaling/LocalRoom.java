package io.peermesh.signaling;

import java.util.LinkedHashMap;
import java.util.Map;

/** The sessions of one room on this node. */
final class LocalRoom {
  final String name;
  final Map<String, PeerSession> members = new LinkedHashMap<>();
  /**
   * Where the room's peers are, as this node last heard (the roster a join read, then joined and left
   * events): deliveries go to that node's address. Only a hint: a node that no longer holds the peer says so,
   * and the sender reads the session directory.
   */
  final Map<String, String> nodes = new java.util.HashMap<>();
  /** Left events heard: a directory answer that raced one is not kept as a hint. */
  long leftEvents;

  LocalRoom(String name) {
    this.name = name;
  }
}

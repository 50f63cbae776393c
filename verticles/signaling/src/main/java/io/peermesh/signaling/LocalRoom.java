package io.peermesh.signaling;

import java.util.LinkedHashMap;
import java.util.Map;

/** The sessions of one room on this node. */
final class LocalRoom {
  final String name;
  final Map<String, PeerSession> members = new LinkedHashMap<>();

  LocalRoom(String name) {
    this.name = name;
  }
}

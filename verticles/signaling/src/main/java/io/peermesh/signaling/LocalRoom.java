package io.peermesh.signaling;

import io.peermesh.shared.bus.BusMessages.RoomEvent;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.LinkedHashMap;
import java.util.Map;

/** The sessions of one room on this node, and the node's one subscription to the room's events. */
final class LocalRoom {
  final String name;
  final Map<String, PeerSession> members = new LinkedHashMap<>();
  MessageConsumer<RoomEvent> consumer;

  LocalRoom(String name) {
    this.name = name;
  }
}

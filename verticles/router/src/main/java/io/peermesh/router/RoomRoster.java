package io.peermesh.router;

import io.peermesh.shared.bus.BusMessages.RouteRoster;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Which other nodes route connections of each room, as their routers announced it. */
final class RoomRoster {
  private final Map<String, Set<String>> nodesByRoom = new HashMap<>();

  void apply(RouteRoster roster) {
    if (roster.snapshot()) {
      forget(roster.node());
    }
    roster.added().forEach(room -> nodesByRoom.computeIfAbsent(room, r -> new LinkedHashSet<>()).add(roster.node()));
    roster.removed().forEach(room -> remove(room, roster.node()));
  }

  /** A node left the cluster (or starts afresh): it routes nothing any more. */
  void forget(String node) {
    for (String room : Set.copyOf(nodesByRoom.keySet())) {
      remove(room, node);
    }
  }

  /** The other nodes routing {@code room}; empty when none. */
  Set<String> nodes(String room) {
    return nodesByRoom.getOrDefault(room, Set.of());
  }

  private void remove(String room, String node) {
    Set<String> nodes = nodesByRoom.get(room);
    if (nodes != null && nodes.remove(node) && nodes.isEmpty()) {
      nodesByRoom.remove(room);
    }
  }
}

package io.peermesh.router;

import io.peermesh.shared.bus.BusMessages.RouteEventKind;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** Counters of one node's router, rendered in the Prometheus text format (appended to {@code /metrics}). */
final class RouterMetrics {
  private final Map<String, Long> routed = new TreeMap<>();
  private final Map<RouteEventKind, Long> events = new EnumMap<>(RouteEventKind.class);
  private long gaps;
  private long resent;

  /** A message of a routed relay of this node went to the room's routers. */
  void routed(String channel) {
    routed.merge(channel, 1L, Long::sum);
  }

  /** A message of another node's source came after a gap in its numbering (one was lost between the nodes). */
  void gap() {
    gaps++;
  }

  /** Messages of this node's sources sent again to a node that missed some. */
  void resent(int messages) {
    resent += messages;
  }

  void event(RouteEventKind kind) {
    events.merge(kind, 1L, Long::sum);
  }

  String render(int rooms, int connections, long waiting) {
    StringBuilder out = new StringBuilder(768);
    gauge(out, "peermesh_router_rooms", "Rooms with routed connections on this node.", rooms);
    gauge(out, "peermesh_router_connections", "Routed connections on this node.", connections);
    gauge(out, "peermesh_router_waiting_messages", "Messages waiting for this node's routed connections.",
        waiting);
    out.append("# HELP peermesh_router_messages_total Messages this node's routed connections received and the "
            + "router forwarded, by channel.\n")
        .append("# TYPE peermesh_router_messages_total counter\n");
    routed.forEach((channel, n) -> out.append("peermesh_router_messages_total{channel=\"").append(channel)
        .append("\"} ").append(n).append('\n'));
    counter(out, "peermesh_router_gaps_total", "Messages of another node's routed source that came after a gap in "
        + "its numbering (dropped, and the missing ones asked for again).", gaps);
    counter(out, "peermesh_router_resent_messages_total", "Messages of this node's routed sources sent again to a "
        + "node that missed some or acknowledged nothing for a while.", resent);
    out.append("# HELP peermesh_router_events_total Connections that joined, left or overflowed routing here.\n")
        .append("# TYPE peermesh_router_events_total counter\n");
    for (RouteEventKind kind : RouteEventKind.values()) {
      out.append("peermesh_router_events_total{kind=\"").append(kind.name().toLowerCase(java.util.Locale.ROOT))
          .append("\"} ").append(events.getOrDefault(kind, 0L)).append('\n');
    }
    return out.toString();
  }

  private static void counter(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" counter\n")
        .append(name).append(' ').append(value).append('\n');
  }

  private static void gauge(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n")
        .append(name).append(' ').append(value).append('\n');
  }
}

package io.peermesh.signaling;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;

/** Counters of one node's signaling service, rendered in the Prometheus text format for {@code /metrics}. */
final class SignalingMetrics {
  private final Map<String, Long> messagesIn = new TreeMap<>();
  private final Map<String, Long> errors = new TreeMap<>();
  private long messagesOut;

  void received(String type) {
    messagesIn.merge(type, 1L, Long::sum);
  }

  void sent() {
    messagesOut++;
  }

  void error(String code) {
    errors.merge(code, 1L, Long::sum);
  }

  long errors(String code) {
    return errors.getOrDefault(code, 0L);
  }

  String render(int sockets, int rooms, int peers, int suspended, IntSupplier members) {
    StringBuilder out = new StringBuilder(1024);
    gauge(out, "peermesh_signaling_sockets", "Open signaling sockets on this node.", sockets);
    gauge(out, "peermesh_signaling_rooms", "Rooms with at least one peer on this node.", rooms);
    gauge(out, "peermesh_signaling_peers", "Joined peers whose session this node holds.", peers);
    gauge(out, "peermesh_signaling_suspended_peers", "Peers within their resume grace period.", suspended);
    gauge(out, "peermesh_cluster_members", "Cluster members this node sees (1 when not clustered).",
        members.getAsInt());
    out.append("# HELP peermesh_signaling_messages_received_total Client messages received, by type.\n")
        .append("# TYPE peermesh_signaling_messages_received_total counter\n");
    messagesIn.forEach((type, n) -> out.append("peermesh_signaling_messages_received_total{type=\"")
        .append(type).append("\"} ").append(n).append('\n'));
    out.append("# HELP peermesh_signaling_messages_sent_total Messages written to client sockets.\n")
        .append("# TYPE peermesh_signaling_messages_sent_total counter\n")
        .append("peermesh_signaling_messages_sent_total ").append(messagesOut).append('\n');
    out.append("# HELP peermesh_signaling_errors_total Errors sent to clients, by code.\n")
        .append("# TYPE peermesh_signaling_errors_total counter\n");
    errors.forEach((code, n) -> out.append("peermesh_signaling_errors_total{code=\"").append(code).append("\"} ")
        .append(n).append('\n'));
    return out.toString();
  }

  private static void gauge(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n")
        .append(name).append(' ').append(value).append('\n');
  }
}

package io.peermesh.router;

import io.peermesh.shared.bus.BusMessages.InboundMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * What this node's routed sources sent other nodes on the held channels and the room has not committed, so it
 * can be sent again: the bus keeps one sender's order, but a connection between two live members that drops
 * loses what was in flight on it without a word, and a later message would otherwise be acknowledged past the
 * lost one. The receiving router ({@link RouteInbox}) asks for what follows a gap; the stuck check sends again
 * what a node has not acknowledged for a while (the lost message may have been the last). Per source it also
 * knows which nodes its next message must tell to start their count afresh. Single-threaded (the router's
 * context).
 */
final class RouteLog {
  private static final Logger LOG = Logger.getLogger(RouteLog.class.getName());

  /** One message as sent, and the nodes it went to. */
  record Sent(InboundMessage message, Set<String> nodes) {}

  /**
   * A message to send again to one node, of numbering {@code generation}; {@code start} when the node must start
   * its count from it.
   */
  record Resend(InboundMessage message, long generation, boolean start) {}

  private static final class Source {
    final String room;
    final long generation;
    final ArrayDeque<Sent> sent = new ArrayDeque<>();
    long bytes;
    /** Node → the last message of this numbering it was sent since it last started its count. */
    final Map<String, Long> lastSent = new HashMap<>();

    Source(String room, long generation) {
      this.room = room;
      this.generation = generation;
    }
  }

  private final Map<String, Source> sources = new HashMap<>();
  private final int maxPerSource;
  private final long maxBytesPerSource;

  /**
   * {@code maxPerSource} messages and {@code maxBytesPerSource} bytes of uncommitted messages are kept per source;
   * beyond either the oldest go (a node that then misses one is told to go on without it, logged).
   */
  RouteLog(int maxPerSource, long maxBytesPerSource) {
    this.maxPerSource = maxPerSource;
    this.maxBytesPerSource = maxBytesPerSource;
  }

  private static String key(String connection, String channel) {
    return connection + '\n' + channel;
  }

  /**
   * Records {@code message} (numbering {@code generation}) sent to {@code nodes}; returns the nodes that must be
   * told to start their count with it (the first message of the numbering they are sent).
   */
  Set<String> sent(InboundMessage message, long generation, Set<String> nodes) {
    String key = key(message.connection(), message.channel());
    Source source = sources.get(key);
    if (source == null || source.generation != generation) {
      source = new Source(message.room(), generation);
      sources.put(key, source);
    }
    source.sent.add(new Sent(message, Set.copyOf(nodes)));
    source.bytes += message.data().length;
    while (source.sent.size() > maxPerSource || source.bytes > maxBytesPerSource && source.sent.size() > 1) {
      source.bytes -= source.sent.poll().message().data().length;
    }
    Set<String> starting = new HashSet<>();
    for (String node : nodes) {
      if (source.lastSent.put(node, message.seq()) == null) {
        starting.add(node);
      }
    }
    return starting;
  }

  /** Everything up to {@code upTo} is held by every node that counts: no longer kept. */
  void committed(String connection, String channel, long generation, long upTo) {
    Source source = sources.get(key(connection, channel));
    if (source == null || source.generation != generation) {
      return;
    }
    while (!source.sent.isEmpty() && source.sent.peek().message().seq() <= upTo) {
      source.bytes -= source.sent.poll().message().data().length;
    }
  }

  /**
   * What {@code node} should be sent again after {@code after} (-1: all it was sent), in order. When that does
   * not follow on from {@code after} (the node asks about an older numbering, or the messages are no longer
   * kept), the first one, or else the next message sent, tells it to start afresh: the gap is logged, and the
   * node does not ask for it again and again.
   */
  List<Resend> resend(String node, String connection, String channel, long generation, long after) {
    String key = key(connection, channel);
    Source source = sources.get(key);
    if (source == null) {
      return List.of();
    }
    List<Resend> again = new ArrayList<>();
    if (source.generation == generation || after < 0) {
      for (Sent sent : source.sent) {
        if (sent.message().seq() > after && sent.nodes().contains(node)) {
          again.add(new Resend(sent.message(), source.generation, false));
        }
      }
    }
    boolean current = source.generation == generation && after >= 0;
    if (current && (again.isEmpty() ? after >= source.lastSent.getOrDefault(node, -1L)
        : again.get(0).message().seq() == after + 1)) {
      return again;
    }
    if (again.isEmpty()) {
      // Nothing kept to send: the next message the node is sent starts its count.
      LOG.warning("node " + node + " asked for what follows " + after + " of " + key.replace('\n', '/')
          + "; nothing is kept here: it goes on from the next message");
      source.lastSent.remove(node);
      return again;
    }
    if (after >= 0) {
      LOG.warning("node " + node + " asked for what follows " + after + " of " + key.replace('\n', '/') + "; "
          + (after + 1) + "-" + (again.get(0).message().seq() - 1) + " are not kept here (committed without it, or"
          + " never sent to it): it goes on from " + again.get(0).message().seq());
    }
    again.set(0, new Resend(again.get(0).message(), source.generation, true));
    return again;
  }

  /** The last message of the source's current numbering sent to {@code node} and still kept, or null. */
  InboundMessage lastSentTo(String node, String connection, String channel, long generation) {
    Source source = sources.get(key(connection, channel));
    if (source == null || source.generation != generation) {
      return null;
    }
    for (Iterator<Sent> it = source.sent.descendingIterator(); it.hasNext(); ) {
      Sent sent = it.next();
      if (sent.nodes().contains(node)) {
        return sent.message();
      }
    }
    return null;
  }

  /** {@code node} no longer routes {@code room} (null: any room): its next message starts its count again. */
  void nodeGone(String node, String room) {
    sources.forEach((key, source) -> {
      if (room == null || source.room.equals(room)) {
        source.lastSent.remove(node);
      }
    });
  }

  /** The connection left routing: nothing of it is kept. */
  void forget(String connection) {
    for (Iterator<String> it = sources.keySet().iterator(); it.hasNext(); ) {
      if (it.next().startsWith(connection + '\n')) {
        it.remove();
      }
    }
  }

  /** Messages kept, over every source (metrics and tests). */
  int kept() {
    return sources.values().stream().mapToInt(s -> s.sent.size()).sum();
  }
}

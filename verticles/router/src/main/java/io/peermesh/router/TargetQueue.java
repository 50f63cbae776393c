package io.peermesh.router;

import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.channel.ChannelSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What waits to be handed to one routed connection's supervisor. Reliable channels keep every message, in order
 * per channel, up to a bound; {@code cursor-pos} keeps only the latest position of each source (latest wins), so
 * a slow target never falls behind on cursors. The next message is taken from the most urgent channel first.
 */
final class TargetQueue {
  /** What {@link #offer} did. */
  enum Offer { QUEUED, REPLACED, OVERFLOW, NOT_ROUTED }

  private final int maxReliable;
  private final Map<ChannelSpec, ArrayDeque<InboundMessage>> reliable = new EnumMap<>(ChannelSpec.class);
  /** cursor-pos, latest per source connection, oldest source first. */
  private final LinkedHashMap<String, InboundMessage> latestCursor = new LinkedHashMap<>();
  private int reliableCount;
  /** The channel of the last run, so channels of one priority take turns. */
  private ChannelSpec lastServed;

  TargetQueue(int maxReliable) {
    this.maxReliable = maxReliable;
  }

  /** The channels a router forwards: files stay with the file protocol, which is per connection. */
  static boolean routed(ChannelSpec channel) {
    return channel != ChannelSpec.FILES;
  }

  Offer offer(InboundMessage message) {
    ChannelSpec channel = ChannelSpec.byLabel(message.channel()).filter(TargetQueue::routed).orElse(null);
    if (channel == null) {
      return Offer.NOT_ROUTED;
    }
    if (!channel.reliable()) {
      // Re-inserted so the source goes behind the others: a busy source does not starve a quiet one.
      InboundMessage replaced = latestCursor.remove(message.connection());
      latestCursor.put(message.connection(), message);
      return replaced == null ? Offer.QUEUED : Offer.REPLACED;
    }
    if (reliableCount >= maxReliable) {
      return Offer.OVERFLOW;
    }
    reliable.computeIfAbsent(channel, c -> new ArrayDeque<>()).add(message);
    reliableCount++;
    return Offer.QUEUED;
  }

  /** {@link #peekRun(int, long, Set)} over every channel. */
  List<InboundMessage> peekRun(int maxMessages, long maxBytes) {
    return peekRun(maxMessages, maxBytes, Set.of());
  }

  /**
   * The messages to hand over next, left in place until {@link #remove}: consecutive ones of the most urgent
   * channel with any, except the channels in {@code skipped}, at most {@code maxMessages} and {@code maxBytes}
   * (but at least one); empty when nothing waits.
   */
  List<InboundMessage> peekRun(int maxMessages, long maxBytes, Set<ChannelSpec> skipped) {
    Iterable<InboundMessage> source = null;
    ChannelSpec chosen = null;
    int bestRank = Integer.MAX_VALUE;
    for (Map.Entry<ChannelSpec, ArrayDeque<InboundMessage>> entry : reliable.entrySet()) {
      int rank = entry.getKey().priority().ordinal();
      // Channels of one priority (code-sync and ai-stream) take turns: neither starves the other.
      boolean better = rank < bestRank || (rank == bestRank && chosen == lastServed);
      if (!entry.getValue().isEmpty() && better && !skipped.contains(entry.getKey())) {
        source = entry.getValue();
        chosen = entry.getKey();
        bestRank = rank;
      }
    }
    int limit = maxMessages;
    if (!latestCursor.isEmpty() && ChannelSpec.CURSOR_POS.priority().ordinal() < bestRank
        && !skipped.contains(ChannelSpec.CURSOR_POS)) {
      source = latestCursor.values();
      chosen = ChannelSpec.CURSOR_POS;
      // One cursor per hand-over: a supervisor keeps only the latest cursor of its connection while its link
      // cannot send, so a run of several sources' cursors would be cut to the last one.
      limit = 1;
    }
    lastServed = chosen;
    List<InboundMessage> run = new ArrayList<>();
    if (source == null) {
      return run;
    }
    long bytes = 0;
    for (InboundMessage message : source) {
      bytes += message.data().length;
      if (!run.isEmpty() && (run.size() >= limit || bytes > maxBytes)) {
        break;
      }
      run.add(message);
    }
    return run;
  }

  /** Removes the first {@code count} of {@code run} once the target took them; a cursor replaced meanwhile stays. */
  void remove(List<InboundMessage> run, int count) {
    for (InboundMessage message : run.subList(0, count)) {
      ChannelSpec channel = ChannelSpec.byLabel(message.channel()).orElseThrow();
      if (!channel.reliable()) {
        latestCursor.remove(message.connection(), message);
        continue;
      }
      ArrayDeque<InboundMessage> queue = reliable.get(channel);
      if (queue != null && queue.peek() == message) {
        queue.poll();
        reliableCount--;
      }
    }
  }

  boolean isEmpty() {
    return reliableCount == 0 && latestCursor.isEmpty();
  }

  /** Messages waiting: reliable ones plus one cursor per source. */
  int size() {
    return reliableCount + latestCursor.size();
  }
}

package io.peermesh.router;

import io.peermesh.shared.bus.BusMessages.RoutedMessage;
import io.peermesh.shared.channel.ChannelSpec;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What waits to be handed to one routed connection's supervisor. Reliable channels keep every message, in order
 * per channel, up to a bound; {@code cursor-pos} keeps only the latest position of each source (latest wins), so
 * a slow target never falls behind on cursors. The next message is taken from the most urgent channel first.
 */
final class TargetQueue {
  /** What {@link #offer} did. */
  enum Offer { QUEUED, REPLACED, OVERFLOW, NOT_ROUTED }

  private final int maxReliable;
  private final Map<ChannelSpec, ArrayDeque<RoutedMessage>> reliable = new EnumMap<>(ChannelSpec.class);
  /** cursor-pos, latest per source connection, oldest source first. */
  private final LinkedHashMap<String, RoutedMessage> latestCursor = new LinkedHashMap<>();
  private int reliableCount;

  TargetQueue(int maxReliable) {
    this.maxReliable = maxReliable;
  }

  /** The channels a router forwards: files stay with the file protocol, which is per connection. */
  static boolean routed(ChannelSpec channel) {
    return channel != ChannelSpec.FILES;
  }

  Offer offer(RoutedMessage message) {
    ChannelSpec channel = ChannelSpec.byLabel(message.channel()).filter(TargetQueue::routed).orElse(null);
    if (channel == null) {
      return Offer.NOT_ROUTED;
    }
    if (!channel.reliable()) {
      // Re-inserted so the source goes behind the others: a busy source does not starve a quiet one.
      RoutedMessage replaced = latestCursor.remove(message.connection());
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

  /** The message to hand over next, left in place until {@link #remove}; null when empty. */
  RoutedMessage peek() {
    RoutedMessage best = null;
    int bestRank = Integer.MAX_VALUE;
    for (Map.Entry<ChannelSpec, ArrayDeque<RoutedMessage>> entry : reliable.entrySet()) {
      RoutedMessage head = entry.getValue().peek();
      if (head != null && entry.getKey().priority().ordinal() < bestRank) {
        best = head;
        bestRank = entry.getKey().priority().ordinal();
      }
    }
    if (!latestCursor.isEmpty() && ChannelSpec.CURSOR_POS.priority().ordinal() < bestRank) {
      best = latestCursor.values().iterator().next();
    }
    return best;
  }

  /** Removes {@code message} once its target took it; a cursor replaced meanwhile stays (it is newer). */
  void remove(RoutedMessage message) {
    ChannelSpec channel = ChannelSpec.byLabel(message.channel()).orElseThrow();
    if (!channel.reliable()) {
      latestCursor.remove(message.connection(), message);
      return;
    }
    ArrayDeque<RoutedMessage> queue = reliable.get(channel);
    if (queue != null && queue.peek() == message) {
      queue.poll();
      reliableCount--;
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

package io.peermesh.shared.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Receiver half of a sequenced channel: delivers each sequence number once and in order. Duplicates (resends
 * after a recovery) are dropped; a frame ahead of a gap waits in a bounded reorder buffer, since during a
 * switch between paths (WebRTC and the signaling relay) frames may arrive out of order.
 */
public final class ReliableReceiver {
  private final int maxReorder;
  private final TreeMap<Long, byte[]> ahead = new TreeMap<>();
  private long delivered;
  private long duplicates;

  public ReliableReceiver(int maxReorder) {
    if (maxReorder <= 0) {
      throw new IllegalArgumentException("maxReorder must be positive");
    }
    this.maxReorder = maxReorder;
  }

  /** The payloads that can be delivered now, in order; empty for a duplicate or a frame ahead of a gap. */
  public List<byte[]> onData(Frames.Data frame) throws ReorderOverflowException {
    long seq = frame.seq();
    if (seq <= delivered || ahead.containsKey(seq)) {
      duplicates++;
      return List.of();
    }
    if (seq != delivered + 1) {
      if (ahead.size() >= maxReorder) {
        throw new ReorderOverflowException(delivered, seq);
      }
      ahead.put(seq, frame.payload());
      return List.of();
    }
    List<byte[]> ready = new ArrayList<>();
    ready.add(frame.payload());
    delivered = seq;
    while (!ahead.isEmpty() && ahead.firstKey() == delivered + 1) {
      ready.add(ahead.pollFirstEntry().getValue());
      delivered++;
    }
    return ready;
  }

  /** Every sequence number up to this one was delivered: the value to acknowledge. */
  public long deliveredUpTo() {
    return delivered;
  }

  public long duplicatesDropped() {
    return duplicates;
  }

  public int waiting() {
    return ahead.size();
  }

  /** Too many frames arrived ahead of a gap: the sender is broken; the channel must be reset. */
  public static final class ReorderOverflowException extends Exception {
    public ReorderOverflowException(long delivered, long seq) {
      super("frame " + seq + " arrived while waiting for " + (delivered + 1) + " and the reorder buffer is full",
          null, false, false);
    }
  }
}

package io.peermesh.shared.channel;

import java.util.ArrayList;
import java.util.List;

/**
 * Sender half of a sequenced channel: numbers each message and keeps it until acknowledged, so that after
 * any recovery the unacknowledged ones are sent again. The buffer is bounded by count and bytes; when full,
 * {@link #enqueue} refuses (the caller reports an explicit overflow) instead of dropping anything.
 */
public final class ReliableSender {
  private final int maxMessages;
  private final long maxBytes;
  /** Unacknowledged frames in a ring: the one at {@code head} has the lowest sequence number. */
  private Frames.Data[] ring = new Frames.Data[16];
  private int head;
  private int size;
  private long nextSeq = 1;
  private long bytes;

  public ReliableSender(int maxMessages, long maxBytes) {
    if (maxMessages <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("resend buffer bounds must be positive");
    }
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  /** Numbers {@code payload} and keeps it for resending; the frame to send now. */
  public Frames.Data enqueue(byte[] payload) throws ResendBufferFullException {
    if (size >= maxMessages || bytes + payload.length > maxBytes) {
      throw new ResendBufferFullException(size, bytes);
    }
    if (size == ring.length) {
      Frames.Data[] bigger = new Frames.Data[ring.length * 2];
      for (int i = 0; i < size; i++) {
        bigger[i] = ring[(head + i) % ring.length];
      }
      ring = bigger;
      head = 0;
    }
    Frames.Data frame = new Frames.Data(nextSeq++, payload.clone());
    ring[(head + size) % ring.length] = frame;
    size++;
    bytes += payload.length;
    return frame;
  }

  /** Forgets every message up to {@code upTo}; acks for unsent sequence numbers are ignored. */
  public void onAck(long upTo) {
    while (size > 0 && ring[head].seq() <= upTo) {
      bytes -= ring[head].payload().length;
      ring[head] = null;
      head = (head + 1) % ring.length;
      size--;
    }
  }

  /** The messages to send again after a recovery, oldest first. */
  public List<Frames.Data> unacked() {
    List<Frames.Data> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(ring[(head + i) % ring.length]);
    }
    return out;
  }

  /** The unacknowledged frame with {@code seq}, or null when it was acknowledged or never sent. O(1). */
  public Frames.Data frame(long seq) {
    if (size == 0) {
      return null;
    }
    long offset = seq - ring[head].seq();
    return offset < 0 || offset >= size ? null : ring[(int) ((head + offset) % ring.length)];
  }

  /** The lowest unacknowledged sequence number, or {@link #nextSeq()} when all are acknowledged. */
  public long firstUnacked() {
    return size == 0 ? nextSeq : ring[head].seq();
  }

  public int unackedCount() {
    return size;
  }

  public long unackedBytes() {
    return bytes;
  }

  /** The sequence number the next message will get. */
  public long nextSeq() {
    return nextSeq;
  }

  /** The resend buffer cannot take the message: the connection is behind by too much to guarantee delivery. */
  public static final class ResendBufferFullException extends Exception {
    public ResendBufferFullException(int messages, long bytes) {
      super("resend buffer full: " + messages + " unacknowledged messages, " + bytes + " bytes", null, false,
          false);
    }
  }
}

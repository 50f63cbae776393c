package io.peermesh.shared.channel;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Sender half of a sequenced channel: numbers each message and keeps it until acknowledged, so that after
 * any recovery the unacknowledged ones are sent again. The buffer is bounded by count and bytes; when full,
 * {@link #enqueue} refuses (the caller reports an explicit overflow) instead of dropping anything.
 */
public final class ReliableSender {
  private final int maxMessages;
  private final long maxBytes;
  private final ArrayDeque<Frames.Data> unacked = new ArrayDeque<>();
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
    if (unacked.size() >= maxMessages || bytes + payload.length > maxBytes) {
      throw new ResendBufferFullException(unacked.size(), bytes);
    }
    Frames.Data frame = new Frames.Data(nextSeq++, payload.clone());
    unacked.add(frame);
    bytes += payload.length;
    return frame;
  }

  /** Forgets every message up to {@code upTo}; acks for unsent sequence numbers are ignored. */
  public void onAck(long upTo) {
    while (!unacked.isEmpty() && unacked.peekFirst().seq() <= upTo) {
      bytes -= unacked.pollFirst().payload().length;
    }
  }

  /** The messages to send again after a recovery, oldest first. */
  public List<Frames.Data> unacked() {
    return List.copyOf(unacked);
  }

  public int unackedCount() {
    return unacked.size();
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

package io.peermesh.shared.channel;

import java.nio.ByteBuffer;

/**
 * Wire format of sequenced channels (code-sync, ai-stream). Big-endian:
 * <pre>
 *   DATA: 0x01, seq (8 bytes, from 1), payload (the rest)
 *   ACK:  0x02, upTo (8 bytes): every seq up to and including upTo was delivered
 * </pre>
 */
public final class Frames {
  public static final byte DATA = 0x01;
  public static final byte ACK = 0x02;
  public static final int HEADER_BYTES = 9;

  private Frames() {}

  /** A parsed frame. */
  public sealed interface Frame permits Data, Ack {}

  /** A sequenced message. */
  public record Data(long seq, byte[] payload) implements Frame {
    public ByteBuffer encode() {
      return ByteBuffer.allocate(HEADER_BYTES + payload.length).put(DATA).putLong(seq).put(payload).flip();
    }
  }

  /** A cumulative acknowledgement. */
  public record Ack(long upTo) implements Frame {
    public ByteBuffer encode() {
      return ByteBuffer.allocate(HEADER_BYTES).put(ACK).putLong(upTo).flip();
    }
  }

  /** Reads one frame; the buffer is consumed. */
  public static Frame parse(ByteBuffer buffer) throws FrameException {
    if (buffer.remaining() < HEADER_BYTES) {
      throw new FrameException("a frame has at least " + HEADER_BYTES + " bytes, got " + buffer.remaining());
    }
    byte kind = buffer.get();
    long seq = buffer.getLong();
    if (seq < 0) {
      throw new FrameException("negative sequence number " + seq);
    }
    if (kind == DATA) {
      if (seq == 0) {
        throw new FrameException("data sequence numbers start at 1");
      }
      byte[] payload = new byte[buffer.remaining()];
      buffer.get(payload);
      return new Data(seq, payload);
    }
    if (kind == ACK) {
      if (buffer.hasRemaining()) {
        throw new FrameException("an ack carries no payload");
      }
      return new Ack(seq);
    }
    throw new FrameException("unknown frame kind " + kind);
  }

  /** A frame that does not follow the format; the peer is broken or hostile. */
  public static final class FrameException extends Exception {
    public FrameException(String message) {
      super(message, null, false, false);
    }
  }
}

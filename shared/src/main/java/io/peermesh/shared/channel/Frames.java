package io.peermesh.shared.channel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Wire format of sequenced channels (code-sync, ai-stream). Big-endian:
 * <pre>
 *   DATA: 0x01, seq (8 bytes, from 1), payload (the rest)
 *   ACK:  0x02, upTo (8 bytes): every seq up to and including upTo was delivered
 *   BATCH: 0x03, seq of the first (8 bytes), then per message: length (4 bytes), payload; seqs are consecutive
 *   ACKED: 0x04, upTo (8 bytes), then a DATA or BATCH frame: the ACK of the other direction riding on this data
 * </pre>
 * A batch carries messages that were waiting together, so a burst of small messages costs one send through
 * libwebrtc (a blocking native call of ~80 µs from any thread but its own) instead of one each. An ACKED frame
 * spares the ack its own send when messages flow both ways; it goes only to a peer that says it reads it (its
 * heartbeats, docs/PROTOCOL.md).
 */
public final class Frames {
  public static final byte DATA = 0x01;
  public static final byte ACK = 0x02;
  public static final byte BATCH = 0x03;
  public static final byte ACKED = 0x04;
  public static final int HEADER_BYTES = 9;
  /** Bytes before each payload in a batch: its length. */
  public static final int BATCH_ENTRY_BYTES = 4;

  private Frames() {}

  /** A parsed frame. */
  public sealed interface Frame permits Data, Ack, Batch, Acked {}

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

  /** Consecutive sequenced messages, the first numbered {@code firstSeq}. */
  public record Batch(long firstSeq, List<byte[]> payloads) implements Frame {
    /** The messages as the data frames they stand for. */
    public List<Data> frames() {
      List<Data> out = new ArrayList<>(payloads.size());
      for (int i = 0; i < payloads.size(); i++) {
        out.add(new Data(firstSeq + i, payloads.get(i)));
      }
      return out;
    }
  }

  /** A cumulative acknowledgement carried by a data or batch frame ({@code carried}). */
  public record Acked(long upTo, Frame carried) implements Frame {
    public Acked {
      if (!(carried instanceof Data || carried instanceof Batch)) {
        throw new IllegalArgumentException("an ack rides on a data or batch frame, not " + carried);
      }
    }
  }

  /** {@code frame} (an encoded DATA or BATCH frame, consumed) with an acknowledgement up to {@code upTo} on it. */
  public static ByteBuffer withAck(long upTo, ByteBuffer frame) {
    return ByteBuffer.allocate(HEADER_BYTES + frame.remaining()).put(ACKED).putLong(upTo).put(frame).flip();
  }

  /** Bytes {@code payloadBytes} of payload adds to a batch. */
  public static int batchCost(int payloadBytes) {
    return BATCH_ENTRY_BYTES + payloadBytes;
  }

  /** One batch of {@code frames}, which must be consecutive; a single frame is sent as itself. */
  public static ByteBuffer encode(List<Data> frames) {
    if (frames.isEmpty()) {
      throw new IllegalArgumentException("nothing to encode");
    }
    if (frames.size() == 1) {
      return frames.get(0).encode();
    }
    int size = HEADER_BYTES;
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i).seq() != frames.get(0).seq() + i) {
        throw new IllegalArgumentException("a batch holds consecutive sequence numbers");
      }
      size += batchCost(frames.get(i).payload().length);
    }
    ByteBuffer out = ByteBuffer.allocate(size).put(BATCH).putLong(frames.get(0).seq());
    for (Data frame : frames) {
      out.putInt(frame.payload().length).put(frame.payload());
    }
    return out.flip();
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
    if (kind == BATCH) {
      return parseBatch(seq, buffer);
    }
    if (kind == ACKED) {
      if (buffer.remaining() < HEADER_BYTES) {
        throw new FrameException("an acked frame carries a data or batch frame, got " + buffer.remaining()
            + " bytes");
      }
      byte carried = buffer.get(buffer.position());
      if (carried != DATA && carried != BATCH) {
        throw new FrameException("an acked frame carries a data or batch frame, not kind " + carried);
      }
      return new Acked(seq, parse(buffer));
    }
    throw new FrameException("unknown frame kind " + kind);
  }

  private static Batch parseBatch(long firstSeq, ByteBuffer buffer) throws FrameException {
    if (firstSeq == 0) {
      throw new FrameException("data sequence numbers start at 1");
    }
    List<byte[]> payloads = new ArrayList<>();
    while (buffer.hasRemaining()) {
      if (buffer.remaining() < BATCH_ENTRY_BYTES) {
        throw new FrameException("a batch entry needs a " + BATCH_ENTRY_BYTES + "-byte length, "
            + buffer.remaining() + " bytes left");
      }
      int length = buffer.getInt();
      if (length < 0 || length > buffer.remaining()) {
        throw new FrameException("a batch entry of " + Integer.toUnsignedString(length) + " bytes, "
            + buffer.remaining() + " left");
      }
      if (firstSeq + payloads.size() < 0) {
        throw new FrameException("batch sequence numbers overflow");
      }
      byte[] payload = new byte[length];
      buffer.get(payload);
      payloads.add(payload);
    }
    if (payloads.isEmpty()) {
      throw new FrameException("an empty batch");
    }
    return new Batch(firstSeq, payloads);
  }

  /** A frame that does not follow the format; the peer is broken or hostile. */
  public static final class FrameException extends Exception {
    public FrameException(String message) {
      super(message, null, false, false);
    }
  }
}

package io.peermesh.shared.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequencedChannelTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void framesRoundTripAndMalformedFramesAreRejected() throws Exception {
    Frames.Data data = new Frames.Data(7, b("hello"));
    Frames.Data parsed = (Frames.Data) Frames.parse(data.encode());
    assertEquals(7, parsed.seq());
    assertArrayEquals(b("hello"), parsed.payload());
    assertEquals(new Frames.Ack(9), Frames.parse(new Frames.Ack(9).encode()));
    assertThrows(Frames.FrameException.class, () -> Frames.parse(ByteBuffer.wrap(new byte[3])));
    assertThrows(Frames.FrameException.class, () -> Frames.parse(ByteBuffer.allocate(9).put((byte) 7).flip()));
    assertThrows(Frames.FrameException.class, () -> Frames.parse(new Frames.Data(0, b("x")).encode()));
    assertThrows(Frames.FrameException.class,
        () -> Frames.parse(ByteBuffer.allocate(9).put(Frames.ACK).putLong(-1).flip()));
    assertThrows(Frames.FrameException.class,
        () -> Frames.parse(ByteBuffer.allocate(10).put(Frames.ACK).putLong(1).put((byte) 0).flip()));
  }

  @Test
  void aBatchRoundTripsAsConsecutiveDataFrames() throws Exception {
    List<Frames.Data> frames = List.of(new Frames.Data(5, b("five")), new Frames.Data(6, b("")),
        new Frames.Data(7, b("seven")));
    ByteBuffer wire = Frames.encode(frames);
    assertEquals(Frames.HEADER_BYTES + 3 * Frames.BATCH_ENTRY_BYTES + 9, wire.remaining());
    Frames.Batch batch = (Frames.Batch) Frames.parse(wire);
    assertEquals(5, batch.firstSeq());
    List<Frames.Data> back = batch.frames();
    assertEquals(3, back.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(frames.get(i).seq(), back.get(i).seq());
      assertArrayEquals(frames.get(i).payload(), back.get(i).payload());
    }
    Frames.Data alone = (Frames.Data) Frames.parse(Frames.encode(List.of(new Frames.Data(3, b("x")))));
    assertEquals(3, alone.seq(), "a batch of one goes as a plain data frame");
    assertThrows(IllegalArgumentException.class, () -> Frames.encode(List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> Frames.encode(List.of(new Frames.Data(1, b("a")), new Frames.Data(3, b("c")))));
  }

  @Test
  void malformedBatchesAreRejected() {
    assertBatchRejected(ByteBuffer.allocate(9).put(Frames.BATCH).putLong(1).flip(), "an empty batch");
    assertBatchRejected(ByteBuffer.allocate(16).put(Frames.BATCH).putLong(0).putInt(3).put(b("abc")).flip(),
        "data sequence numbers start at 1");
    assertBatchRejected(ByteBuffer.allocate(16).put(Frames.BATCH).putLong(1).putInt(4).put(b("abc")).flip(),
        "a batch entry of 4 bytes, 3 left");
    assertBatchRejected(ByteBuffer.allocate(16).put(Frames.BATCH).putLong(1).putInt(-1).put(b("abc")).flip(),
        "a batch entry of 4294967295 bytes, 3 left");
    assertBatchRejected(ByteBuffer.allocate(15).put(Frames.BATCH).putLong(1).putInt(0).put(b("ab")).flip(),
        "a batch entry needs a 4-byte length, 2 bytes left");
    assertBatchRejected(ByteBuffer.allocate(17).put(Frames.BATCH).putLong(Long.MAX_VALUE).putInt(0).putInt(0)
        .flip(), "batch sequence numbers overflow");
  }

  @Test
  void anAckRidesOnADataOrBatchFrame() throws Exception {
    Frames.Acked onData = (Frames.Acked) Frames.parse(Frames.withAck(41, new Frames.Data(7, b("hi")).encode()));
    assertEquals(41, onData.upTo());
    Frames.Data data = (Frames.Data) onData.carried();
    assertEquals(7, data.seq());
    assertArrayEquals(b("hi"), data.payload());
    ByteBuffer wire = Frames.withAck(0, Frames.encode(List.of(new Frames.Data(3, b("a")), new Frames.Data(4, b("b")))));
    assertEquals(2 * Frames.HEADER_BYTES + 2 * Frames.BATCH_ENTRY_BYTES + 2, wire.remaining());
    Frames.Acked onBatch = (Frames.Acked) Frames.parse(wire);
    assertEquals(0, onBatch.upTo(), "nothing delivered yet is a valid ack");
    assertEquals(3, ((Frames.Batch) onBatch.carried()).firstSeq());
    assertThrows(IllegalArgumentException.class, () -> new Frames.Acked(1, new Frames.Ack(1)));
  }

  @Test
  void malformedAckedFramesAreRejected() {
    assertBatchRejected(ByteBuffer.allocate(9).put(Frames.ACKED).putLong(1).flip(),
        "an acked frame carries a data or batch frame, got 0 bytes");
    assertBatchRejected(Frames.withAck(1, new Frames.Ack(2).encode()),
        "an acked frame carries a data or batch frame, not kind 2");
    assertBatchRejected(Frames.withAck(1, Frames.withAck(2, new Frames.Data(1, b("x")).encode())),
        "an acked frame carries a data or batch frame, not kind 4");
    assertBatchRejected(Frames.withAck(-5, new Frames.Data(1, b("x")).encode()), "negative sequence number -5");
    assertBatchRejected(Frames.withAck(1, new Frames.Data(0, b("x")).encode()), "data sequence numbers start at 1");
    assertBatchRejected(Frames.withAck(1, ByteBuffer.allocate(9).put(Frames.BATCH).putLong(1).flip()),
        "an empty batch");
  }

  private static void assertBatchRejected(ByteBuffer wire, String reason) {
    Frames.FrameException e = assertThrows(Frames.FrameException.class, () -> Frames.parse(wire));
    assertEquals(reason, e.getMessage());
  }

  @Test
  void senderKeepsUnackedMessagesInOrderUntilAcked() throws Exception {
    ReliableSender sender = new ReliableSender(10, 1000);
    for (int i = 1; i <= 5; i++) {
      assertEquals(i, sender.enqueue(b("m" + i)).seq());
    }
    sender.onAck(3);
    assertEquals(List.of(4L, 5L), sender.unacked().stream().map(Frames.Data::seq).toList());
    assertEquals(4, sender.unackedBytes());
    sender.onAck(2);
    assertEquals(2, sender.unackedCount());
    sender.onAck(99);
    assertEquals(0, sender.unackedCount());
    assertEquals(6, sender.nextSeq());
  }

  @Test
  void aFullResendBufferRefusesInsteadOfDropping() throws Exception {
    ReliableSender byCount = new ReliableSender(2, 1000);
    byCount.enqueue(b("a"));
    byCount.enqueue(b("b"));
    assertThrows(ReliableSender.ResendBufferFullException.class, () -> byCount.enqueue(b("c")));
    assertEquals(3, byCount.nextSeq(), "a refused message takes no sequence number");
    ReliableSender byBytes = new ReliableSender(100, 4);
    byBytes.enqueue(b("abc"));
    assertThrows(ReliableSender.ResendBufferFullException.class, () -> byBytes.enqueue(b("de")));
    assertThrows(IllegalArgumentException.class, () -> new ReliableSender(0, 1));
  }

  @Test
  void receiverDeliversExactlyOnceInOrderAcrossResendsAndReordering() throws Exception {
    ReliableSender sender = new ReliableSender(100, 10_000);
    ReliableReceiver receiver = new ReliableReceiver(16);
    List<String> got = new ArrayList<>();
    List<Frames.Data> sent = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      sent.add(sender.enqueue(b("m" + i)));
    }
    // 1 and 2 arrive, 3 is lost, 4 arrives early, then everything unacked is resent after a recovery.
    for (Frames.Data f : List.of(sent.get(0), sent.get(1), sent.get(3))) {
      receiver.onData(f).forEach(p -> got.add(new String(p, StandardCharsets.UTF_8)));
    }
    assertEquals(1, receiver.waiting());
    sender.onAck(receiver.deliveredUpTo());
    for (Frames.Data f : sender.unacked()) {
      receiver.onData(f).forEach(p -> got.add(new String(p, StandardCharsets.UTF_8)));
    }
    assertEquals(List.of("m1", "m2", "m3", "m4", "m5", "m6"), got);
    assertEquals(6, receiver.deliveredUpTo());
    assertEquals(1, receiver.duplicatesDropped());
    assertTrue(receiver.onData(sent.get(0)).isEmpty());
    assertFalse(receiver.waiting() > 0);
  }

  @Test
  void aReorderBufferOverflowIsAnExplicitError() throws Exception {
    ReliableReceiver receiver = new ReliableReceiver(2);
    receiver.onData(new Frames.Data(3, b("c")));
    receiver.onData(new Frames.Data(4, b("d")));
    assertThrows(ReliableReceiver.ReorderOverflowException.class, () -> receiver.onData(new Frames.Data(5, b("e"))));
    assertThrows(IllegalArgumentException.class, () -> new ReliableReceiver(0));
  }

  @Test
  void channelSpecsMatchTheProtocolTable() {
    assertEquals(ChannelSpec.CODE_SYNC, ChannelSpec.byLabel("code-sync").orElseThrow());
    assertEquals(ChannelSpec.FILES, ChannelSpec.byId(4).orElseThrow());
    assertTrue(ChannelSpec.byLabel("nope").isEmpty());
    assertTrue(ChannelSpec.byId(9).isEmpty());
    assertFalse(ChannelSpec.CURSOR_POS.reliable());
    assertFalse(ChannelSpec.CURSOR_POS.ordered());
    assertEquals(0, ChannelSpec.CURSOR_POS.maxRetransmits());
    assertTrue(ChannelSpec.AI_STREAM.sequenced() && ChannelSpec.CODE_SYNC.sequenced());
    assertFalse(ChannelSpec.PRESENCE.sequenced());
    assertEquals(Priority.LOW, ChannelSpec.FILES.priority());
    for (ChannelSpec spec : ChannelSpec.values()) {
      assertEquals(spec.ordinal(), spec.id());
    }
  }
}

package io.peermesh.supervisor.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.files.FileFrames;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Two ends of the file protocol wired by an in-memory channel that can lose frames; time is a fake clock. */
class FileTransfersTest {
  private static final FileLimits LIMITS = new FileLimits(1 << 20, 4, 2 << 20, 1024, "/unused");

  private long now = 1_000;

  /** One direction of the files channel: a queue the test delivers by hand. */
  private final class Wire implements FileSender.Outbox {
    final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    int capacity = 1_000;
    Predicate<byte[]> drop = f -> false;

    @Override
    public boolean send(byte[] frame) {
      if (queue.size() >= capacity) {
        return false;
      }
      queue.add(frame);
      return true;
    }

    @Override
    public int queued() {
      return queue.size();
    }
  }

  private final class End {
    final Wire out = new Wire();
    final List<FileReceiver.ReceivedFile> received = new ArrayList<>();
    final List<FileSender.Outcome> outcomes = new ArrayList<>();
    final List<byte[]> ordinary = new ArrayList<>();
    final FileTransfers transfers;

    End(FileLimits limits) {
      transfers = new FileTransfers(limits, out, received::add, () -> now);
    }

    String send(byte[] data) {
      return send(data, sha256(data));
    }

    String send(byte[] data, String sha) {
      return transfers.sender().send("f.bin", "application/x-test", data, sha, outcomes::add);
    }
  }

  private final End a = new End(LIMITS);
  private End b = new End(LIMITS);

  /** Delivers both directions until nothing moves; the senders pump after every round, as the 20 ms timer does. */
  private void exchange() {
    for (int round = 0; round < 100_000; round++) {
      boolean moved = deliver(a, b) | deliver(b, a);
      a.transfers.sender().pump();
      b.transfers.sender().pump();
      if (!moved && a.out.queue.isEmpty() && b.out.queue.isEmpty()) {
        return;
      }
    }
    throw new AssertionError("the transfer never settled");
  }

  private static boolean deliver(End from, End to) {
    boolean moved = false;
    while (!from.out.queue.isEmpty()) {
      byte[] frame = from.out.queue.poll();
      moved = true;
      if (!from.out.drop.test(frame) && !to.transfers.onFrame(frame)) {
        to.ordinary.add(frame);
      }
    }
    return moved;
  }

  @Test
  void aFileArrivesWhole_andTheSenderHearsTheVerifiedChecksum() {
    byte[] data = random(10_000);
    String id = a.send(data);
    exchange();
    assertEquals(1, b.received.size());
    FileReceiver.ReceivedFile file = b.received.get(0);
    assertTrue(file.ok());
    assertEquals(id, file.id());
    assertEquals("f.bin", file.name());
    assertEquals("application/x-test", file.type());
    assertArrayEquals(data, join(file.chunks()));
    assertEquals(List.of(new FileSender.Outcome(id, true, sha256(data), null)), a.outcomes);
    assertEquals(0, a.transfers.uploads());
    assertEquals(0, b.transfers.downloads());
  }

  @Test
  void anEmptyFileIsVerifiedToo() {
    a.send(new byte[0]);
    exchange();
    assertTrue(b.received.get(0).ok());
    assertTrue(a.outcomes.get(0).ok());
  }

  @Test
  void theSenderKeepsAtMostFourChunksQueued() {
    a.out.capacity = 100;
    a.send(random(64 * 1024));
    deliver(a, b);
    deliver(b, a);
    assertEquals(FileSender.QUEUED_CHUNKS, a.out.queue.size(), "accept → four chunks, then wait for room");
    a.transfers.sender().pump();
    assertEquals(FileSender.QUEUED_CHUNKS, a.out.queue.size(), "no room, nothing more");
    exchange();
    assertTrue(a.outcomes.get(0).ok());
  }

  @Test
  void lostChunksAreAskedForAgain_andDuplicatesIgnored() {
    byte[] data = random(20 * 1024);
    int[] chunks = {0};
    // The 3rd to 5th chunks are lost, like frames in flight on a replaced connection.
    a.out.drop = f -> f[0] == FileFrames.CHUNK && ++chunks[0] >= 3 && chunks[0] <= 5;
    a.send(data);
    exchange();
    // The gap came to light, but a repeated request waits out GAP_REPEAT_MS; the end asks again later.
    now += FileReceiver.GAP_REPEAT_MS + 1;
    a.transfers.sweep(true);
    now += FileSender.REOFFER_MS + 1;
    a.transfers.sweep(true);
    exchange();
    assertEquals(1, b.received.size());
    assertArrayEquals(data, join(b.received.get(0).chunks()));
    assertTrue(a.outcomes.get(0).ok());
  }

  @Test
  void aLostResultIsAnsweredAgainWhenTheSenderOffersAfterSilence() {
    byte[] data = random(5_000);
    b.out.drop = f -> new String(f, StandardCharsets.UTF_8).contains("\"result\"");
    a.send(data);
    exchange();
    assertTrue(a.outcomes.isEmpty());
    b.out.drop = f -> false;
    now += FileSender.REOFFER_MS - 1;
    a.transfers.sweep(true);
    exchange();
    assertTrue(a.outcomes.isEmpty(), "not yet silent long enough");
    now += 2;
    a.transfers.sweep(false);
    exchange();
    assertTrue(a.outcomes.isEmpty(), "the link is not usable: no offer");
    a.transfers.sweep(true);
    exchange();
    assertTrue(a.outcomes.get(0).ok());
    assertEquals(1, b.received.size(), "the file is delivered once");
  }

  @Test
  void afterARecoveryTheReceiverSaysWhatItHolds_andNothingIsSentTwice() {
    byte[] data = random(16 * 1024);
    sendPartly(data, 6);
    // The link drops with frames in flight; the survivors are lost.
    a.out.queue.clear();
    assertEquals(1, b.transfers.downloads());
    a.out.capacity = 1_000;
    List<Long> offsets = acceptedOffsets(b);
    long[] resentBytes = {0};
    a.out.drop = f -> {
      if (f[0] == FileFrames.CHUNK) {
        resentBytes[0] += f.length - FileFrames.CHUNK_HEADER_BYTES;
      }
      return false;
    };
    a.transfers.linkRecovered();
    exchange();
    assertTrue(offsets.get(0) > 0, "the receiver asked for the rest only: " + offsets);
    assertEquals(data.length - offsets.get(0), resentBytes[0], "no byte the receiver held was sent again");
    assertArrayEquals(data, join(b.received.get(0).chunks()));
  }

  @Test
  void anInterruptedDownloadResumesWhenTheSameContentIsOfferedAgain() {
    byte[] data = random(30 * 1024);
    sendPartly(data, 10);
    a.transfers.remoteGone("peer-left");
    b.transfers.remoteGone("peer-left");
    assertEquals("peer-left", a.outcomes.get(0).code());
    a.out.queue.clear();
    b.out.queue.clear();
    a.out.capacity = 1_000;
    List<Long> offsets = acceptedOffsets(b);
    a.send(data);
    exchange();
    assertTrue(offsets.get(0) > 0, "resumed from the partial: " + offsets);
    assertArrayEquals(data, join(b.received.get(0).chunks()));
    assertTrue(a.outcomes.get(1).ok());
  }

  @Test
  void partialsExpire_andAtMostFourAreKept() {
    for (int i = 0; i < 5; i++) {
      sendPartly(random(8 * 1024 + i), 3);
      a.transfers.remoteGone("peer-left");
      b.transfers.remoteGone("peer-left");
      a.out.queue.clear();
      b.out.queue.clear();
    }
    FileReceiver receiver = receiverOf(b);
    assertEquals(FileReceiver.MAX_PARTIALS, receiver.partials());
    now += FileReceiver.PARTIAL_TTL_MS + 1;
    b.transfers.sweep(true);
    assertEquals(0, receiver.partials());
  }

  @Test
  void aFileOverTheLimitIsRefused() {
    b = new End(new FileLimits(1_000, 4, 2_000, 1024, "/unused"));
    a.send(random(1_001));
    exchange();
    assertEquals("file-rejected: file-too-large", a.outcomes.get(0).code());
    assertTrue(b.received.isEmpty());
  }

  @Test
  void tooManyConcurrentDownloadsAreBusy() {
    b = new End(new FileLimits(1 << 20, 1, 2 << 20, 1024, "/unused"));
    a.out.capacity = 2;
    a.send(random(10_000));
    a.send(random(10_000));
    deliver(a, b);
    deliver(b, a);
    a.out.capacity = 1_000;
    exchange();
    assertEquals(2, a.outcomes.size());
    assertTrue(a.outcomes.stream().anyMatch(o -> "file-rejected: busy".equals(o.code())), a.outcomes.toString());
    assertTrue(a.outcomes.stream().anyMatch(FileSender.Outcome::ok));
  }

  @Test
  void aWrongChecksumIsReportedToBothSides() {
    a.send(random(3_000), "0".repeat(64));
    exchange();
    assertFalse(b.received.get(0).ok());
    assertEquals("file-checksum-mismatch", a.outcomes.get(0).code());
  }

  @Test
  void anAcceptBeyondTheFileCancelsTheTransfer() {
    String id = a.send(random(100));
    a.transfers.onFrame(FileFrames.encode(new FileFrames.Accept(id, 101)));
    assertEquals("file-rejected", a.outcomes.get(0).code());
  }

  @Test
  void moreDataThanOfferedEndsTheDownload() {
    String id = "0123456789abcdef0123456789abcdef";
    b.transfers.onFrame(FileFrames.encode(new FileFrames.Offer(id, "x", 4, "t", "a".repeat(64), 1024)));
    b.transfers.onFrame(FileFrames.chunk(id, 0, new byte[8], 0, 8));
    assertEquals(0, b.transfers.downloads());
    assertTrue(new String(b.out.queue.getLast(), StandardCharsets.UTF_8).contains("more-data-than-offered"));
  }

  @Test
  void ordinaryAndMalformedFramesAreToldApart() {
    assertFalse(b.transfers.onFrame("hello".getBytes(StandardCharsets.UTF_8)));
    assertTrue(b.transfers.onFrame("{\"t\":\"end\",\"id\":\"nope\"}".getBytes(StandardCharsets.UTF_8)));
    assertEquals(1, b.transfers.malformedFrames());
    // Strays: frames for transfers nobody knows are dropped quietly.
    assertTrue(b.transfers.onFrame(FileFrames.chunk("0123456789abcdef0123456789abcdef", 0, new byte[1], 0, 1)));
    assertTrue(b.transfers.onFrame(FileFrames.encode(new FileFrames.Result("0123456789abcdef0123456789abcdef",
        true, "a".repeat(64)))));
    assertTrue(b.out.queue.isEmpty());
  }

  @Test
  void aCancelFromTheReceiverEndsTheUpload_andFromTheSenderKeepsAPartial() {
    String id = a.send(random(4_096));
    a.transfers.onFrame(FileFrames.encode(new FileFrames.Cancel(id, "declined")));
    assertEquals("file-rejected: declined", a.outcomes.get(0).code());
    a.out.queue.clear();

    String second = sendPartly(random(8_192), 3);
    b.transfers.onFrame(FileFrames.encode(new FileFrames.Cancel(second, "aborted")));
    assertEquals(0, b.transfers.downloads());
    assertEquals(1, receiverOf(b).partials());
  }

  @Test
  void limitsAreChecked() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new FileLimits(1, 1, 1, 100, "/d"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new FileLimits(1, 0, 1, 1024, "/d"));
    FileLimits parsed = FileLimits.from(new io.vertx.core.json.JsonObject().put("chunkSize", 2048));
    assertEquals(2048, parsed.chunkSize());
    assertEquals(FileLimits.defaults().maxFileBytes(), parsed.maxFileBytes());
  }

  /**
   * Starts a transfer through a channel that holds {@code capacity} frames and lets one round of it through:
   * the offer, the accept, then the chunks that fit. The receiver holds part of the file.
   */
  private String sendPartly(byte[] data, int capacity) {
    a.out.capacity = capacity;
    String id = a.send(data);
    deliver(a, b);
    deliver(b, a);
    deliver(a, b);
    return id;
  }

  /** Records the offset of every accept {@code receiver} sends (delivering them all). */
  private static List<Long> acceptedOffsets(End receiver) {
    List<Long> offsets = new ArrayList<>();
    receiver.out.drop = f -> {
      String text = new String(f, StandardCharsets.UTF_8);
      if (text.contains("\"accept\"")) {
        offsets.add(Long.parseLong(text.replaceAll(".*\"offset\":(\\d+).*", "$1")));
      }
      return false;
    };
    return offsets;
  }

  private static FileReceiver receiverOf(End end) {
    return end.transfers.receiver();
  }

  private static byte[] random(int n) {
    byte[] data = new byte[n];
    new Random(n).nextBytes(data);
    return data;
  }

  private static byte[] join(List<byte[]> chunks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    chunks.forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}

package io.peermesh.airelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AiStreamsTest {
  private long now = 1_000;
  private final AiStreams streams = new AiStreams(2, 4, 60_000, () -> now);

  @Test
  void limitsAnswersUnderWayPerClientAndInAll() throws Exception {
    AiStream first = streams.open("r", "alice", "a", "c1");
    streams.open("r", "alice", "b", "c1");
    assertEquals(AiErrorCode.BUSY, assertThrows(AiException.class, () -> streams.open("r", "alice", "c", "c1")).code());
    // Another client, and alice in another room, are not held back by alice's answers.
    streams.open("r", "bob", "a", "c2");
    first.end(new AiReply.Done("a", 0, "stop"), now);
    streams.open("r", "alice", "c", "c1");
    assertEquals(AiErrorCode.BUSY, assertThrows(AiException.class, () -> streams.open("r2", "alice", "x", "c3"))
        .code(), "the relay holds four answers");
  }

  @Test
  void anIdIsTakenWhileTheAnswerIsKeptAndFreeAfter() throws Exception {
    AiStream stream = streams.open("r", "alice", "a", "c1");
    assertEquals(AiErrorCode.DUPLICATE_ID,
        assertThrows(AiException.class, () -> streams.open("r", "alice", "a", "c1")).code());
    assertSame(stream, streams.get("r", "alice", "a"));
    assertEquals(AiErrorCode.UNKNOWN_STREAM, assertThrows(AiException.class, () -> streams.get("r", "bob", "a"))
        .code(), "one client cannot reach another's answer");
    stream.end(new AiReply.Done("a", 0, "stop"), now);
    now += 59_999;
    assertSame(stream, streams.get("r", "alice", "a"));
    now += 1;
    assertEquals(AiErrorCode.UNKNOWN_STREAM, assertThrows(AiException.class, () -> streams.get("r", "alice", "a"))
        .code());
    streams.open("r", "alice", "a", "c1");
  }

  @Test
  void piecesAreNumberedAndAResumeStartsOverFromWhatTheClientHolds() throws Exception {
    AiStream stream = streams.open("r", "alice", "a", "c1");
    stream.addText("Hel", 3);
    stream.addText("lo", 2);
    stream.end(new AiReply.Done("a", stream.size(), "stop"), now);
    assertEquals(5, stream.textBytes());
    assertEquals(3, stream.size());
    assertEquals("{\"type\":\"delta\",\"id\":\"a\",\"n\":1,\"text\":\"lo\"}",
        new String(stream.pieces(1, 1).get(0), StandardCharsets.UTF_8));
    stream.next = 3;
    stream.inFlight = true;
    long epoch = stream.epoch;
    stream.resumeTo("c9", 1);
    assertEquals("c9", stream.connection);
    assertEquals(1, stream.next);
    assertTrue(!stream.inFlight && stream.epoch > epoch, "a hand-over in flight is dropped");
    stream.resumeTo("c9", 99);
    assertEquals(3, stream.next, "a resume past the end sends nothing");
  }
}

package io.peermesh.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.testing.LogWatch;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The source router's uncommitted messages: what a node that missed some is sent again. */
class RouteLogTest {
  private final RouteLog log = new RouteLog(8, 1 << 20);

  private static InboundMessage message(long seq) {
    return new InboundMessage("room", "c1", "alice", "code-sync", seq, new byte[] {(byte) seq});
  }

  private static List<String> seqs(List<RouteLog.Resend> resends) {
    return resends.stream().map(r -> r.message().seq() + (r.start() ? " start" : "")).toList();
  }

  @Test
  void eachNodeStartsItsCountWithTheFirstMessageItIsSent() {
    assertEquals(Set.of("n2"), log.sent(message(1), 0, Set.of("n2")));
    assertEquals(Set.of("n3"), log.sent(message(2), 0, Set.of("n2", "n3")), "n3 joined the room");
    assertEquals(Set.of(), log.sent(message(3), 0, Set.of("n2", "n3")));
    assertEquals(Set.of("n2", "n3"), log.sent(message(1), 1, Set.of("n2", "n3")), "a new numbering");
    log.nodeGone("n3", "room");
    assertEquals(Set.of("n3"), log.sent(message(2), 1, Set.of("n2", "n3")), "n3 left the room and came back");
  }

  @Test
  void aGapIsFilledWithWhatTheNodeWasSentAfterItUntilCommitted() {
    log.sent(message(1), 0, Set.of("n2"));
    for (long seq = 2; seq <= 5; seq++) {
      log.sent(message(seq), 0, Set.of("n2", "n3"));
    }
    assertEquals(List.of("3", "4", "5"), seqs(log.resend("n2", "c1", "code-sync", 0, 2)));
    assertEquals(List.of("2 start", "3", "4", "5"), seqs(log.resend("n3", "c1", "code-sync", 0, -1)),
        "a node that knows nothing of the source starts with the first it was sent");
    log.committed("c1", "code-sync", 0, 3);
    assertEquals(2, log.kept());
    assertEquals(List.of(), seqs(log.resend("n2", "c1", "code-sync", 0, 5)), "nothing missing");
  }

  @Test
  void whatIsNoLongerKeptIsSkippedOnceAndSaidSo() {
    try (LogWatch warned = new LogWatch("io.peermesh.router.RouteLog", "are not kept here")) {
      for (long seq = 1; seq <= 12; seq++) {
        log.sent(message(seq), 0, Set.of("n2"));
      }
      assertEquals(8, log.kept(), "at most 8 kept per source");
      assertEquals(List.of("5 start", "6", "7", "8", "9", "10", "11", "12"),
          seqs(log.resend("n2", "c1", "code-sync", 0, 1)));
      assertEquals(1, warned.seen().size());
      assertTrue(warned.seen().get(0).contains("2-4 are not kept here"), warned.seen().get(0));
    }
    log.committed("c1", "code-sync", 0, 12);
    assertEquals(List.of(), log.resend("n2", "c1", "code-sync", 0, 3));
    assertEquals(Set.of("n2"), log.sent(message(13), 0, Set.of("n2")),
        "nothing left to send after 3: the next message tells the node to go on from it");
    assertEquals(List.of(), log.resend("n2", "c1", "code-sync", 7, 3), "an old numbering");
    log.sent(message(14), 0, Set.of("n2"));
    List<RouteLog.Resend> current = log.resend("n2", "c1", "code-sync", 7, -1);
    assertEquals(List.of("13 start", "14"), seqs(current), "a node that knows nothing gets the current numbering");
    assertEquals(0, current.get(0).generation());
    log.forget("c1");
    assertEquals(0, log.kept());
  }

  @Test
  void keptBytesAreBoundedTooAndTheLastMessageSentToANodeIsItsProbe() {
    RouteLog small = new RouteLog(100, 3);
    for (long seq = 1; seq <= 5; seq++) {
      small.sent(message(seq), 0, seq == 5 ? Set.of("n3") : Set.of("n2", "n3"));
    }
    assertEquals(3, small.kept(), "one byte each, three bytes kept");
    assertEquals(4, small.lastSentTo("n2", "c1", "code-sync", 0).seq());
    assertEquals(5, small.lastSentTo("n3", "c1", "code-sync", 0).seq());
    assertNull(small.lastSentTo("n3", "c1", "code-sync", 1), "another numbering");
    assertNull(small.lastSentTo("n4", "c1", "code-sync", 0));
  }
}

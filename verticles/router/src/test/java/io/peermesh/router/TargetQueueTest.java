package io.peermesh.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.router.TargetQueue.Offer;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetQueueTest {

  /** The next message a run would start with; null when nothing waits. */
  private static InboundMessage head(TargetQueue queue) {
    List<InboundMessage> run = queue.peekRun(1, Long.MAX_VALUE);
    return run.isEmpty() ? null : run.get(0);
  }

  static InboundMessage message(String source, String channel, int n) {
    return new InboundMessage("room", source, "client-of-" + source, channel, n, new byte[] {(byte) n});
  }

  @Test
  void reliableChannelsKeepEveryMessageInOrder() {
    TargetQueue queue = new TargetQueue(10);
    InboundMessage first = message("a", "code-sync", 1);
    InboundMessage second = message("b", "code-sync", 2);
    assertEquals(Offer.QUEUED, queue.offer(first));
    assertEquals(Offer.QUEUED, queue.offer(second));
    assertSame(first, head(queue));
    assertSame(first, head(queue), "peek leaves it in place");
    queue.remove(List.of(first), 1);
    assertSame(second, head(queue));
    queue.remove(List.of(second), 1);
    assertNull(head(queue));
    assertTrue(queue.isEmpty());
  }

  @Test
  void theMostUrgentChannelGoesFirst() {
    TargetQueue queue = new TargetQueue(10);
    InboundMessage presence = message("a", "presence", 1);
    InboundMessage cursor = message("a", "cursor-pos", 2);
    InboundMessage ai = message("a", "ai-stream", 3);
    queue.offer(presence);
    queue.offer(cursor);
    queue.offer(ai);
    assertSame(ai, head(queue), "critical before high");
    queue.remove(List.of(ai), 1);
    assertSame(cursor, head(queue), "high before normal");
    queue.remove(List.of(cursor), 1);
    assertSame(presence, head(queue));
  }

  @Test
  void cursorPositionsKeepOnlyTheLatestOfEachSourceAndTakeTurns() {
    TargetQueue queue = new TargetQueue(10);
    assertEquals(Offer.QUEUED, queue.offer(message("a", "cursor-pos", 1)));
    assertEquals(Offer.QUEUED, queue.offer(message("b", "cursor-pos", 2)));
    InboundMessage latestOfA = message("a", "cursor-pos", 3);
    assertEquals(Offer.REPLACED, queue.offer(latestOfA));
    assertEquals(2, queue.size());
    InboundMessage head = head(queue);
    assertEquals("b", head.connection(), "a source that moved again goes behind the others");
    queue.remove(List.of(head), 1);
    assertSame(latestOfA, head(queue));
  }

  @Test
  void aCursorReplacedWhileItsPredecessorWasInFlightStays() {
    TargetQueue queue = new TargetQueue(10);
    InboundMessage inFlight = message("a", "cursor-pos", 1);
    queue.offer(inFlight);
    assertSame(inFlight, head(queue));
    InboundMessage newer = message("a", "cursor-pos", 2);
    queue.offer(newer);
    queue.remove(List.of(inFlight), 1);
    assertSame(newer, head(queue));
  }

  @Test
  void reliableMessagesPastTheBoundOverflowButCursorsDoNotCount() {
    TargetQueue queue = new TargetQueue(2);
    assertEquals(Offer.QUEUED, queue.offer(message("a", "code-sync", 1)));
    assertEquals(Offer.QUEUED, queue.offer(message("a", "presence", 2)));
    assertEquals(Offer.OVERFLOW, queue.offer(message("a", "ai-stream", 3)));
    assertEquals(Offer.QUEUED, queue.offer(message("a", "cursor-pos", 4)));
    assertEquals(3, queue.size());
  }

  @Test
  void filesAndUnknownChannelsAreNotRouted() {
    TargetQueue queue = new TargetQueue(2);
    assertEquals(Offer.NOT_ROUTED, queue.offer(message("a", "files", 1)));
    assertEquals(Offer.NOT_ROUTED, queue.offer(message("a", "smoke-signals", 1)));
    assertTrue(queue.isEmpty());
  }

  @Test
  void removingWhatIsNotAtTheHeadChangesNothing() {
    TargetQueue queue = new TargetQueue(10);
    InboundMessage first = message("a", "code-sync", 1);
    InboundMessage second = message("a", "code-sync", 2);
    queue.offer(first);
    queue.offer(second);
    queue.remove(List.of(second), 1);
    queue.remove(List.of(message("a", "presence", 3)), 1);
    assertEquals(2, queue.size());
    assertSame(first, head(queue));
  }

  @Test
  void aRunHoldsConsecutiveMessagesOfTheMostUrgentChannelWithinItsBounds() {
    TargetQueue queue = new TargetQueue(100);
    for (int i = 1; i <= 5; i++) {
      queue.offer(message("a", "code-sync", i));
    }
    queue.offer(message("a", "presence", 6));
    List<InboundMessage> run = queue.peekRun(3, Long.MAX_VALUE);
    assertEquals(List.of(1L, 2L, 3L), run.stream().map(InboundMessage::seq).toList());
    assertEquals(List.of(1L, 2L), queue.peekRun(10, 2).stream().map(InboundMessage::seq).toList(), "1 byte each");
    queue.remove(run, 2);
    assertEquals(List.of(3L, 4L, 5L), queue.peekRun(10, Long.MAX_VALUE).stream().map(InboundMessage::seq).toList(),
        "only code-sync: a run never mixes channels");
    assertEquals(4, queue.size());
  }

  @Test
  void aMessageLargerThanTheByteBoundStillGoesAlone() {
    TargetQueue queue = new TargetQueue(10);
    InboundMessage big = new InboundMessage("room", "a", "client", "code-sync", 1, new byte[100]);
    queue.offer(big);
    queue.offer(message("a", "code-sync", 2));
    assertEquals(List.of(big), queue.peekRun(10, 50));
  }

  @Test
  void cursorsGoOneAtATimeEachSourceInTurn() {
    TargetQueue queue = new TargetQueue(10);
    queue.offer(message("a", "cursor-pos", 1));
    queue.offer(message("b", "cursor-pos", 2));
    List<InboundMessage> run = queue.peekRun(10, Long.MAX_VALUE);
    assertEquals(List.of("a"), run.stream().map(InboundMessage::connection).toList());
    queue.remove(run, 1);
    assertEquals("b", head(queue).connection());
  }

  @Test
  void codeSyncAndAiStreamTakeTurns() {
    TargetQueue queue = new TargetQueue(100);
    for (int i = 1; i <= 3; i++) {
      queue.offer(message("a", "code-sync", i));
      queue.offer(message("a", "ai-stream", 10 + i));
    }
    List<String> served = new java.util.ArrayList<>();
    while (!queue.isEmpty()) {
      List<InboundMessage> run = queue.peekRun(1, Long.MAX_VALUE);
      served.add(run.get(0).channel());
      queue.remove(run, 1);
    }
    assertEquals(List.of("code-sync", "ai-stream", "code-sync", "ai-stream", "code-sync", "ai-stream"), served);
  }
}

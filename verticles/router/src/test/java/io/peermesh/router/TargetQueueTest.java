package io.peermesh.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.router.TargetQueue.Offer;
import io.peermesh.shared.bus.BusMessages.RoutedMessage;
import org.junit.jupiter.api.Test;

class TargetQueueTest {

  static RoutedMessage message(String source, String channel, int n) {
    return new RoutedMessage("room", source, "client-of-" + source, channel, n, new byte[] {(byte) n});
  }

  @Test
  void reliableChannelsKeepEveryMessageInOrder() {
    TargetQueue queue = new TargetQueue(10);
    RoutedMessage first = message("a", "code-sync", 1);
    RoutedMessage second = message("b", "code-sync", 2);
    assertEquals(Offer.QUEUED, queue.offer(first));
    assertEquals(Offer.QUEUED, queue.offer(second));
    assertSame(first, queue.peek());
    assertSame(first, queue.peek(), "peek leaves it in place");
    queue.remove(first);
    assertSame(second, queue.peek());
    queue.remove(second);
    assertNull(queue.peek());
    assertTrue(queue.isEmpty());
  }

  @Test
  void theMostUrgentChannelGoesFirst() {
    TargetQueue queue = new TargetQueue(10);
    RoutedMessage presence = message("a", "presence", 1);
    RoutedMessage cursor = message("a", "cursor-pos", 2);
    RoutedMessage ai = message("a", "ai-stream", 3);
    queue.offer(presence);
    queue.offer(cursor);
    queue.offer(ai);
    assertSame(ai, queue.peek(), "critical before high");
    queue.remove(ai);
    assertSame(cursor, queue.peek(), "high before normal");
    queue.remove(cursor);
    assertSame(presence, queue.peek());
  }

  @Test
  void cursorPositionsKeepOnlyTheLatestOfEachSourceAndTakeTurns() {
    TargetQueue queue = new TargetQueue(10);
    assertEquals(Offer.QUEUED, queue.offer(message("a", "cursor-pos", 1)));
    assertEquals(Offer.QUEUED, queue.offer(message("b", "cursor-pos", 2)));
    RoutedMessage latestOfA = message("a", "cursor-pos", 3);
    assertEquals(Offer.REPLACED, queue.offer(latestOfA));
    assertEquals(2, queue.size());
    RoutedMessage head = queue.peek();
    assertEquals("b", head.connection(), "a source that moved again goes behind the others");
    queue.remove(head);
    assertSame(latestOfA, queue.peek());
  }

  @Test
  void aCursorReplacedWhileItsPredecessorWasInFlightStays() {
    TargetQueue queue = new TargetQueue(10);
    RoutedMessage inFlight = message("a", "cursor-pos", 1);
    queue.offer(inFlight);
    assertSame(inFlight, queue.peek());
    RoutedMessage newer = message("a", "cursor-pos", 2);
    queue.offer(newer);
    queue.remove(inFlight);
    assertSame(newer, queue.peek());
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
    RoutedMessage first = message("a", "code-sync", 1);
    RoutedMessage second = message("a", "code-sync", 2);
    queue.offer(first);
    queue.offer(second);
    queue.remove(second);
    queue.remove(message("a", "presence", 3));
    assertEquals(2, queue.size());
    assertSame(first, queue.peek());
  }
}

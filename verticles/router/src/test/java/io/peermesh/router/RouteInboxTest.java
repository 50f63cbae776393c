package io.peermesh.router;

import static io.peermesh.router.RouteInbox.Verdict.DELIVER;
import static io.peermesh.router.RouteInbox.Verdict.DUPLICATE;
import static io.peermesh.router.RouteInbox.Verdict.GAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The receiving router's count of another node's source: in order, once, and gaps asked about. */
class RouteInboxTest {
  private long now;
  private final RouteInbox inbox = new RouteInbox(100, () -> now);

  private RouteInbox.Verdict accept(long generation, long seq, boolean start) {
    return inbox.accept("n1", "room", "c1", "code-sync", generation, seq, start);
  }

  @Test
  void messagesAreHandedOnInOrderOnceFromTheStartTheSourceMarks() {
    assertEquals(DELIVER, accept(0, 7, true), "the source's first message to this node starts the count");
    assertEquals(DELIVER, accept(0, 8, false));
    assertEquals(DUPLICATE, accept(0, 8, false), "sent again: not handed on twice");
    assertEquals(DUPLICATE, accept(0, 7, true), "a start already counted past is a duplicate too");
    assertEquals(8, inbox.last("n1", "c1", "code-sync"));
    assertEquals(DELIVER, accept(0, 9, false));
  }

  @Test
  void aGapIsNotSkippedNorAcknowledgedAndIsAskedAboutAtMostOncePerInterval() {
    accept(0, 1, true);
    assertEquals(GAP, accept(0, 3, false), "2 was lost between the nodes");
    assertEquals(1, inbox.last("n1", "c1", "code-sync"), "what is acknowledged stays below the gap");
    assertTrue(inbox.shouldAsk("n1", "c1", "code-sync"));
    assertEquals(GAP, accept(0, 4, false));
    assertFalse(inbox.shouldAsk("n1", "c1", "code-sync"), "asked already");
    now += 100;
    assertTrue(inbox.shouldAsk("n1", "c1", "code-sync"), "asked again once the interval passed");
    // The resend: 2, 3 and 4 in order.
    assertEquals(DELIVER, accept(0, 2, false));
    assertEquals(DELIVER, accept(0, 3, false));
    assertEquals(DELIVER, accept(0, 4, false));
    assertEquals(GAP, accept(0, 6, false));
    assertTrue(inbox.shouldAsk("n1", "c1", "code-sync"), "a new gap is asked about at once");
  }

  @Test
  void aSourceNotCountedYetOrANewNumberingWaitsForItsStart() {
    assertEquals(GAP, accept(0, 5, false), "the first message sent here was lost: ask for everything");
    assertEquals(-1, inbox.last("n1", "c1", "code-sync"));
    assertEquals(DELIVER, accept(0, 4, true));
    assertEquals(DELIVER, accept(0, 5, false));
    assertEquals(GAP, accept(1, 1, false), "a new numbering whose first message was lost");
    assertEquals(-1, inbox.last("n1", "c1", "code-sync"));
    assertEquals(DELIVER, accept(1, 1, true));
    assertEquals(DELIVER, accept(1, 9, true), "the source no longer holds 2-8: it says to go on from 9");
  }

  @Test
  void countsAreForgottenWithTheirNodeOrRoom() {
    accept(0, 1, true);
    inbox.accept("n2", "other", "c2", "code-sync", 0, 1, true);
    inbox.nodeGone("n1");
    assertEquals(1, inbox.counted());
    inbox.roomGone("other");
    assertEquals(0, inbox.counted());
  }

  @Test
  void countsOfQuietSourcesExpire() {
    accept(0, 1, true);
    now += 50;
    inbox.accept("n2", "room", "c2", "code-sync", 0, 1, true);
    now += 60;
    inbox.expireIdle(100);
    assertEquals(1, inbox.counted(), "the first source was quiet for 110, the second for 60");
    assertEquals(GAP, accept(0, 2, false), "it speaks again: its router is asked for what it holds");
  }
}

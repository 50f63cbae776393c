package io.peermesh.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommitTrackerTest {
  private long now;
  private final List<String> commits = new ArrayList<>();
  private final CommitTracker tracker = new CommitTracker(1_000, () -> now,
      (connection, channel, generation, upTo) -> commits.add(connection + " " + channel + " g" + generation + " " + upTo));

  @Test
  void aRoomRoutedHereAloneCommitsAtOnce() {
    tracker.sent("r", "c1", "code-sync", 0, 1, Set.of());
    tracker.sent("r", "c1", "code-sync", 0, 2, Set.of());
    tracker.flush();
    assertEquals(List.of("c1 code-sync g0 2"), commits, "one commit for the burst");
    assertFalse(tracker.waiting());
  }

  @Test
  void aMessageIsCommittedOnceEveryNodeItWentToHoldsIt() {
    for (long seq = 1; seq <= 5; seq++) {
      tracker.sent("r", "c1", "code-sync", 0, seq, Set.of("n2", "n3"));
    }
    tracker.flush();
    assertEquals(List.of(), commits);
    assertTrue(tracker.waiting());
    tracker.acked("n2", "c1", "code-sync", 0, 5);
    tracker.acked("n3", "c1", "code-sync", 0, 3);
    tracker.flush();
    assertEquals(List.of("c1 code-sync g0 3"), commits, "n3 holds up to 3");
    // A node that joins the room later holds back only what it was sent.
    tracker.sent("r", "c1", "code-sync", 0, 6, Set.of("n2", "n3", "n4"));
    tracker.acked("n3", "c1", "code-sync", 0, 6);
    tracker.acked("n2", "c1", "code-sync", 0, 6);
    tracker.flush();
    assertEquals(1, commits.size(), "n4, which has acknowledged nothing yet, holds 6 back");
    tracker.acked("n4", "c1", "code-sync", 0, 6);
    tracker.flush();
    assertEquals("c1 code-sync g0 6", commits.get(1));
    // Acknowledgements of another numbering, or from nowhere, change nothing.
    tracker.sent("r", "c1", "code-sync", 0, 7, Set.of("n2"));
    tracker.acked("n2", "c1", "code-sync", 1, 7);
    tracker.acked("n9", "c1", "code-sync", 0, 7);
    tracker.flush();
    assertEquals(2, commits.size());
  }

  @Test
  void aNodeThatLeavesTheRoomOrTheClusterHoldsNothingBack() {
    tracker.sent("r", "c1", "code-sync", 0, 1, Set.of("n2", "n3"));
    tracker.sent("other", "c2", "ai-stream", 0, 1, Set.of("n2"));
    tracker.nodeGone("n2", "r");
    tracker.flush();
    assertEquals(List.of(), commits, "n3 still owes 1");
    tracker.nodeGone("n3", null);
    tracker.flush();
    assertEquals(List.of("c1 code-sync g0 1"), commits);
    tracker.nodeGone("n2", null);
    tracker.flush();
    assertEquals(List.of("c1 code-sync g0 1", "c2 ai-stream g0 1"), commits);
  }

  @Test
  void aStuckNodeIsPassedOverAfterTheTimeoutUntilItAcknowledgesAgain() {
    tracker.sent("r", "c1", "code-sync", 0, 1, Set.of("n2"));
    now += 1_000;
    tracker.passOverStuck();
    assertEquals(List.of(), commits, "not past the timeout yet");
    now += 1;
    tracker.passOverStuck();
    assertEquals(List.of("c1 code-sync g0 1"), commits);
    // Passed over, it holds nothing back while it stays silent: no stall per timeout.
    tracker.sent("r", "c1", "code-sync", 0, 2, Set.of("n2"));
    tracker.flush();
    assertEquals("c1 code-sync g0 2", commits.get(commits.size() - 1));
    // Back (it acknowledges): from then on it counts again.
    tracker.acked("n2", "c1", "code-sync", 0, 2);
    tracker.sent("r", "c1", "code-sync", 0, 3, Set.of("n2"));
    tracker.flush();
    assertEquals(2, commits.size(), "3 waits for n2 again");
    tracker.acked("n2", "c1", "code-sync", 0, 3);
    tracker.flush();
    assertEquals("c1 code-sync g0 3", commits.get(commits.size() - 1));
    // A node that keeps acknowledging is never passed over, however long the stream.
    tracker.sent("r", "c1", "code-sync", 0, 4, Set.of("n3"));
    for (long seq = 5; seq < 12; seq++) {
      now += 600;
      tracker.acked("n3", "c1", "code-sync", 0, seq - 1);
      tracker.sent("r", "c1", "code-sync", 0, seq, Set.of("n3"));
      tracker.passOverStuck();
    }
    assertEquals("c1 code-sync g0 10", commits.get(commits.size() - 1));
  }

  @Test
  void aNewNumberingStartsAfreshAndAForgottenSourceIsNotCommitted() {
    tracker.sent("r", "c1", "code-sync", 0, 7, Set.of("n2"));
    tracker.sent("r", "c1", "code-sync", 1, 1, Set.of("n2"));
    tracker.acked("n2", "c1", "code-sync", 0, 7);
    tracker.acked("n2", "c1", "code-sync", 1, 1);
    tracker.flush();
    assertEquals(List.of("c1 code-sync g1 1"), commits);
    tracker.sent("r", "c1", "code-sync", 1, 2, Set.of());
    tracker.forget("c1");
    tracker.flush();
    assertEquals(1, commits.size());
  }

  @Test
  void whatANodeHasNotAcknowledgedForAWhileIsSentAgainOncePerWait() {
    List<String> resent = new ArrayList<>();
    CommitTracker.Resender resender = (node, connection, channel, generation, acked) ->
        resent.add(node + " " + connection + " g" + generation + " after " + acked);
    for (long seq = 1; seq <= 4; seq++) {
      tracker.sent("r", "c1", "code-sync", 2, seq, Set.of("n2", "n3"));
    }
    tracker.acked("n2", "c1", "code-sync", 2, 4);
    tracker.acked("n3", "c1", "code-sync", 2, 2);
    now += 200;
    tracker.resendOverdue(250, resender);
    assertEquals(List.of(), resent, "not overdue yet");
    now += 100;
    tracker.resendOverdue(250, resender);
    assertEquals(List.of("n3 c1 g2 after 2"), resent, "n2 holds everything; n3 is sent what follows 2");
    now += 100;
    tracker.resendOverdue(250, resender);
    assertEquals(1, resent.size(), "not again within the same wait");
    now += 200;
    tracker.resendOverdue(250, resender);
    assertEquals(2, resent.size(), "again once another wait passed");
    tracker.acked("n3", "c1", "code-sync", 2, 4);
    now += 1_000;
    tracker.resendOverdue(250, resender);
    assertEquals(2, resent.size(), "nothing left to send");
  }
}

package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SilenceJudgeTest {
  private static final long MS = 1_000_000;

  @Test
  void silenceBeyondTheLimitOnATimelyCheckMeansLost() {
    SilenceJudge judge = new SilenceJudge(250 * MS, 1_500 * MS, 0);
    assertFalse(judge.lost(250 * MS, 1_500 * MS), "at the limit, not beyond");
    assertTrue(judge.lost(500 * MS, 1_501 * MS));
  }

  @Test
  void aLateCheckGivesNoVerdict_theNextTimelyOneDoes() {
    SilenceJudge judge = new SilenceJudge(250 * MS, 1_500 * MS, 0);
    assertFalse(judge.lost(1_400 * MS, 2_000 * MS), "the check itself was 1.15 s late: we were stalled");
    assertTrue(judge.lost(1_650 * MS, 2_250 * MS), "still silent one period later: lost");
    assertFalse(judge.lost(1_900 * MS, 100 * MS), "heard recently");
  }
}

package io.peermesh.airelay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AiHistoryTest {
  private static AiHistory.Turn turn(int i) {
    return new AiHistory.Turn("q" + i, "a" + i);
  }

  @Test
  void keepsTheLastTurnsOfEachClientWithinItsBytes() {
    AiHistory history = new AiHistory(3, 20, 10);
    for (int i = 0; i < 5; i++) {
      history.add("r", "alice", turn(i));
    }
    assertEquals(List.of(turn(2), turn(3), turn(4)), history.turns("r", "alice"), "the three latest");
    assertEquals(List.of(), history.turns("r", "bob"));
    assertEquals(List.of(), history.turns("other-room", "alice"), "a conversation belongs to its room");
    history.add("r", "alice", new AiHistory.Turn("long question", "ok"));
    assertEquals(List.of(turn(4), new AiHistory.Turn("long question", "ok")), history.turns("r", "alice"),
        "the oldest go first past 20 bytes");
    history.add("r", "alice", new AiHistory.Turn("x".repeat(30), "y"));
    assertEquals(List.of(), history.turns("r", "alice"), "a turn over the bound is not kept either");
  }

  @Test
  void forgetsTheClientsThatAskedLeastRecentlyAndCanBeOff() {
    AiHistory history = new AiHistory(2, 1_000, 2);
    history.add("r", "alice", turn(1));
    history.add("r", "bob", turn(2));
    history.turns("r", "alice");
    history.add("r", "carol", turn(3));
    assertEquals(2, history.clients());
    assertEquals(List.of(), history.turns("r", "bob"), "bob asked least recently");
    assertEquals(List.of(turn(1)), history.turns("r", "alice"));

    AiHistory off = new AiHistory(0, 1_000, 2);
    off.add("r", "alice", turn(1));
    assertEquals(List.of(), off.turns("r", "alice"));
  }

  @Test
  void aCopiedConversationIsTakenWithinTheBoundsAndNeverOverOneHeldHere() {
    AiHistory history = new AiHistory(2, 1_000, 10);
    assertEquals(false, history.knows("r", "alice"));
    history.restore("r", "alice", List.of(turn(1), turn(2), turn(3)));
    assertEquals(true, history.knows("r", "alice"));
    assertEquals(List.of(turn(2), turn(3)), history.turns("r", "alice"), "the two latest");
    history.add("r", "bob", turn(7));
    history.restore("r", "bob", List.of(turn(1)));
    assertEquals(List.of(turn(7)), history.turns("r", "bob"), "what is held here is newer");
    history.restore("r", "carol", List.of());
    assertEquals(true, history.knows("r", "carol"), "known, with nothing yet: not read again");
  }
}

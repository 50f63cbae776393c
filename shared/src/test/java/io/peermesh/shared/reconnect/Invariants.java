package io.peermesh.shared.reconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** Properties every outcome of the machine must have, checked after each event in the tests. */
final class Invariants {
  private Invariants() {}

  static void check(MachineState before, Outcome outcome) {
    Transition t = outcome.transition();
    MachineState after = outcome.state();
    assertEquals(before.state(), t.from(), "transition starts where the machine was");
    List<Effect.EmitStatus> statuses = t.effects().stream()
        .filter(Effect.EmitStatus.class::isInstance).map(Effect.EmitStatus.class::cast).toList();
    if (t.changed()) {
      // Exactly one status, last, describing this very change with the new id.
      assertEquals(1, statuses.size(), () -> "one EmitStatus in " + t.effects());
      assertEquals(new Effect.EmitStatus(t.from(), t.to(), after.lastReason(), after.attempt()),
          t.effects().get(t.effects().size() - 1));
    } else {
      assertTrue(statuses.isEmpty(), () -> "no EmitStatus without a state change: " + t.effects());
    }
    if (t.stale() || t.effects().isEmpty()) {
      assertSame(before, after, "ignored events leave the state object untouched");
    } else {
      assertEquals(before.attempt() + 1, after.attempt(), "every effective transition issues a new id");
    }
    for (Effect effect : t.effects()) {
      long id = idOf(effect);
      if (id >= 0) {
        assertEquals(after.attempt(), id, () -> "effects carry the new id: " + effect);
      }
    }
    long timers = t.effects().stream().filter(Effect.ScheduleTimer.class::isInstance).count();
    assertTrue(timers <= 1, "at most one timer is ever pending");
    assertFalse(after.state().isTerminal() && timers > 0, "terminal states arm no timer");
  }

  private static long idOf(Effect effect) {
    if (effect instanceof Effect.ScheduleTimer e) {
      return e.attempt();
    }
    if (effect instanceof Effect.StartIceRestart e) {
      return e.attempt();
    }
    if (effect instanceof Effect.StartRelayOnly e) {
      return e.attempt();
    }
    if (effect instanceof Effect.StartNewConnection e) {
      return e.attempt();
    }
    return -1;
  }
}

package io.peermesh.shared.reconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.reconnect.ConnectionEvent.AttemptFailed;
import io.peermesh.shared.reconnect.ConnectionEvent.AttemptScoped;
import io.peermesh.shared.reconnect.ConnectionEvent.AttemptTimedOut;
import io.peermesh.shared.reconnect.ConnectionEvent.Close;
import io.peermesh.shared.reconnect.ConnectionEvent.Connected;
import io.peermesh.shared.reconnect.ConnectionEvent.GraceExpired;
import io.peermesh.shared.reconnect.ConnectionEvent.ProbeDue;
import io.peermesh.shared.reconnect.ConnectionEvent.ProbeSucceeded;
import io.peermesh.shared.reconnect.ConnectionEvent.RetryDue;
import io.peermesh.shared.reconnect.ConnectionEvent.Start;
import io.peermesh.shared.reconnect.ConnectionEvent.TransportLost;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * Walks every (state, event type) pair. The expected outcomes are spelled out below so that a change to the
 * machine's table cannot go unnoticed: cells name the target state, "noop" (legal, nothing to do) or "-"
 * (IllegalTransitionException). DEGRADED has two rows because probe events are guarded by whether a probe
 * is in flight.
 */
class TransitionTableTest {

  private static final String EXPECTED = """
      row               Start       Connected  TransportLost  AttemptFailed  GraceExpired    RetryDue        AttemptTimedOut  ProbeDue  ProbeSucceeded  Close
      IDLE              CONNECTING  -          -              -              -               -               -                -         -               CLOSED
      CONNECTING        -           CONNECTED  -              BACKOFF        -               -               BACKOFF          -         -               CLOSED
      CONNECTED         -           -          DISCONNECTED   -              -               -               -                -         -               CLOSED
      DISCONNECTED      -           CONNECTED  noop           -              ICE_RESTARTING  -               -                -         -               CLOSED
      ICE_RESTARTING    -           CONNECTED  -              BACKOFF        -               -               BACKOFF          -         -               CLOSED
      BACKOFF           -           CONNECTED  -              -              -               ICE_RESTARTING  -                -         -               CLOSED
      RELAY_ONLY        -           CONNECTED  -              BACKOFF        -               -               BACKOFF          -         -               CLOSED
      RECONNECTING      -           CONNECTED  -              BACKOFF        -               -               BACKOFF          -         -               CLOSED
      DEGRADED/waiting  -           CONNECTED  -              -              -               -               -                DEGRADED  -               CLOSED
      DEGRADED/probing  -           CONNECTED  -              DEGRADED       -               -               DEGRADED         -         CONNECTED       CLOSED
      FAILED            -           -          -              -              -               -               -                -         -               noop
      CLOSED            -           -          -              -              -               -               -                -         -               noop
      """;

  /** One representative instance per event type, built for a given current attempt id. */
  private static final Map<String, LongFunction<ConnectionEvent>> EVENTS = new LinkedHashMap<>();

  static {
    EVENTS.put("Start", id -> new Start());
    EVENTS.put("Connected", Connected::new);
    EVENTS.put("TransportLost", id -> new TransportLost("ice disconnected"));
    EVENTS.put("AttemptFailed", id -> new AttemptFailed(id, "dtls failed"));
    EVENTS.put("GraceExpired", GraceExpired::new);
    EVENTS.put("RetryDue", RetryDue::new);
    EVENTS.put("AttemptTimedOut", AttemptTimedOut::new);
    EVENTS.put("ProbeDue", ProbeDue::new);
    EVENTS.put("ProbeSucceeded", ProbeSucceeded::new);
    EVENTS.put("Close", id -> new Close("peer left"));
  }

  @Test
  void everyStateAndEventTypePairMatchesTheExpectedTable() {
    Map<String, Map<String, String>> expected = parse();
    assertEquals(new ArrayList<>(EVENTS.keySet()), columns(), "one column per event type, in order");
    assertEquals(Set.of(ConnectionState.values()), statesOf(expected.keySet()), "a row for every state");
    int pairs = 0;
    for (Map.Entry<String, Map<String, String>> row : expected.entrySet()) {
      Driver driver = reach(row.getKey());
      for (Map.Entry<String, String> cell : row.getValue().entrySet()) {
        ConnectionEvent event = EVENTS.get(cell.getKey()).apply(driver.state.attempt());
        assertCell(driver, row.getKey(), event, cell.getValue());
        pairs++;
      }
    }
    assertEquals(12 * 10, pairs);
  }

  @Test
  void machineTableIsExactlyTheUnionOfTheExpectedRows() {
    Map<ConnectionState, Set<Class<? extends ConnectionEvent>>> union = new EnumMap<>(ConnectionState.class);
    parse().forEach((row, cells) -> cells.forEach((eventName, cell) -> {
      Set<Class<? extends ConnectionEvent>> legal =
          union.computeIfAbsent(ConnectionState.valueOf(row.split("/")[0]), s -> new HashSet<>());
      if (!cell.equals("-")) {
        legal.add(EVENTS.get(eventName).apply(1).getClass());
      }
    }));
    for (ConnectionState state : ConnectionState.values()) {
      assertEquals(names(union.get(state)), names(ReconnectStateMachine.legalEvents().get(state)), state.name());
    }
  }

  private static Set<String> names(Set<Class<? extends ConnectionEvent>> types) {
    Set<String> names = new TreeSet<>();
    types.forEach(type -> names.add(type.getSimpleName()));
    return names;
  }

  @Test
  void staleVariantsOfAttemptScopedEventsAreDroppedInEveryStateNotRejected() {
    int checked = 0;
    for (String row : parse().keySet()) {
      Driver driver = reach(row);
      long current = driver.state.attempt();
      if (current == 0) {
        continue; // IDLE: no id has been issued yet, so nothing can be stale
      }
      for (LongFunction<ConnectionEvent> factory : EVENTS.values()) {
        ConnectionEvent event = factory.apply(current - 1);
        if (event instanceof AttemptScoped) {
          Outcome outcome = driver.machine.apply(driver.state, event, driver.now);
          assertTrue(outcome.transition().stale(), () -> row + " " + event);
          assertSame(driver.state, outcome.state(), () -> row + " " + event);
          assertTrue(outcome.effects().isEmpty(), () -> row + " " + event);
          checked++;
        }
      }
    }
    assertEquals(11 * 7, checked, "7 attempt-scoped event types in the 11 rows after IDLE");
  }

  @Test
  void idsThatWereNeverIssuedAreIllegalEvenWhereTheEventTypeIsLegal() {
    Driver driver = reach("ICE_RESTARTING");
    long future = driver.state.attempt() + 1;
    IllegalTransitionException e = assertThrows(IllegalTransitionException.class,
        () -> driver.machine.apply(driver.state, new AttemptFailed(future, "x"), driver.now));
    assertTrue(e.getMessage().contains("was never issued"), e.getMessage());
  }

  @Test
  void illegalTransitionNamesTheStateAndTheEvent() {
    Driver driver = reach("CONNECTED");
    GraceExpired event = new GraceExpired(driver.state.attempt());
    IllegalTransitionException e = assertThrows(IllegalTransitionException.class,
        () -> driver.machine.apply(driver.state, event, driver.now));
    assertEquals(ConnectionState.CONNECTED, e.state());
    assertEquals(event, e.event());
    assertTrue(e.getMessage().contains("CONNECTED") && e.getMessage().contains("GraceExpired"), e.getMessage());
  }

  @Test
  void guardedProbeEventsExplainWhyTheyAreRejected() {
    Driver waiting = reach("DEGRADED/waiting");
    IllegalTransitionException noProbe = assertThrows(IllegalTransitionException.class,
        () -> waiting.fire(new ProbeSucceeded(waiting.state.attempt())));
    assertTrue(noProbe.getMessage().endsWith("no probe is in flight"), noProbe.getMessage());
    Driver probing = reach("DEGRADED/probing");
    IllegalTransitionException busy = assertThrows(IllegalTransitionException.class,
        () -> probing.fire(new ProbeDue(probing.state.attempt())));
    assertTrue(busy.getMessage().endsWith("a probe is already in flight"), busy.getMessage());
  }

  private static void assertCell(Driver driver, String row, ConnectionEvent event, String cell) {
    MachineState before = driver.state;
    String where = row + " + " + event;
    if (cell.equals("-")) {
      assertThrows(IllegalTransitionException.class, () -> driver.machine.apply(before, event, driver.now), where);
      return;
    }
    Outcome outcome = driver.machine.apply(before, event, driver.now);
    Invariants.check(before, outcome);
    assertFalse(outcome.transition().stale(), where);
    if (cell.equals("noop")) {
      assertSame(before, outcome.state(), where);
      assertTrue(outcome.effects().isEmpty(), where);
    } else {
      assertEquals(ConnectionState.valueOf(cell), outcome.state().state(), where);
      assertFalse(outcome.effects().isEmpty(), where);
    }
  }

  /** Drives a fresh machine into the situation a row describes, through legal events only. */
  private static Driver reach(String row) {
    Driver d;
    switch (row) {
      case "IDLE" -> d = Driver.with(Map.of("relayAvailable", true));
      case "CONNECTING" -> {
        d = Driver.with(Map.of("relayAvailable", true));
        d.fire(new Start());
      }
      case "CONNECTED" -> d = Driver.with(Map.of("relayAvailable", true)).connectedAtT0();
      case "DISCONNECTED" -> {
        d = reach("CONNECTED");
        d.lose();
      }
      case "ICE_RESTARTING" -> {
        d = reach("DISCONNECTED");
        d.expire(TimerKind.GRACE);
      }
      case "BACKOFF" -> {
        d = reach("ICE_RESTARTING");
        d.fail("ice failed");
      }
      case "RELAY_ONLY" -> {
        d = Driver.with(Map.of("relayAvailable", true, "newConnectionAttempts", 0));
        d.fire(new Start());
        d.fail("no route");
        d.expire(TimerKind.RETRY);
      }
      case "RECONNECTING" -> {
        d = Driver.with(Map.of("relayAvailable", false));
        d.fire(new Start());
        d.fail("no route");
        d.expire(TimerKind.RETRY);
      }
      case "DEGRADED/waiting" -> {
        d = Driver.with(Map.of("iceRestartAttempts", 0, "newConnectionAttempts", 0));
        d.fire(new Start());
        d.fail("no route");
      }
      case "DEGRADED/probing" -> {
        d = reach("DEGRADED/waiting");
        d.expire(TimerKind.PROBE);
      }
      case "FAILED" -> {
        d = Driver.with(Map.of("iceRestartAttempts", 0, "newConnectionAttempts", 0, "degradedAllowed", false));
        d.fire(new Start());
        d.fail("no route");
      }
      case "CLOSED" -> {
        d = Driver.with(Map.of());
        d.fire(new Start());
        d.fire(new Close("bye"));
      }
      default -> throw new IllegalArgumentException(row);
    }
    assertEquals(ConnectionState.valueOf(row.split("/")[0]), d.current(), row);
    return d;
  }

  private static List<String> columns() {
    String header = EXPECTED.lines().findFirst().orElseThrow().trim();
    List<String> columns = new ArrayList<>(Arrays.asList(header.split("\\s+")));
    columns.remove(0);
    return columns;
  }

  private static Map<String, Map<String, String>> parse() {
    List<String> columns = columns();
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    EXPECTED.lines().skip(1).map(String::trim).filter(line -> !line.isEmpty()).forEach(line -> {
      String[] cells = line.split("\\s+");
      assertEquals(columns.size() + 1, cells.length, line);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < columns.size(); i++) {
        row.put(columns.get(i), cells[i + 1]);
      }
      rows.put(cells[0], row);
    });
    return rows;
  }

  private static Set<ConnectionState> statesOf(Set<String> rows) {
    Set<ConnectionState> states = new HashSet<>();
    rows.forEach(row -> states.add(ConnectionState.valueOf(row.split("/")[0])));
    return states;
  }
}

package io.peermesh.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.bus.BusMessages.RouteRoster;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoomRosterTest {
  private final RoomRoster roster = new RoomRoster();

  @Test
  void changesAddAndRemoveANodesRooms() {
    roster.apply(new RouteRoster("n1", List.of("a", "b"), List.of(), false));
    roster.apply(new RouteRoster("n2", List.of("a"), List.of(), false));
    assertEquals(Set.of("n1", "n2"), roster.nodes("a"));
    roster.apply(new RouteRoster("n1", List.of(), List.of("a"), false));
    assertEquals(Set.of("n2"), roster.nodes("a"));
    assertEquals(Set.of("n1"), roster.nodes("b"));
    roster.apply(new RouteRoster("n2", List.of(), List.of("a", "never-routed"), false));
    assertEquals(Set.of(), roster.nodes("a"));
  }

  @Test
  void aSnapshotReplacesWhatWasKnownOfThatNodeOnly() {
    roster.apply(new RouteRoster("n1", List.of("a", "b"), List.of(), false));
    roster.apply(new RouteRoster("n2", List.of("b"), List.of(), false));
    roster.apply(new RouteRoster("n1", List.of("c"), List.of(), true));
    assertEquals(Set.of(), roster.nodes("a"));
    assertEquals(Set.of("n2"), roster.nodes("b"));
    assertEquals(Set.of("n1"), roster.nodes("c"));
  }

  @Test
  void aNodeThatLeftTheClusterRoutesNothing() {
    roster.apply(new RouteRoster("n1", List.of("a", "b"), List.of(), false));
    roster.apply(new RouteRoster("n2", List.of("a"), List.of(), false));
    roster.forget("n1");
    assertEquals(Set.of("n2"), roster.nodes("a"));
    assertEquals(Set.of(), roster.nodes("b"));
  }
}

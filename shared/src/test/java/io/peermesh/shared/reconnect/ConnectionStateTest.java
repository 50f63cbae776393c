package io.peermesh.shared.reconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class ConnectionStateTest {

  @Test
  void onlyFailedAndClosedAreTerminal() {
    assertEquals(EnumSet.of(ConnectionState.FAILED, ConnectionState.CLOSED), matching(ConnectionState::isTerminal));
  }

  @Test
  void connectedAndDegradedAreUsable() {
    assertEquals(EnumSet.of(ConnectionState.CONNECTED, ConnectionState.DEGRADED), matching(ConnectionState::isUsable));
  }

  @Test
  void recoveringCoversTheLadderIncludingDegradedButNotTheFirstConnect() {
    assertEquals(EnumSet.of(ConnectionState.DISCONNECTED, ConnectionState.ICE_RESTARTING, ConnectionState.BACKOFF,
        ConnectionState.RELAY_ONLY, ConnectionState.RECONNECTING, ConnectionState.DEGRADED),
        matching(ConnectionState::isRecovering));
  }

  private static Set<ConnectionState> matching(Predicate<ConnectionState> predicate) {
    Set<ConnectionState> states = EnumSet.noneOf(ConnectionState.class);
    for (ConnectionState state : ConnectionState.values()) {
      if (predicate.test(state)) {
        states.add(state);
      }
    }
    return states;
  }
}

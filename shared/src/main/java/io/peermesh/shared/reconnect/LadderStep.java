package io.peermesh.shared.reconnect;

/**
 * Rung of the recovery ladder that the current (or most recent) attempt belongs to. After a loss the
 * rungs are tried in the order ICE_RESTART, NEW_CONNECTION, RELAY_ONLY, each within its budget, then
 * DEGRADED. After a failed first connect there is nothing to restart yet, so ICE_RESTART is skipped. A new
 * connection comes before relay-only: it gathers TURN candidates too, and ICE falls back to them only when
 * nothing direct works, while relay-only forces every byte through TURN.
 */
public enum LadderStep {
  /** No attempt in this recovery yet (or connected). */
  NONE,
  /** The first connect, started by {@link ConnectionEvent.Start}. */
  INITIAL_CONNECT,
  /** ICE restart on the same peer connection. */
  ICE_RESTART,
  /** New peer connection through TURN relay only. */
  RELAY_ONLY,
  /** Brand-new peer connection. */
  NEW_CONNECTION,
  /** Messages over signaling; {@link MachineState#stepAttempts()} counts the probes. */
  DEGRADED
}

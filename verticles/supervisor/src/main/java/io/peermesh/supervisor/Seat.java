package io.peermesh.supervisor;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A supervisor's place in a room's signaling: its own {@link SignalingLink}, or for a bot's connections a view
 * of the bot's one link ({@link SharedSeat}). Used from the supervisor's context only.
 */
interface Seat {
  /** Joins (or attaches); completes with a {@code joined} message listing the peers present now. */
  Future<JsonObject> open();

  /** Writes a message (or queues it while the socket is resumed); false when it was refused. */
  boolean send(JsonObject message);

  /** Leaves the room (a view detaches only; the bot's link stays). */
  Future<Void> close();
}

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

  /**
   * Answers a peer this one does not link with when it asks for a link (an offer, or a state report: a polite
   * peer reports while it waits for our offer) with a {@code state} of {@code declined}, as the browser client
   * does for its {@code connectTo}: the asker stops instead of trying again and again. True when it declined.
   */
  static boolean declineIfAsked(Seat seat, JsonObject message, String reason) {
    String type = message.getString("type", "");
    String from = message.getString("from", message.getString("peer"));
    boolean asks = type.equals("offer") || type.equals("state") && !"declined".equals(message.getString("state"));
    if (from == null || !asks) {
      return false;
    }
    seat.send(new JsonObject().put("type", "state").put("to", from).put("state", "declined").put("reason", reason));
    return true;
  }
}

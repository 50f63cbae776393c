package io.peermesh.shared.bus;

import java.util.List;

/** Records carried on the event bus; {@link BusCodecs} registers a codec for each (the allow-list). */
public final class BusMessages {
  private BusMessages() {}

  /**
   * A signaling message for one peer. {@code fromRoom} is checked by the receiver: a peer outside the room is
   * refused, so a client cannot reach another room even if it guesses a peer id. {@code json} is the
   * server-to-client message text, ready to write to the socket.
   */
  public record PeerDelivery(String fromPeer, String fromRoom, String json) {}

  /** Reply to a delivery: accepted (written or buffered for a resuming socket) or refused with an error code. */
  public record DeliveryAck(boolean accepted, String errorCode) {}

  /** Kinds of {@link RoomEvent}. */
  public enum RoomEventKind { JOINED, LEFT, STATE }

  /** A change in a room, fanned out to every socket of the room but {@code peer}'s own. */
  public record RoomEvent(RoomEventKind kind, String room, String peer, String node, String json) {}

  /** Asks the node holding {@code peer} to hand the session over to {@code newNode}. */
  public record Takeover(String peer, String room, String resumeToken, String newNode) {}

  /** The session handed over: messages buffered while the socket was away, in order. */
  public record TakeoverReply(boolean granted, String errorCode, List<String> buffered) {}

}

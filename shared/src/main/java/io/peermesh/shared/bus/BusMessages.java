package io.peermesh.shared.bus;

import java.util.List;

/** Records carried on the event bus; {@link BusCodecs} registers a codec for each (the allow-list). */
public final class BusMessages {
  private BusMessages() {}

  /**
   * A signaling message for one peer. {@code fromRoom} is checked by the receiver: a peer outside the room is
   * refused, so a client cannot reach another room even if it guesses a peer id. {@code json} is the
   * server-to-client message text, ready to write to the socket; {@code to} the addressee, whose node is sent it.
   */
  public record PeerDelivery(String fromPeer, String fromRoom, String to, String json) {}

  /**
   * Reply to a delivery: accepted (written or buffered for a resuming socket) or refused with an error code, a
   * protocol error code or {@link #NOT_HERE}.
   */
  public record DeliveryAck(boolean accepted, String errorCode) {
    /** The node holds no session for the addressee: it moved, left or is still claiming its peer id. */
    public static final String NOT_HERE = "not-here";

    public boolean notHere() {
      return !accepted && NOT_HERE.equals(errorCode);
    }
  }

  /** Kinds of {@link RoomEvent}. */
  public enum RoomEventKind { JOINED, LEFT, STATE }

  /** A change in a room, fanned out to every socket of the room but {@code peer}'s own. */
  public record RoomEvent(RoomEventKind kind, String room, String peer, String node, String json) {}

  /** Asks the node holding {@code peer} to hand the session over to {@code newNode}. */
  public record Takeover(String peer, String room, String resumeToken, String newNode) {}

  /** The session handed over: messages buffered while the socket was away, in order. */
  public record TakeoverReply(boolean granted, String errorCode, List<String> buffered) {}


  /**
   * Asks for a supervised connection: join {@code room} as {@code peer} through the signaling service at
   * {@code signalingHost:signalingPort} (with {@code token}, or none in dev mode) and connect to {@code remote}.
   * {@code reconnect} overrides reconnection settings (keys of ReconnectConfig); may be empty.
   */
  public record SupervisorRequest(String room, String peer, String remote, String signalingHost,
      int signalingPort, String token, java.util.Map<String, Object> reconnect) {}

  /** The supervisor is deployed and has joined the room; {@code node} holds it. */
  public record SupervisorStarted(String connection, String node) {}

  /**
   * Asks for a bot: one peer {@code peer} in {@code room} holding a supervised connection to every peer there
   * whose id matches the regular expression {@code remotes} (null: every peer), now and as they join; each one's
   * connection id starts with the bot's id and a dot. The other fields as in {@link SupervisorRequest}.
   */
  public record BotRequest(String room, String peer, String remotes, String signalingHost, int signalingPort,
      String token, java.util.Map<String, Object> reconnect) {}

  /** The bot has joined the room; {@code node} holds it and its connections ({@code bot.<remote>.<n>}). */
  public record BotStarted(String bot, String node) {}

  /** A message for one remote of a bot, on its current connection with it. */
  public record BotSend(String remote, String channel, byte[] data) {
    @Override
    public boolean equals(Object o) {
      return o instanceof BotSend m && remote.equals(m.remote) && channel.equals(m.channel)
          && java.util.Arrays.equals(data, m.data);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(remote, channel) * 31 + java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "BotSend[" + remote + ", " + channel + ", " + data.length + " bytes]";
    }
  }

  /** What a broadcast did: the remotes whose connection took it, and the refusal code of each that did not. */
  public record BotBroadcastAck(java.util.List<String> accepted, java.util.Map<String, String> refused) {}

  /** The remotes a bot has a connection with (started; it may still be connecting or recovering). */
  public record BotPeers(java.util.List<String> remotes) {}

  /** Asks the AI relay to bring its bot into {@code room}. */
  public record AiInvite(String room) {}

  /** One message for a channel of a supervised connection. */
  public record OutboundMessage(String channel, byte[] data) {
    @Override
    public boolean equals(Object o) {
      return o instanceof OutboundMessage m && channel.equals(m.channel) && java.util.Arrays.equals(data, m.data);
    }

    @Override
    public int hashCode() {
      return 31 * channel.hashCode() + java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "OutboundMessage[" + channel + ", " + data.length + " bytes]";
    }
  }

  /** Outcome of an {@link OutboundMessage}: accepted (sent or queued) or refused with a code. */
  public record SendAck(boolean accepted, String code) {
    /** Refused: the channel's bounded queue is full. */
    public static final String QUEUE_FULL = "queue-full";
    /** Refused: the sequenced channel's resend buffer (unacknowledged messages) is full. */
    public static final String RESEND_BUFFER_FULL = "resend-buffer-full";

    /** A refusal that passes as the connection drains: the message may be offered again later. */
    public static boolean retryable(String code) {
      return QUEUE_FULL.equals(code) || RESEND_BUFFER_FULL.equals(code);
    }
  }

  /**
   * A message received on a supervised connection. {@code seq} is 0 on channels without sequence numbers. While
   * the channel's acknowledgements are held ({@link AckHold}) its publication carries the numbering's generation
   * in the header {@link #GENERATION_HEADER}; the channel router forwards it with {@link #SOURCE_NODE_HEADER}.
   */
  public record InboundMessage(String room, String connection, String from, String channel, long seq,
      byte[] data) {
    public static final String GENERATION_HEADER = "peermesh-generation";
    public static final String SOURCE_NODE_HEADER = "peermesh-source-node";
    /**
     * On a routed message: the first of its source's numbering this router sends to that node, or the first after
     * messages it can no longer send; the receiving router starts its count of the source from it.
     */
    public static final String ROUTE_START_HEADER = "peermesh-route-start";

    @Override
    public boolean equals(Object o) {
      return o instanceof InboundMessage m && room.equals(m.room) && connection.equals(m.connection)
          && from.equals(m.from) && channel.equals(m.channel) && seq == m.seq && java.util.Arrays.equals(data, m.data);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(room, connection, from, channel, seq) * 31 + java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "InboundMessage[" + room + ", " + connection + ", " + from + ", " + channel + ", seq " + seq + ", "
          + data.length + " bytes]";
    }
  }

  /**
   * Hold (or release) the acknowledgements a supervisor sends its remote for these sequenced channels until
   * {@link Commit}s allow them: the channel router holds a routed relay's, so its client takes a message as safe
   * only once the room's other nodes have it.
   */
  public record AckHold(List<String> channels, boolean hold) {}

  /** Messages up to {@code upTo} (of numbering {@code generation}) on {@code channel} are committed. */
  public record Commit(String channel, long generation, long upTo) {}

  /**
   * Router {@code node} holds every message of source {@code connection}'s {@code channel} (numbering
   * {@code generation}) up to {@code upTo} that it was sent.
   */
  public record RouteAck(String node, String connection, String channel, long generation, long upTo) {}

  /**
   * Router {@code node} found a gap in what it was sent of source {@code connection}'s {@code channel}
   * (numbering {@code generation}): it holds every message up to {@code after} (-1: it knows nothing of the
   * source) and asks for the ones after it again.
   */
  public record RouteResend(String node, String connection, String channel, long generation, long after) {}

  /** Messages for one channel of a supervised connection, to be sent in this order. */
  public record OutboundBatch(String channel, List<byte[]> messages) {
    public OutboundBatch {
      messages = List.copyOf(messages);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof OutboundBatch b) || !channel.equals(b.channel) || messages.size() != b.messages.size()) {
        return false;
      }
      for (int i = 0; i < messages.size(); i++) {
        if (!java.util.Arrays.equals(messages.get(i), b.messages.get(i))) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      int hash = channel.hashCode();
      for (byte[] m : messages) {
        hash = 31 * hash + java.util.Arrays.hashCode(m);
      }
      return hash;
    }

    @Override
    public String toString() {
      return "OutboundBatch[" + channel + ", " + messages.size() + " messages]";
    }
  }

  /**
   * Reply to an {@link OutboundBatch}: the first {@code accepted} messages were taken; {@code code} says why the
   * next was refused (as {@link SendAck#code()}), null when all were taken.
   */
  public record BatchAck(int accepted, String code) {}

  /** A supervisor changed state. */
  public record StateChange(String connection, String room, String peer, String remote, String from, String to,
      String reason, long attempt, String path) {}

  /**
   * A file for the remote of one supervised connection, sent with the file protocol of the {@code files}
   * channel (web/client/FILES.md). The supervisor holds {@code data} until the receiver's checksum result.
   */
  public record FileSend(String name, String type, byte[] data) {
    @Override
    public boolean equals(Object o) {
      return o instanceof FileSend f && java.util.Objects.equals(name, f.name) && java.util.Objects.equals(type, f.type)
          && java.util.Arrays.equals(data, f.data);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(name, type) * 31 + java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "FileSend[" + name + ", " + type + ", " + (data == null ? 0 : data.length) + " bytes]";
    }
  }

  /**
   * How a {@link FileSend} ended: {@code ok} when the receiver computed the same SHA-256; otherwise {@code code}
   * says why ({@code file-checksum-mismatch}, {@code file-rejected: <reason>}, {@code file-too-large},
   * {@code peer-left}, {@code closed}).
   */
  public record FileSendResult(String id, boolean ok, String sha256, String code) {}

  /**
   * A file received on a supervised connection and written to {@code path} on node {@code node}; {@code ok}
   * when its SHA-256 ({@code sha256}, computed here) equals the sender's. A file that failed the check is not
   * written ({@code path} is null).
   */
  public record FileReceived(String room, String connection, String from, String id, String name, String type,
      long size, String sha256, boolean ok, String node, String path) {}

  /** Traffic of one channel of a supervised connection since it started (all paths). */
  public record ChannelStats(String channel, long messagesIn, long bytesIn, long messagesOut, long bytesOut,
      long buffered) {}

  /**
   * A snapshot of one supervised connection. {@code candidatePair}: the selected pair's local and remote
   * candidate types ("host/prflx"), null without a connected link; {@code candidateType} sums it up as
   * host, srflx or relay.
   */
  public record ConnectionStats(String connection, String room, String peer, String remote, String node,
      String state, long attempt, String reason, String path, String candidatePair, String candidateType,
      List<ChannelStats> channels) {}

  /** Every supervised connection one node holds. */
  public record NodeStats(String node, List<ConnectionStats> connections) {}

  /** Route what the client behind relay connection {@code connection} sends to the room's other routed ones. */
  public record RouteJoin(String room, String connection) {}

  /** Stop routing {@code connection}; its supervisor keeps running. */
  public record RouteLeave(String room, String connection) {}

  /**
   * A connection joined (or left) routing on {@code node}; {@code routedHere}: routed connections of the room
   * there.
   */
  public record RouteJoined(String room, String connection, String node, int routedHere) {}

  /**
   * Rooms where node {@code node}'s router started ({@code added}) or stopped ({@code removed}) routing. A
   * {@code snapshot} lists them all in {@code added} and replaces what the receiver knew of that node.
   */
  public record RouteRoster(String node, List<String> added, List<String> removed, boolean snapshot) {}

  /** Kinds of {@link RouteEvent}. */
  public enum RouteEventKind { JOINED, LEFT, OVERFLOW }

  /**
   * A routed connection joined or left routing ({@code reason}: {@code leave}, {@code closed}, {@code failed},
   * {@code gone}), or overflowed: its backlog passed the bound, or a hand-over to its supervisor got no answer in
   * time, so it was taken out of routing ({@code reason} says which, and how many messages were waiting) and its
   * client must resynchronise.
   */
  public record RouteEvent(RouteEventKind kind, String room, String connection, String node, String reason) {}
}

package io.peermesh.shared.bus;

/**
 * Every event-bus address of PeerMesh, one holder per verticle. Each comment states the payload, the reply
 * and whether it is send, request or publish. Per-connection consumers no other node calls are local.
 */
public final class Addresses {
  private static final String PREFIX = "peermesh.";

  private Addresses() {}

  /** Signaling verticle. */
  public static final class Signaling {
    private Signaling() {}

    /**
     * request, clustered: {@link BusMessages.PeerDelivery} for a peer whose session node {@code nodeId} holds,
     * registered once when the node starts (a join registers nothing in the cluster). Reply:
     * {@link BusMessages.DeliveryAck}; code {@link BusMessages.DeliveryAck#NOT_HERE} when the node holds no
     * session for the addressee (it moved, left, or is still claiming its id): the sender looks it up again.
     */
    public static String nodePeers(String nodeId) {
      return PREFIX + "signal.node-peers." + nodeId;
    }

    /**
     * request, clustered: {@link BusMessages.Takeover} from the node a resuming client reached, to the node the
     * session directory names for the peer. Reply: {@link BusMessages.TakeoverReply} with the messages buffered
     * while the socket was away; not granted when the node holds no such session.
     */
    public static String nodeTakeover(String nodeId) {
      return PREFIX + "signal.node-takeover." + nodeId;
    }

    /**
     * send, clustered: {@link BusMessages.RoomEvent} (peer joined, left, state) for a room with peers on node
     * {@code nodeId}; the sender reads the room's roster for the nodes. Registered once when the node starts,
     * so a room event never races a fresh per-room subscription still spreading through the cluster.
     */
    public static String node(String nodeId) {
      return PREFIX + "signal.node." + nodeId;
    }
    /**
     * request, local: String address where the caller (a supervisor of this Vert.x) takes its socket's frames,
     * to the signaling service listening on {@code port} of this node. Reply: String address to send the
     * socket's frames to. Both ways a frame is a send of String JSON text; a send carrying the header
     * {@link LocalSocket#CLOSE_HEADER} closes the socket instead. The same protocol as the WebSocket at
     * {@code /signal}, without a loopback socket per supervisor (see {@link LocalSocket}).
     */
    public static String localSocket(int port) {
      return PREFIX + "signal.local." + port;
    }

    /**
     * send, local: String frames for one end of a local signaling socket ({@link #localSocket(int)}), or its
     * close (header {@link LocalSocket#CLOSE_HEADER}). {@code socketEnd} is a random id the end's owner picks.
     */
    public static String localSocketFrames(String socketEnd) {
      return PREFIX + "signal.local-socket." + socketEnd;
    }
  }

  /** Supervisors: one per server-side peer connection. */
  public static final class Supervisor {
    private Supervisor() {}

    /**
     * request, clustered: {@link BusMessages.SupervisorRequest}; any node with the supervisor role may take it.
     * Reply: {@link BusMessages.SupervisorStarted}, or a failure with code 503 when the node is at capacity.
     */
    public static final String START = PREFIX + "supervisor.start";

    /**
     * request, clustered: {@link BusMessages.BotRequest}; any node with the supervisor role may take it. Reply:
     * {@link BusMessages.BotStarted} once the bot has joined; a failure with code 400 for a bad request. Each of
     * the bot's connections answers at the per-connection addresses below, and is admitted like any other.
     */
    public static final String BOT_START = PREFIX + "supervisor.bot.start";

    /** request, clustered: empty body; closes every connection of bot {@code bot} and leaves. Reply: "closed". */
    public static String botClose(String bot) {
      return PREFIX + "supervisor.bot." + bot + ".close";
    }

    /**
     * request, clustered: {@link BusMessages.BotSend} to one remote of bot {@code bot}, on the bot's current
     * connection with it (connection ids change when a connection is started again). Reply: that connection's
     * {@link BusMessages.SendAck}; a failure with code 404 when the bot has no connection with that remote
     * (not in the room, outside the bot's pattern, or its connection still starting).
     */
    public static String botSend(String bot) {
      return PREFIX + "supervisor.bot." + bot + ".send";
    }

    /**
     * request, clustered: {@link BusMessages.OutboundMessage} to every remote bot {@code bot} has a connection
     * with. Reply: {@link BusMessages.BotBroadcastAck} (which remotes took it, which refused and why).
     */
    public static String botBroadcast(String bot) {
      return PREFIX + "supervisor.bot." + bot + ".broadcast";
    }

    /** request, clustered: empty body. Reply: {@link BusMessages.BotPeers}, the remotes bot {@code bot} has a connection with. */
    public static String botPeers(String bot) {
      return PREFIX + "supervisor.bot." + bot + ".peers";
    }

    /**
     * publish, clustered: {@link BusMessages.StateChange} after every state change of any supervisor.
     */
    public static final String STATE = PREFIX + "supervisor.state";

    /**
     * request, clustered: {@link BusMessages.OutboundMessage} to send on one connection. Reply:
     * {@link BusMessages.SendAck}; refused (not queued) when the channel's bounded queue is full.
     */
    public static String send(String connection) {
      return PREFIX + "supervisor." + connection + ".send";
    }

    /**
     * request, clustered: {@link BusMessages.OutboundBatch}, several messages for one channel of one connection,
     * taken in order until the first refusal. Reply: {@link BusMessages.BatchAck} with how many were taken and
     * why the next was not. One bus round trip for many messages: the channel router forwards with it.
     */
    public static String sendBatch(String connection) {
      return PREFIX + "supervisor." + connection + ".send-batch";
    }

    /**
     * request, local: {@link BusMessages.AckHold} from the channel router of the connection's node. Reply: "held"
     * or "released". While held, the sequenced channels' acknowledgements to the remote wait for commits.
     */
    public static String holdAcks(String connection) {
      return PREFIX + "supervisor." + connection + ".hold-acks";
    }

    /** send, local: {@link BusMessages.Commit} from the channel router: acknowledge the remote up to it. */
    public static String commit(String connection) {
      return PREFIX + "supervisor." + connection + ".commit";
    }

    /** request, clustered: empty body; closes the connection and undeploys its supervisor. Reply: "closed". */
    public static String close(String connection) {
      return PREFIX + "supervisor." + connection + ".close";
    }

    /**
     * request, clustered: {@link BusMessages.FileSend} for the remote of one connection. Reply:
     * {@link BusMessages.FileSendResult} once the receiver has verified the checksum (or refused), so callers
     * set a send timeout that fits the file's size.
     */
    public static String sendFile(String connection) {
      return PREFIX + "supervisor." + connection + ".send-file";
    }

    /**
     * publish, clustered: {@link BusMessages.FileReceived}, every file a supervisor in {@code room} received
     * with the file protocol (written to the receiving node's {@code supervisor.files.directory}).
     */
    public static String filesReceived(String room) {
      return PREFIX + "room." + room + ".files-received";
    }

    /**
     * request, clustered: empty body, to the supervisor manager of node {@code nodeId}. Reply:
     * {@link BusMessages.NodeStats} with a snapshot of every connection it holds. Pulled by the status page
     * only while someone watches, so idle supervisors publish nothing.
     */
    public static String stats(String nodeId) {
      return PREFIX + "supervisor.stats." + nodeId;
    }

    /** request, local: the same as {@link #stats(String)} for this Vert.x instance (not clustered). */
    public static final String LOCAL_STATS = PREFIX + "supervisor.stats";

    /**
     * publish, clustered: {@link BusMessages.InboundMessage}, every message received on {@code channel} by any
     * supervisor in {@code room}, in order per connection.
     */
    public static String inbound(String room, String channel) {
      return PREFIX + "room." + room + "." + channel;
    }
  }

  /**
   * Channel router: forwards what the clients behind relay supervisors send to the room's other relay
   * supervisors (docs/ROUTER.md). One router per node with the supervisor role; it routes that node's
   * connections.
   */
  public static final class Router {
    private Router() {}

    /**
     * request, clustered: {@link BusMessages.RouteJoin} to the router of node {@code nodeId}, the node holding
     * the connection ({@link BusMessages.SupervisorStarted#node()}). Reply: {@link BusMessages.RouteJoined} once
     * every router of the cluster knows this node routes the room (see {@link #roster}); a failure with code 400
     * (malformed), 404 (no such live connection on this node) or 409 (the connection is in another room).
     */
    public static String join(String nodeId) {
      return PREFIX + "router.join." + nodeId;
    }

    /**
     * request, clustered: {@link BusMessages.RouteLeave} to the router of node {@code nodeId}. Reply:
     * {@link BusMessages.RouteJoined} of the connection that left (its queued messages are dropped); a failure
     * with code 404 when it was not routed there.
     */
    public static String leave(String nodeId) {
      return PREFIX + "router.leave." + nodeId;
    }

    /**
     * send, clustered: {@link BusMessages.InboundMessage} a routed connection received (as its supervisor
     * published it), to the router of node {@code nodeId}, which has routed connections in the message's room; it
     * hands the message to all of them but the source. Registered once when
     * the router starts, so a message never races a fresh subscription still spreading through the cluster.
     */
    public static String deliver(String nodeId) {
      return PREFIX + "router.deliver." + nodeId;
    }

    /**
     * send, clustered: {@link BusMessages.RouteAck} from a router that was delivered messages of another node's
     * routed source (the header {@link BusMessages.InboundMessage#SOURCE_NODE_HEADER} names that node), to the
     * router of node {@code nodeId}: cumulative, a few per batch of deliveries. The source's client is
     * acknowledged only up to what every node routing the room acknowledged.
     */
    public static String acks(String nodeId) {
      return PREFIX + "router.acks." + nodeId;
    }

    /**
     * send, clustered: {@link BusMessages.RouteResend} from a router that found a gap in the numbering of another
     * node's routed source (a bus connection between live members that drops loses what was in flight on it), to
     * the router of node {@code nodeId}, which sends the missing messages again from what it holds uncommitted.
     */
    public static String resend(String nodeId) {
      return PREFIX + "router.resend." + nodeId;
    }

    /**
     * request, clustered: {@link BusMessages.RouteRoster} from another node's router (rooms where it started or
     * stopped routing, or its hello when it starts) to the router of node {@code nodeId}. Reply: this router's own
     * {@link BusMessages.RouteRoster} (every room it routes, as a snapshot) to a hello, an empty one otherwise. A
     * join is answered only after every router has answered once (or failed to), so a message sent after the
     * answer is forwarded to the new connection from any node; a router that did not answer is asked again.
     */
    public static String roster(String nodeId) {
      return PREFIX + "router.roster." + nodeId;
    }

    /**
     * request, local: empty body, to this Vert.x's router. Reply: String, its counters and gauges in the
     * Prometheus text format, which the signaling service appends to {@code /metrics}.
     */
    public static final String LOCAL_METRICS = PREFIX + "router.metrics";

    /** publish, clustered: {@link BusMessages.RouteEvent} when a connection joins, leaves or overflows. */
    public static final String EVENTS = PREFIX + "router.events";
  }

  /**
   * AI-stream relay: an AI assistant bot (a {@link Supervisor#BOT_START bot}) that answers prompts on
   * {@code ai-stream} from an OpenAI-compatible backend, resumably (docs/AI.md).
   */
  public static final class AiRelay {
    private AiRelay() {}

    /**
     * request, clustered: {@link BusMessages.AiInvite}; any AI relay may take it. Reply:
     * {@link BusMessages.BotStarted} once its bot has joined the room; a failure with code 400 (not a valid
     * room), 409 (its bot is already there) or 500 (the bot could not join).
     */
    public static final String INVITE = PREFIX + "ai.invite";
  }

  /** The node: cluster facts other verticles read. */
  public static final class Node {
    private Node() {}

    /** request, local: empty body. Reply: Boolean, true when the cluster is safe (no partition migrating). */
    public static final String CLUSTER_SAFE = PREFIX + "node.cluster-safe";

    /** publish, local: String node id of a cluster member that left or was declared dead. */
    public static final String MEMBER_LEFT = PREFIX + "node.member-left";

    /** Local shared-data map name; key {@link #MEMBERS_KEY} holds a JsonArray of live node ids. */
    public static final String LOCAL_MAP = PREFIX + "node";

    public static final String MEMBERS_KEY = "members";
  }
}

package io.peermesh.shared.bus;

import io.peermesh.shared.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.util.List;

/**
 * One codec setup, the same on every node: each bus record travels as JSON written by the one ObjectMapper.
 * Only the classes listed here can be decoded. Local sends skip the codec (records are immutable), so only a
 * clustered test exercises the wire form.
 */
public final class BusCodecs {

  /** The allow-list. */
  public static final List<Class<? extends Record>> TYPES = List.of(
      BusMessages.PeerDelivery.class,
      BusMessages.DeliveryAck.class,
      BusMessages.RoomEvent.class,
      BusMessages.Takeover.class,
      BusMessages.TakeoverReply.class,
      BusMessages.SupervisorRequest.class,
      BusMessages.SupervisorStarted.class,
      BusMessages.BotRequest.class,
      BusMessages.BotStarted.class,
      BusMessages.BotSend.class,
      BusMessages.BotBroadcastAck.class,
      BusMessages.BotPeers.class,
      BusMessages.AiInvite.class,
      BusMessages.OutboundMessage.class,
      BusMessages.SendAck.class,
      BusMessages.OutboundBatch.class,
      BusMessages.BatchAck.class,
      BusMessages.InboundMessage.class,
      BusMessages.AckHold.class,
      BusMessages.Commit.class,
      BusMessages.RouteAck.class,
      BusMessages.RouteResend.class,
      BusMessages.StateChange.class,
      BusMessages.FileSend.class,
      BusMessages.FileSendResult.class,
      BusMessages.FileReceived.class,
      BusMessages.NodeStats.class,
      BusMessages.RouteJoin.class,
      BusMessages.RouteLeave.class,
      BusMessages.RouteJoined.class,
      BusMessages.RouteRoster.class,
      BusMessages.RouteEvent.class);

  private BusCodecs() {}

  /** Registers every codec once per Vert.x instance; safe to call from each verticle. */
  public static synchronized void register(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    for (Class<? extends Record> type : TYPES) {
      try {
        register(bus, type);
      } catch (IllegalStateException alreadyRegistered) {
        // Another verticle of this Vert.x registered it first.
      }
    }
  }

  private static <T extends Record> void register(EventBus bus, Class<T> type) {
    bus.registerDefaultCodec(type, new RecordCodec<>(type));
  }

  /** Encodes a record as a length-prefixed JSON document. */
  static final class RecordCodec<T> implements MessageCodec<T, T> {
    private final Class<T> type;

    RecordCodec(Class<T> type) {
      this.type = type;
    }

    @Override
    public void encodeToWire(Buffer buffer, T value) {
      byte[] bytes = Json.writeBytes(value);
      buffer.appendInt(bytes.length).appendBytes(bytes);
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      return Json.read(buffer.getBytes(pos + 4, pos + 4 + length), type);
    }

    @Override
    public T transform(T value) {
      return value;
    }

    @Override
    public String name() {
      return "peermesh." + type.getName();
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}

package io.peermesh.shared.protocol;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.peermesh.shared.json.Json;
import java.util.Iterator;
import java.util.Set;

/**
 * Strict parser for client frames: one JSON object, a known {@code type}, every required field present with
 * its JSON type, no field the type does not define, no duplicate key. Each failure is a distinct error code.
 */
public final class ClientMessageParser {

  /** The protocol version this server speaks. */
  public static final int VERSION = 1;

  private static final int MAX_ID_CHARS = 128;

  private ClientMessageParser() {}

  public static ClientMessage parse(String text) throws ProtocolException {
    JsonNode root;
    try {
      root = Json.tree(text);
    } catch (JsonParseException e) {
      if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")) {
        throw new ProtocolException(ErrorCode.DUPLICATE_KEY, e.getOriginalMessage());
      }
      throw new ProtocolException(ErrorCode.BAD_JSON, "malformed JSON: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new ProtocolException(ErrorCode.BAD_JSON, "malformed JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ProtocolException(ErrorCode.BAD_JSON, "a message is a JSON object");
    }
    Fields f = new Fields(root);
    // Errors point at the message: its id when it has a usable one, else its type once that is known.
    JsonNode rawId = root.get("id");
    if (rawId != null && rawId.isTextual() && rawId.textValue().length() <= MAX_ID_CHARS) {
      f.ref = rawId.textValue();
    }
    String type = f.requiredString("type");
    if (f.ref == null) {
      f.ref = type;
    }
    f.id = f.optionalString("id", MAX_ID_CHARS);
    return switch (type) {
      case "join" -> join(f);
      case "offer" -> {
        f.only("type", "id", "to", "sdp", "connection");
        yield new ClientMessage.Offer(f.id(), f.requiredPeer("to"), f.requiredString("sdp"),
            f.optionalInt("connection"));
      }
      case "answer" -> {
        f.only("type", "id", "to", "sdp", "connection");
        yield new ClientMessage.Answer(f.id(), f.requiredPeer("to"), f.requiredString("sdp"),
            f.optionalInt("connection"));
      }
      case "candidate" -> {
        f.only("type", "id", "to", "candidate", "sdpMid", "sdpMLineIndex", "connection");
        yield new ClientMessage.Candidate(f.id(), f.requiredPeer("to"), f.optionalString("candidate", -1),
            f.optionalString("sdpMid", -1), f.optionalInt("sdpMLineIndex"), f.optionalInt("connection"));
      }
      case "leave" -> {
        f.only("type", "id");
        yield new ClientMessage.Leave(f.id());
      }
      case "ping" -> {
        f.only("type", "id", "ts");
        yield new ClientMessage.Ping(f.id(), f.optionalLong("ts"));
      }
      case "state" -> {
        f.only("type", "id", "to", "state", "previous", "reason", "attempt");
        yield new ClientMessage.State(f.id(), f.optionalString("to", -1), f.requiredString("state"),
            f.optionalString("previous", -1), f.optionalString("reason", -1), f.optionalInt("attempt"));
      }
      case "relay" -> {
        f.only("type", "id", "to", "channel", "data");
        yield new ClientMessage.Relay(f.id(), f.requiredPeer("to"), f.requiredString("channel"),
            f.requiredString("data"));
      }
      default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown message type '" + type + "'",
          "type", f.ref);
    };
  }

  private static ClientMessage.Join join(Fields f) throws ProtocolException {
    f.only("type", "id", "v", "room", "token", "resume", "peer");
    int v = f.requiredInt("v");
    if (v != VERSION) {
      throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION,
          "protocol version " + v + " is not supported; this server speaks " + VERSION, "v", f.ref);
    }
    String room = f.requiredString("room");
    if (!RoomNames.isValid(room)) {
      throw new ProtocolException(ErrorCode.WRONG_TYPE, RoomNames.RULE, "room", f.ref);
    }
    String peer = f.optionalString("peer", -1);
    if (peer != null && !RoomNames.isValid(peer)) {
      throw new ProtocolException(ErrorCode.WRONG_TYPE, "peer ids follow the room name rule: " + RoomNames.RULE,
          "peer", f.ref);
    }
    return new ClientMessage.Join(f.id(), v, room, f.optionalString("token", -1), f.optionalString("resume", -1),
        peer);
  }

  /** Typed access to one message's fields, producing the right error code for each failure. */
  private static final class Fields {
    private final JsonNode node;
    private String ref;
    private String id;

    Fields(JsonNode node) {
      this.node = node;
    }

    String id() {
      return id;
    }

    void only(String... allowed) throws ProtocolException {
      Set<String> set = Set.of(allowed);
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!set.contains(name)) {
          throw new ProtocolException(ErrorCode.UNKNOWN_FIELD, "field '" + name + "' is not defined here", name,
              ref);
        }
      }
    }

    /** A peer id field: required and following the peer-id rule. */
    String requiredPeer(String name) throws ProtocolException {
      String value = requiredString(name);
      if (!RoomNames.isValid(value)) {
        throw new ProtocolException(ErrorCode.WRONG_TYPE, "field '" + name + "' must be a peer id: " + RoomNames.RULE,
            name, ref);
      }
      return value;
    }

    String requiredString(String name) throws ProtocolException {
      String value = optionalString(name, -1);
      if (value == null) {
        throw new ProtocolException(ErrorCode.MISSING_FIELD, "field '" + name + "' is required", name, ref);
      }
      return value;
    }

    String optionalString(String name, int maxChars) throws ProtocolException {
      JsonNode value = node.get(name);
      if (value == null || value.isNull()) {
        return null;
      }
      if (!value.isTextual()) {
        throw wrongType(name, "a string");
      }
      if (maxChars > 0 && value.textValue().length() > maxChars) {
        throw new ProtocolException(ErrorCode.WRONG_TYPE, "field '" + name + "' exceeds " + maxChars + " chars",
            name, ref);
      }
      return value.textValue();
    }

    int requiredInt(String name) throws ProtocolException {
      Integer value = optionalInt(name);
      if (value == null) {
        throw new ProtocolException(ErrorCode.MISSING_FIELD, "field '" + name + "' is required", name, ref);
      }
      return value;
    }

    Integer optionalInt(String name) throws ProtocolException {
      JsonNode value = node.get(name);
      if (value == null || value.isNull()) {
        return null;
      }
      if (!value.isIntegralNumber() || !value.canConvertToInt()) {
        throw wrongType(name, "an integer");
      }
      return value.intValue();
    }

    Long optionalLong(String name) throws ProtocolException {
      JsonNode value = node.get(name);
      if (value == null || value.isNull()) {
        return null;
      }
      if (!value.isIntegralNumber() || !value.canConvertToLong()) {
        throw wrongType(name, "an integer");
      }
      return value.longValue();
    }

    private ProtocolException wrongType(String name, String expected) {
      return new ProtocolException(ErrorCode.WRONG_TYPE, "field '" + name + "' must be " + expected, name, ref);
    }
  }
}

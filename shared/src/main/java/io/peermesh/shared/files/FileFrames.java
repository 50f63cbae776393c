package io.peermesh.shared.files;

import com.fasterxml.jackson.databind.JsonNode;
import io.peermesh.shared.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The file chunk protocol of the {@code files} channel, version 1 (web/client/FILES.md). A frame is a control
 * message (UTF-8 JSON whose first byte is '{', with a string {@code t}) or a chunk
 * ({@code 0x01 | id (16) | offset (8, big-endian) | data}). Anything else is not part of the protocol and
 * travels as an ordinary {@code files} message. Control messages are parsed strictly: a known {@code t} with a
 * missing, mistyped or unexpected field is a {@link FileFrameException}.
 */
public final class FileFrames {
  public static final byte CHUNK = 0x01;
  public static final int ID_BYTES = 16;
  public static final int CHUNK_HEADER_BYTES = 1 + ID_BYTES + 8;
  public static final int MAX_TEXT = 255;
  private static final byte LEFT_BRACE = '{';
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final HexFormat HEX = HexFormat.of();

  private FileFrames() {}

  /** One frame of the protocol. */
  public sealed interface FileFrame permits Offer, Accept, End, Result, Cancel, Chunk {
    String id();
  }

  /** "I want to send you this file." */
  public record Offer(String id, String name, long size, String type, String sha256, int chunkSize)
      implements FileFrame {}

  /** "I hold the first {@code offset} bytes; send from there." */
  public record Accept(String id, long offset) implements FileFrame {}

  /** Every byte was sent. */
  public record End(String id) implements FileFrame {}

  /** The SHA-256 the receiver computed; {@code ok} when it equals the offer's. */
  public record Result(String id, boolean ok, String sha256) implements FileFrame {}

  /** The transfer ends without a result. */
  public record Cancel(String id, String reason) implements FileFrame {}

  /** File bytes from {@code offset}. */
  public record Chunk(String id, long offset, byte[] data) implements FileFrame {
    @Override
    public boolean equals(Object o) {
      return o instanceof Chunk c && id.equals(c.id) && offset == c.offset && java.util.Arrays.equals(data, c.data);
    }

    @Override
    public int hashCode() {
      return (id.hashCode() * 31 + Long.hashCode(offset)) * 31 + java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Chunk[" + id + " @" + offset + ", " + data.length + " bytes]";
    }
  }

  /** A frame of the protocol that breaks its rules; {@code code} is stable, the message says what. */
  public static final class FileFrameException extends Exception {
    private final String code;

    public FileFrameException(String code, String message) {
      super(message);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private static final Map<String, Set<String>> FIELDS = Map.of(
      "offer", Set.of("t", "v", "id", "name", "size", "type", "sha256", "chunkSize"),
      "accept", Set.of("t", "id", "offset"),
      "end", Set.of("t", "id"),
      "result", Set.of("t", "id", "ok", "sha256"),
      "cancel", Set.of("t", "id", "reason"));

  /** The frame, or empty when {@code raw} is not part of the file protocol (an ordinary message). */
  public static Optional<FileFrame> parse(byte[] raw) throws FileFrameException {
    if (raw.length >= CHUNK_HEADER_BYTES && raw[0] == CHUNK) {
      ByteBuffer b = ByteBuffer.wrap(raw);
      b.get();
      byte[] id = new byte[ID_BYTES];
      b.get(id);
      long offset = b.getLong();
      if (offset < 0) {
        throw new FileFrameException("bad-offset", "chunk offset beyond 2^63");
      }
      byte[] data = new byte[b.remaining()];
      b.get(data);
      return Optional.of(new Chunk(HEX.formatHex(id), offset, data));
    }
    if (raw.length == 0 || raw[0] != LEFT_BRACE) {
      return Optional.empty();
    }
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(raw);
    } catch (IOException e) {
      return Optional.empty();
    }
    JsonNode t = node.get("t");
    if (!node.isObject() || t == null || !t.isTextual() || !FIELDS.containsKey(t.asText())) {
      return Optional.empty();
    }
    String kind = t.asText();
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.get(kind).contains(name)) {
        throw new FileFrameException("bad-control", kind + " has an unexpected field " + name);
      }
    }
    String id = text(node, "id", ID, "32 lower-case hex digits");
    return Optional.of(switch (kind) {
      case "offer" -> offer(node, id);
      case "accept" -> new Accept(id, count(node, "offset"));
      case "end" -> new End(id);
      case "result" -> new Result(id, bool(node, "ok"), text(node, "sha256", SHA256, "64 lower-case hex digits"));
      default -> new Cancel(id, bounded(node, "reason"));
    });
  }

  private static Offer offer(JsonNode node, String id) throws FileFrameException {
    JsonNode v = node.get("v");
    if (v == null || !v.isInt() || v.asInt() != 1) {
      throw new FileFrameException("bad-offer", "offer needs v = 1");
    }
    String type = node.has("type") ? bounded(node, "type") : "application/octet-stream";
    long chunkSize = node.has("chunkSize") ? count(node, "chunkSize") : 16_384;
    return new Offer(id, bounded(node, "name"), count(node, "size"), type.isEmpty() ? "application/octet-stream"
        : type, text(node, "sha256", SHA256, "64 lower-case hex digits"), (int) Math.min(Integer.MAX_VALUE, chunkSize));
  }

  private static String text(JsonNode node, String field, Pattern pattern, String what) throws FileFrameException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || !pattern.matcher(value.asText()).matches()) {
      throw new FileFrameException("bad-control", field + " must be " + what);
    }
    return value.asText();
  }

  private static String bounded(JsonNode node, String field) throws FileFrameException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().length() > MAX_TEXT) {
      throw new FileFrameException("bad-control", field + " must be a string of at most " + MAX_TEXT + " characters");
    }
    return value.asText();
  }

  private static long count(JsonNode node, String field) throws FileFrameException {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToExactIntegral() || !value.canConvertToLong() || value.asLong() < 0) {
      throw new FileFrameException("bad-control", field + " must be an integer ≥ 0");
    }
    return value.asLong();
  }

  private static boolean bool(JsonNode node, String field) throws FileFrameException {
    JsonNode value = node.get(field);
    if (value == null || !value.isBoolean()) {
      throw new FileFrameException("bad-control", field + " must be true or false");
    }
    return value.asBoolean();
  }

  /** Encodes a frame for the wire. */
  public static byte[] encode(FileFrame frame) {
    if (frame instanceof Chunk c) {
      return ByteBuffer.allocate(CHUNK_HEADER_BYTES + c.data().length).put(CHUNK).put(HEX.parseHex(c.id()))
          .putLong(c.offset()).put(c.data()).array();
    }
    Map<String, Object> json = new LinkedHashMap<>();
    if (frame instanceof Offer o) {
      json.put("t", "offer");
      json.put("v", 1);
      json.put("id", o.id());
      json.put("name", o.name());
      json.put("size", o.size());
      json.put("type", o.type());
      json.put("sha256", o.sha256());
      json.put("chunkSize", o.chunkSize());
    } else if (frame instanceof Accept a) {
      json.put("t", "accept");
      json.put("id", a.id());
      json.put("offset", a.offset());
    } else if (frame instanceof End e) {
      json.put("t", "end");
      json.put("id", e.id());
    } else if (frame instanceof Result r) {
      json.put("t", "result");
      json.put("id", r.id());
      json.put("ok", r.ok());
      json.put("sha256", r.sha256());
    } else {
      Cancel c = (Cancel) frame;
      json.put("t", "cancel");
      json.put("id", c.id());
      json.put("reason", c.reason());
    }
    return Json.write(json).getBytes(StandardCharsets.UTF_8);
  }

  /** A chunk frame built straight from a slice of the file (no copy into a record first). */
  public static byte[] chunk(String id, long offset, byte[] file, int from, int length) {
    return ByteBuffer.allocate(CHUNK_HEADER_BYTES + length).put(CHUNK).put(HEX.parseHex(id)).putLong(offset)
        .put(file, from, length).array();
  }
}

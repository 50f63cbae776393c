package io.peermesh.airelay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.peermesh.shared.json.Json;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/** Strict parsing of {@link AiRequest}s: anything not exactly one of them is refused with a code. */
public final class AiRequests {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** Room for the JSON around a prompt of the largest size allowed. */
  private static final int ENVELOPE_BYTES = 1_024;

  private AiRequests() {}

  /** Parses one {@code ai-stream} message; {@code maxPromptBytes} bounds the prompt's UTF-8 size. */
  public static AiRequest parse(byte[] data, int maxPromptBytes) throws AiException {
    if (data.length > maxPromptBytes + ENVELOPE_BYTES) {
      throw new AiException(AiErrorCode.TOO_LARGE, null, "message of " + data.length + " bytes; prompts up to "
          + maxPromptBytes + " bytes");
    }
    JsonNode root;
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(data)).toString();
      root = Json.tree(text);
    } catch (CharacterCodingException e) {
      throw new AiException(AiErrorCode.BAD_REQUEST, null, "not UTF-8");
    } catch (JsonProcessingException e) {
      throw new AiException(AiErrorCode.BAD_REQUEST, null, "not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new AiException(AiErrorCode.BAD_REQUEST, null, "not a JSON object");
    }
    JsonNode idNode = root.get("id");
    String id = idNode != null && idNode.isTextual() && ID.matcher(idNode.asText()).matches() ? idNode.asText() : null;
    JsonNode type = root.get("type");
    if (type == null || !type.isTextual()) {
      throw new AiException(AiErrorCode.BAD_REQUEST, id, "type must be a string");
    }
    if (id == null) {
      throw new AiException(AiErrorCode.BAD_REQUEST, null, "id must be 1-64 of A-Z a-z 0-9 . _ -");
    }
    return switch (type.asText()) {
      case "prompt" -> {
        only(root, id, Set.of("type", "id", "prompt"));
        JsonNode prompt = root.get("prompt");
        if (prompt == null || !prompt.isTextual() || prompt.asText().isBlank()) {
          throw new AiException(AiErrorCode.BAD_REQUEST, id, "prompt must be a non-blank string");
        }
        int bytes = prompt.asText().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxPromptBytes) {
          throw new AiException(AiErrorCode.TOO_LARGE, id, "prompt of " + bytes + " bytes; up to " + maxPromptBytes);
        }
        yield new AiRequest.Prompt(id, prompt.asText());
      }
      case "resume" -> {
        only(root, id, Set.of("type", "id", "from"));
        JsonNode from = root.get("from");
        if (from == null || !from.canConvertToLong() || !from.isIntegralNumber() || from.asLong() < 0) {
          throw new AiException(AiErrorCode.BAD_REQUEST, id, "from must be a whole number >= 0");
        }
        yield new AiRequest.Resume(id, from.asLong());
      }
      case "cancel" -> {
        only(root, id, Set.of("type", "id"));
        yield new AiRequest.Cancel(id);
      }
      default -> throw new AiException(AiErrorCode.UNKNOWN_TYPE, id, "unknown type " + type.asText());
    };
  }

  private static void only(JsonNode root, String id, Set<String> allowed) throws AiException {
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw new AiException(AiErrorCode.BAD_REQUEST, id, "field " + name + " is not allowed here");
      }
    }
  }
}

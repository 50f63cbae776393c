package io.peermesh.airelay;

import io.peermesh.shared.json.Json;

/**
 * What the AI bot sends on {@code ai-stream}: each piece of a stream carries its index {@code n} from 0, so a
 * client that resumes or receives a piece twice (a hand-over that timed out is offered again) keeps the first.
 */
public sealed interface AiReply {
  /** A piece of the answer's text. */
  record Delta(String type, String id, long n, String text) implements AiReply {
    public Delta(String id, long n, String text) {
      this("delta", id, n, text);
    }
  }

  /** The answer is complete; {@code finish}: the backend's reason ({@code stop}, {@code length}, ...) or cancelled. */
  record Done(String type, String id, long n, String finish) implements AiReply {
    public Done(String id, long n, String finish) {
      this("done", id, n, finish);
    }
  }

  /**
   * A refused request ({@code n} absent) or the end of a stream that failed ({@code n} its last index);
   * {@code id} absent when the request could not be read.
   */
  record Error(String type, String id, Long n, String code, String message) implements AiReply {
    public Error(String id, Long n, AiErrorCode code, String message) {
      this("error", id, n, code.wire(), message);
    }
  }

  static byte[] encode(AiReply reply) {
    return Json.writeBytes(reply);
  }
}

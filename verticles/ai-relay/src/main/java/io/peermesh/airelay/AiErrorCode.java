package io.peermesh.airelay;

/** Error codes the AI relay answers with on {@code ai-stream} (docs/AI.md). */
public enum AiErrorCode {
  /** Not JSON, not an object, a field missing, of the wrong type or not allowed. */
  BAD_REQUEST("ai-bad-request"),
  /** A {@code type} the relay does not know. */
  UNKNOWN_TYPE("ai-unknown-type"),
  /** The message or its prompt is over the limit. */
  TOO_LARGE("ai-too-large"),
  /** A prompt reused the id of a stream this client still has (answering, or kept for resuming). */
  DUPLICATE_ID("ai-duplicate-id"),
  /** A resume or cancel named no stream this client has. */
  UNKNOWN_STREAM("ai-unknown-stream"),
  /** The client (or the relay) already has as many answers under way as it may. */
  BUSY("ai-busy"),
  /** The client asked more often than {@code promptsPerMinute} allows. */
  RATE_LIMITED("ai-rate-limited"),
  /** The backend refused, failed or broke off the answer. */
  BACKEND("ai-backend-error"),
  /** The backend went silent for longer than its idle timeout. */
  BACKEND_TIMEOUT("ai-backend-timeout"),
  /** The answer grew past the limit; what came before stays. */
  ANSWER_TOO_LARGE("ai-answer-too-large"),
  /** The relay streaming the answer stopped (its node left the cluster); what it had archived stays. */
  INTERRUPTED("ai-interrupted");

  private final String wire;

  AiErrorCode(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }
}

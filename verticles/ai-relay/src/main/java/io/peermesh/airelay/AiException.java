package io.peermesh.airelay;

/** A request the relay refuses, with the code the client gets back. */
public final class AiException extends Exception {
  private final AiErrorCode code;
  /** The stream the refused request named, when it could be read; else null. */
  private final String id;

  public AiException(AiErrorCode code, String id, String message) {
    super(message, null, false, false);
    this.code = code;
    this.id = id;
  }

  public AiErrorCode code() {
    return code;
  }

  public String id() {
    return id;
  }
}

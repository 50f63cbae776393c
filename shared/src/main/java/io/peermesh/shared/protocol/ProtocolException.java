package io.peermesh.shared.protocol;

/** A client input the protocol rejects; carries the error code, the offending field and message ref. */
public final class ProtocolException extends Exception {
  private final ErrorCode code;
  private final String field;
  private final String ref;

  public ProtocolException(ErrorCode code, String message, String field, String ref) {
    super(message, null, false, false);
    this.code = code;
    this.field = field;
    this.ref = ref;
  }

  public ProtocolException(ErrorCode code, String message) {
    this(code, message, null, null);
  }

  public ErrorCode code() {
    return code;
  }

  public String field() {
    return field;
  }

  public String ref() {
    return ref;
  }

  /** The same error, pointing at the message that caused it. */
  public ProtocolException withRef(String newRef) {
    return new ProtocolException(code, getMessage(), field, newRef);
  }
}

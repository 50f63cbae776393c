package io.peermesh.airelay;

/** Where answers come from. Calls its sink on the caller's Vert.x context, in order, ending once. */
public interface AiBackend {
  /** Receives one answer as it streams. */
  interface Sink {
    void text(String piece);

    /** The answer is complete; {@code finish} is the backend's reason (e.g. {@code stop}, {@code length}). */
    void done(String finish);

    void failed(AiErrorCode code, String message);
  }

  /**
   * Starts answering {@code prompt}, after the client's earlier exchanges ({@code history}, oldest first); the
   * returned handle stops it (the sink hears nothing more).
   */
  Runnable answer(java.util.List<AiHistory.Turn> history, String prompt, Sink sink);

  /** Releases connections. */
  void close();
}

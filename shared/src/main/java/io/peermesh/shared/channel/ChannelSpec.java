package io.peermesh.shared.channel;

import java.util.Optional;

/**
 * The five data channels every PeerMesh connection carries. Both sides create them with {@code negotiated:
 * true} and these fixed ids, so neither waits for the other to announce them. docs/PROTOCOL.md has the table.
 */
public enum ChannelSpec {
  /** Real-time code deltas: exactly once and in order, even across reconnection (sequenced frames). */
  CODE_SYNC("code-sync", 0, true, -1, Priority.CRITICAL, true),
  /** Cursor positions: the latest wins, so a lost one is never resent. */
  CURSOR_POS("cursor-pos", 1, false, 0, Priority.HIGH, false),
  /** AI response streaming: exactly once and in order, resumable (sequenced frames). */
  AI_STREAM("ai-stream", 2, true, -1, Priority.CRITICAL, true),
  /** Who is here, status and the liveness heartbeat. */
  PRESENCE("presence", 3, true, -1, Priority.NORMAL, false),
  /** Large files: chunked and checksummed by the sender, paced below the other channels. */
  FILES("files", 4, true, -1, Priority.LOW, false);

  private final String label;
  private final int id;
  private final boolean ordered;
  private final int maxRetransmits;
  private final Priority priority;
  private final boolean sequenced;

  ChannelSpec(String label, int id, boolean ordered, int maxRetransmits, Priority priority, boolean sequenced) {
    this.label = label;
    this.id = id;
    this.ordered = ordered;
    this.maxRetransmits = maxRetransmits;
    this.priority = priority;
    this.sequenced = sequenced;
  }

  public String label() {
    return label;
  }

  /** The SCTP stream id both sides use. */
  public int id() {
    return id;
  }

  public boolean ordered() {
    return ordered;
  }

  /** -1: fully reliable; 0: never retransmitted. */
  public int maxRetransmits() {
    return maxRetransmits;
  }

  public boolean reliable() {
    return maxRetransmits < 0;
  }

  public Priority priority() {
    return priority;
  }

  /** True when messages carry sequence numbers and acks ({@link Frames}). */
  public boolean sequenced() {
    return sequenced;
  }

  public static Optional<ChannelSpec> byLabel(String label) {
    for (ChannelSpec spec : values()) {
      if (spec.label.equals(label)) {
        return Optional.of(spec);
      }
    }
    return Optional.empty();
  }

  public static Optional<ChannelSpec> byId(int id) {
    for (ChannelSpec spec : values()) {
      if (spec.id == id) {
        return Optional.of(spec);
      }
    }
    return Optional.empty();
  }
}

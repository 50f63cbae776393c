package io.peermesh.airelay;

/**
 * What a client sends the AI bot on {@code ai-stream}, one JSON object per message (docs/AI.md). {@code id}
 * names the answer stream and is the client's choice (1-64 of {@code A-Za-z0-9._-}).
 */
public sealed interface AiRequest {
  String id();

  /** Ask: the answer streams back as {@code delta} messages and one {@code done} (or {@code error}). */
  record Prompt(String id, String prompt) implements AiRequest {}

  /** Send the stream again from piece {@code from} (what the client holds), to the connection this came on. */
  record Resume(String id, long from) implements AiRequest {}

  /** Stop the answer: it ends with {@code done}, finish {@code cancelled}. */
  record Cancel(String id) implements AiRequest {}
}

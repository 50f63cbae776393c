package io.peermesh.airelay;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Typed {@code ai} config section (defaults in conf/peermesh.json, documented in conf/README.md).
 *
 * @param enabled whether the node runs the AI relay (it needs the supervisor role)
 * @param peer the start of the bot's peer id: {@code <peer>-<room>} in each room (peer ids are unique across rooms)
 * @param rooms rooms the bot joins when the relay starts (more by {@code peermesh.ai.invite})
 * @param remotes regular expression of the peer ids the bot connects with; null: everyone in the room
 * @param tokenEnv environment variable holding the bot's signaling token; null: join without one (dev mode). The
 *     bot's peer id is then the token's subject, so the relay serves one room (the one configured; no invites)
 * @param maxPromptBytes the largest prompt (UTF-8) accepted
 * @param maxStreamsPerClient answers one client may have under way at once
 * @param maxStreams answers the relay keeps at once (under way and kept for resuming)
 * @param maxAnswerBytes the longest answer kept; past it the answer ends with {@code ai-answer-too-large}
 * @param retainMs how long a finished answer is kept for resuming
 * @param sendTimeoutMs the longest a hand-over to the bot's connection may take before it is offered again
 * @param promptsPerMinute prompts one client may send per minute in a room (sustained); 0: no limit
 * @param promptBurst prompts one client may send at once before the per-minute rate applies
 * @param historyTurns exchanges (prompt and complete answer) remembered per client and sent before its next
 *     prompt; 0: none (every prompt stands alone)
 * @param historyMaxBytes the most a client's remembered exchanges may hold (UTF-8); the oldest go first
 * @param claimIntervalMs how often the relay checks the cluster's rooms: a room whose relay's node left is
 *     taken over, a bot that failed to join is brought in again (also done at once when a member leaves)
 * @param archive copy answers into the cluster as they stream (when clustered), so the relay taking a room over
 *     after a node died serves resumes of them ({@link AiArchive})
 * @param backend the OpenAI-compatible endpoint answers come from
 */
public record AiRelayOptions(boolean enabled, String peer, List<String> rooms, String remotes, String tokenEnv,
    int maxPromptBytes, int maxStreamsPerClient, int maxStreams, int maxAnswerBytes, long retainMs,
    long sendTimeoutMs, int promptsPerMinute, int promptBurst, int historyTurns, int historyMaxBytes, long claimIntervalMs, boolean archive, Backend backend) {

  /**
   * @param url base URL of the API (the part before {@code /chat/completions}, e.g.
   *     {@code http://127.0.0.1:11434/v1}); required when enabled
   * @param model the model named in each request
   * @param apiKeyEnv environment variable holding the API key (sent as a bearer token); null: none
   * @param system system prompt sent before each user prompt; null: none
   * @param maxTokens the answer's token limit sent to the backend; 0: the backend's own
   * @param connectTimeoutMs limit for connecting to the backend
   * @param idleTimeoutMs the longest the backend may stay silent during an answer
   * @param maxConnections connections to the backend at once: answers streaming at once (more wait for one)
   */
  public record Backend(String url, String model, String apiKeyEnv, String system, int maxTokens,
      long connectTimeoutMs, long idleTimeoutMs, int maxConnections) {}

  public AiRelayOptions {
    rooms = List.copyOf(rooms);
    if (maxPromptBytes < 1 || maxStreamsPerClient < 1 || maxStreams < 1 || maxAnswerBytes < 1 || retainMs < 0
        || sendTimeoutMs < 1 || promptsPerMinute < 0 || promptBurst < 1 || historyTurns < 0 || historyMaxBytes < 0 || claimIntervalMs < 1 || backend.connectTimeoutMs() < 1 || backend.idleTimeoutMs() < 1 || backend.maxConnections() < 1) {
      throw new IllegalArgumentException("ai: limits and timeouts must be positive (retainMs may be 0)");
    }
    if (enabled && (backend.url() == null || backend.model() == null)) {
      throw new IllegalArgumentException("ai.backend.url and ai.backend.model are required when ai.enabled");
    }
    if (tokenEnv != null && rooms.size() > 1) {
      throw new IllegalArgumentException("ai.tokenEnv: with a token the bot's peer id is the token's subject, and a"
          + " peer id is in one room at a time: configure one room");
    }
    if (remotes != null) {
      try {
        Pattern.compile(remotes);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("ai.remotes is not a regular expression: " + e.getDescription());
      }
    }
  }

  private static final java.util.Set<String> KEYS = java.util.Set.of("enabled", "peer", "rooms", "remotes", "tokenEnv",
      "maxPromptBytes", "maxStreamsPerClient", "maxStreams", "maxAnswerBytes", "retainMs", "sendTimeoutMs",
      "promptsPerMinute", "promptBurst", "historyTurns", "historyMaxBytes", "claimIntervalMs", "archive", "backend");
  private static final java.util.Set<String> BACKEND_KEYS = java.util.Set.of("url", "model", "apiKeyEnv", "system",
      "maxTokens", "connectTimeoutMs", "idleTimeoutMs", "maxConnections");

  /** Reads the section; an unknown key is an error (a typo must not fall back to a default). */
  public static AiRelayOptions from(JsonObject json) {
    JsonObject j = json == null ? new JsonObject() : json;
    JsonObject b = j.getJsonObject("backend", new JsonObject());
    known("ai", j, KEYS);
    known("ai.backend", b, BACKEND_KEYS);
    String url = b.getString("url");
    Backend backend = new Backend(url == null ? null : url.replaceAll("/+$", ""), b.getString("model"),
        b.getString("apiKeyEnv"), b.getString("system"), b.getInteger("maxTokens", 0),
        b.getLong("connectTimeoutMs", 5_000L), b.getLong("idleTimeoutMs", 30_000L),
        b.getInteger("maxConnections", 64));
    return new AiRelayOptions(j.getBoolean("enabled", false), j.getString("peer", "ai-assistant"),
        j.getJsonArray("rooms", new JsonArray()).stream().map(String::valueOf).toList(), j.getString("remotes"),
        j.getString("tokenEnv"), j.getInteger("maxPromptBytes", 16_384), j.getInteger("maxStreamsPerClient", 2),
        j.getInteger("maxStreams", 1_000), j.getInteger("maxAnswerBytes", 1 << 20), j.getLong("retainMs", 600_000L),
        j.getLong("sendTimeoutMs", 5_000L), j.getInteger("promptsPerMinute", 20), j.getInteger("promptBurst", 5),
        j.getInteger("historyTurns", 8), j.getInteger("historyMaxBytes", 32_768),
        j.getLong("claimIntervalMs", 2_000L), j.getBoolean("archive", true), backend);
  }

  private static void known(String section, JsonObject json, java.util.Set<String> keys) {
    for (String key : json.fieldNames()) {
      if (!keys.contains(key)) {
        throw new IllegalArgumentException(section + "." + key + ": unknown key; known: " + new java.util.TreeSet<>(keys));
      }
    }
  }
}

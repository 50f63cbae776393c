package io.peermesh.airelay;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** The answers the relay holds, by room, client and id, with the limits on them. Single-threaded (one context). */
final class AiStreams {
  private final Map<String, AiStream> byKey = new HashMap<>();
  private final int maxPerClient;
  private final int maxStreams;
  private final long retainMs;
  private final LongSupplier nowMillis;

  AiStreams(int maxPerClient, int maxStreams, long retainMs, LongSupplier nowMillis) {
    this.maxPerClient = maxPerClient;
    this.maxStreams = maxStreams;
    this.retainMs = retainMs;
    this.nowMillis = nowMillis;
  }

  private static String key(String room, String client, String id) {
    return room + '\n' + client + '\n' + id;
  }

  /** A new answer stream, or refused: the id is taken, the client or the relay is at its limit. */
  AiStream open(String room, String client, String id, String connection) throws AiException {
    check(room, client, id);
    AiStream stream = new AiStream(room, client, id, connection);
    byKey.put(key(room, client, id), stream);
    return stream;
  }

  /** Refuses as {@link #open} would, opening nothing. */
  void check(String room, String client, String id) throws AiException {
    sweep();
    String key = key(room, client, id);
    if (byKey.containsKey(key)) {
      throw new AiException(AiErrorCode.DUPLICATE_ID, id, "stream " + id + " exists; pick a new id");
    }
    long answering = byKey.values().stream().filter(s -> !s.ended() && s.room.equals(room)
        && s.client.equals(client)).count();
    if (answering >= maxPerClient) {
      throw new AiException(AiErrorCode.BUSY, id, answering + " answers under way; the limit is " + maxPerClient);
    }
    if (byKey.size() >= maxStreams) {
      throw new AiException(AiErrorCode.BUSY, id, "the relay holds " + maxStreams + " answers; try again later");
    }
  }

  /**
   * Keeps an answer restored from the archive; if one with its key appeared meanwhile (another resume restored
   * it first) that one is returned. Refused when the relay is at its limit.
   */
  AiStream adopt(AiStream restored) throws AiException {
    sweep();
    String key = key(restored.room, restored.client, restored.id);
    AiStream held = byKey.get(key);
    if (held != null) {
      return held;
    }
    if (byKey.size() >= maxStreams) {
      throw new AiException(AiErrorCode.BUSY, restored.id, "the relay holds " + maxStreams
          + " answers; try again later");
    }
    byKey.put(key, restored);
    return restored;
  }

  AiStream get(String room, String client, String id) throws AiException {
    sweep();
    AiStream stream = byKey.get(key(room, client, id));
    if (stream == null) {
      throw new AiException(AiErrorCode.UNKNOWN_STREAM, id, "no stream " + id + " (never opened, or expired)");
    }
    return stream;
  }

  /** Forgets answers that ended more than {@code retainMs} ago. */
  void sweep() {
    long now = nowMillis.getAsLong();
    byKey.values().removeIf(s -> s.ended() && now - s.endedAtMillis() >= retainMs);
  }

  List<AiStream> all() {
    return List.copyOf(byKey.values());
  }
}

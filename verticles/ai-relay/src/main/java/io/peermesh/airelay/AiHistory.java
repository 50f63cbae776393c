package io.peermesh.airelay;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each client's conversation with the bot: its last prompts and the answers they got, sent to the backend before
 * the next prompt so the assistant remembers. Bounded per client (turns and bytes, oldest dropped first) and in
 * clients (the least recently asking forgotten first). Single-threaded (the relay's context).
 */
final class AiHistory {
  /** One exchange: a prompt and the complete answer it got. */
  record Turn(String prompt, String answer) {
    int bytes() {
      return prompt.getBytes(StandardCharsets.UTF_8).length + answer.getBytes(StandardCharsets.UTF_8).length;
    }
  }

  private final int maxTurns;
  private final int maxBytes;
  private final Map<String, ArrayDeque<Turn>> byClient;

  AiHistory(int maxTurns, int maxBytes, int maxClients) {
    this.maxTurns = maxTurns;
    this.maxBytes = maxBytes;
    this.byClient = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Turn>> eldest) {
        return size() > maxClients;
      }
    };
  }

  private static String key(String room, String client) {
    return room + '\n' + client;
  }

  /** The turns to send before {@code client}'s next prompt, oldest first. */
  List<Turn> turns(String room, String client) {
    ArrayDeque<Turn> turns = byClient.get(key(room, client));
    return turns == null ? List.of() : List.copyOf(turns);
  }

  /** Remembers a complete exchange (an answer cut short or failed is not one). */
  void add(String room, String client, Turn turn) {
    if (maxTurns == 0) {
      return;
    }
    ArrayDeque<Turn> turns = byClient.computeIfAbsent(key(room, client), k -> new ArrayDeque<>());
    turns.addLast(turn);
    trim(turns);
  }

  private void trim(ArrayDeque<Turn> turns) {
    int bytes = turns.stream().mapToInt(Turn::bytes).sum();
    while (turns.size() > maxTurns || bytes > maxBytes && !turns.isEmpty()) {
      bytes -= turns.removeFirst().bytes();
    }
  }

  /** Whether {@code client} has a conversation here (possibly empty of turns). */
  boolean knows(String room, String client) {
    return byClient.containsKey(key(room, client));
  }

  /** Takes a conversation kept elsewhere (the cluster's copy), unless this client has one here already. */
  void restore(String room, String client, List<Turn> turns) {
    if (maxTurns == 0 || knows(room, client)) {
      return;
    }
    ArrayDeque<Turn> restored = new ArrayDeque<>();
    byClient.put(key(room, client), restored);
    turns.forEach(turn -> {
      restored.addLast(turn);
      trim(restored);
    });
  }

  int clients() {
    return byClient.size();
  }
}

package io.peermesh.router;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * What the room's other nodes hold of each routed source's sequenced channels (code-sync, ai-stream), so that
 * the source's client is acknowledged a message only once every other node routing the room has it: a node that
 * dies then loses no message its sender took as safe (docs/ROUTER.md). Per source and other node it keeps the
 * highest number sent there and the highest that node acknowledged (cumulatively: the bus keeps one sender's
 * order); the commit is the highest number below every node's first unacknowledged one. A node that leaves the
 * room or the cluster holds nothing back; one that acknowledges nothing for {@code stuckNanos} while messages
 * wait is passed over (logged once) and holds nothing back until it acknowledges again, so one stuck router
 * cannot stop a room, nor slow it again and again. Single-threaded (the router's context).
 */
final class CommitTracker {
  private static final Logger LOG = Logger.getLogger(CommitTracker.class.getName());

  /** Where commits go: the source connection's supervisor. */
  interface Committer {
    void commit(String connection, String channel, long generation, long upTo);
  }

  private static final class Source {
    final String room;
    long generation;
    long highest;
    long committed;
    /**
     * Other node → {highest sent, highest acknowledged, when its acknowledgements last moved, when what it has
     * not acknowledged was last sent again}.
     */
    final Map<String, long[]> nodes = new HashMap<>();
    /** Nodes passed over as stuck: left out until they acknowledge again. */
    final Set<String> passedOver = new HashSet<>();

    Source(String room, long generation) {
      this.room = room;
      this.generation = generation;
    }
  }

  private final Map<String, Source> sources = new HashMap<>();
  private final Set<String> dirty = new HashSet<>();
  private final long stuckNanos;
  private final LongSupplier nanoClock;
  private final Committer committer;

  CommitTracker(long stuckNanos, LongSupplier nanoClock, Committer committer) {
    this.stuckNanos = stuckNanos;
    this.nanoClock = nanoClock;
    this.committer = committer;
  }

  private static String key(String connection, String channel) {
    return connection + '\n' + channel;
  }

  /** Message {@code seq} of a source went to {@code nodes} (empty: this node alone routes the room). */
  void sent(String room, String connection, String channel, long generation, long seq, Iterable<String> nodes) {
    String key = key(connection, channel);
    Source source = sources.get(key);
    if (source == null || source.generation != generation || seq <= source.highest) {
      // A new numbering (the client behind the relay started over): nothing of the old one is owed.
      source = new Source(room, generation);
      sources.put(key, source);
    }
    source.highest = seq;
    long now = nanoClock.getAsLong();
    for (String node : nodes) {
      if (source.passedOver.contains(node)) {
        continue;
      }
      long[] state = source.nodes.computeIfAbsent(node, n -> new long[] {0, 0, now, now});
      if (state[0] <= state[1]) {
        // Nothing was waiting at that node: the wait for this message starts now.
        state[2] = now;
        state[3] = now;
      }
      state[0] = seq;
    }
    dirty.add(key);
  }

  /** Node {@code node} holds every message of the source up to {@code upTo} it was sent. */
  void acked(String node, String connection, String channel, long generation, long upTo) {
    String key = key(connection, channel);
    Source source = sources.get(key);
    if (source == null || source.generation != generation) {
      return;
    }
    if (source.passedOver.remove(node)) {
      // Back: it holds what it acknowledges, and from now on holds the commit back again.
      long now = nanoClock.getAsLong();
      source.nodes.put(node, new long[] {upTo, upTo, now, now});
      return;
    }
    long[] state = source.nodes.get(node);
    if (state != null && upTo > state[1]) {
      state[1] = upTo;
      state[2] = nanoClock.getAsLong();
      dirty.add(key);
    }
  }

  /** Node {@code node} no longer routes {@code room} (null: any room; it left the cluster). */
  void nodeGone(String node, String room) {
    sources.forEach((key, source) -> {
      if (room == null || source.room.equals(room)) {
        source.passedOver.remove(node);
        if (source.nodes.remove(node) != null) {
          dirty.add(key);
        }
      }
    });
  }

  /** The connection left routing: its sources are forgotten (its supervisor's acks are released). */
  void forget(String connection) {
    for (Iterator<Map.Entry<String, Source>> it = sources.entrySet().iterator(); it.hasNext(); ) {
      String key = it.next().getKey();
      if (key.startsWith(connection + '\n')) {
        it.remove();
        dirty.remove(key);
      }
    }
  }

  /** Where what a node has not acknowledged for a while goes again: the messages after {@code acked}. */
  interface Resender {
    void resend(String node, String connection, String channel, long generation, long acked);
  }

  /**
   * Sends again, through {@code resender}, what a node has not acknowledged for {@code afterNanos} (since its
   * acknowledgements last moved or this was last done): the message lost may have been the last one sent, and
   * then no later one shows the node its gap.
   */
  void resendOverdue(long afterNanos, Resender resender) {
    long now = nanoClock.getAsLong();
    sources.forEach((key, source) -> source.nodes.forEach((node, state) -> {
      if (state[0] > state[1] && now - Math.max(state[2], state[3]) > afterNanos) {
        state[3] = now;
        int split = key.indexOf('\n');
        resender.resend(node, key.substring(0, split), key.substring(split + 1), source.generation, state[1]);
      }
    }));
  }

  /** Passes over the nodes stuck past {@code stuckNanos}, then sends the commits that moved (periodically). */
  void passOverStuck() {
    long now = nanoClock.getAsLong();
    for (Map.Entry<String, Source> entry : sources.entrySet()) {
      Source source = entry.getValue();
      for (Iterator<Map.Entry<String, long[]>> it = source.nodes.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, long[]> node = it.next();
        long[] state = node.getValue();
        if (state[0] > state[1] && now - state[2] > stuckNanos) {
          LOG.warning("node " + node.getKey() + " acknowledged nothing of " + entry.getKey().replace('\n', '/')
              + " for " + stuckNanos / 1_000_000 + " ms; its messages no longer hold the sender's acks back");
          it.remove();
          source.passedOver.add(node.getKey());
          dirty.add(entry.getKey());
        }
      }
    }
    flush();
  }

  /** Sends the commits that moved since the last flush (only the sources that changed are looked at). */
  void flush() {
    for (String key : dirty) {
      Source source = sources.get(key);
      if (source == null) {
        continue;
      }
      long commit = source.highest;
      for (long[] state : source.nodes.values()) {
        if (state[0] > state[1]) {
          commit = Math.min(commit, state[1]);
        }
      }
      if (commit > source.committed) {
        source.committed = commit;
        int split = key.indexOf('\n');
        committer.commit(key.substring(0, split), key.substring(split + 1), source.generation, commit);
      }
    }
    dirty.clear();
  }

  /** Whether any source has messages an other node has not acknowledged (the stuck check then has work). */
  boolean waiting() {
    return sources.values().stream().anyMatch(s -> s.nodes.values().stream().anyMatch(n -> n[0] > n[1]));
  }
}

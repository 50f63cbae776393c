package io.peermesh.airelay;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * Answers copied into the cluster, so that the relay taking a room over after its node died serves resumes of
 * what the dead one streamed. An answer is a header ({@code pieces}, {@code chunks}, {@code ended}) and chunks of
 * its encoded pieces in a cluster map; it is written as it streams, at most {@link #CHUNK} pieces or
 * {@link #FLUSH_MS} behind, one write at a time and the header after its chunk, so a header never names a chunk
 * that was not written. Entries expire {@code ttlMs} after their last write. Each client's conversation
 * ({@link AiHistory}) is copied too, whole on every change, for {@link #HISTORY_TTL_MS}. Runs on the relay's
 * context.
 */
final class AiArchive {
  private static final Logger LOG = Logger.getLogger(AiArchive.class.getName());
  /** Cluster-wide map: answer key (and {@code #<chunk>}) → JSON. */
  static final String MAP = "peermesh.ai.answers";
  /** Cluster-wide map: room and client → JSON array of {prompt, answer}. */
  static final String HISTORY_MAP = "peermesh.ai.history";
  static final long HISTORY_TTL_MS = 86_400_000;
  static final int CHUNK = 64;
  static final long FLUSH_MS = 500;

  private final Vertx vertx;
  private final AsyncMap<String, String> map;
  private final AsyncMap<String, String> histories;
  private final long ttlMs;

  AiArchive(Vertx vertx, AsyncMap<String, String> map, AsyncMap<String, String> histories, long ttlMs) {
    this.vertx = vertx;
    this.map = map;
    this.histories = histories;
    this.ttlMs = ttlMs;
  }

  /** Copies {@code client}'s conversation as it is now (fire and forget: a lost copy costs only memory). */
  void saveHistory(String room, String client, List<AiHistory.Turn> turns) {
    JsonArray json = new JsonArray();
    turns.forEach(t -> json.add(new JsonObject().put("prompt", t.prompt()).put("answer", t.answer())));
    histories.put(room + '\n' + client, json.encode(), HISTORY_TTL_MS).onFailure(e -> LOG.fine(
        "conversation of " + client + " not copied: " + e.getMessage()));
  }

  /** {@code client}'s copied conversation, empty when there is none. */
  Future<List<AiHistory.Turn>> loadHistory(String room, String client) {
    return histories.get(room + '\n' + client).map(saved -> saved == null ? List.of()
        : new JsonArray(saved).stream().map(o -> (JsonObject) o)
            .map(t -> new AiHistory.Turn(t.getString("prompt"), t.getString("answer"))).toList());
  }

  private static String key(String room, String client, String id) {
    return room + '\n' + client + '\n' + id;
  }

  /** The stream has new pieces: written now when a chunk is full or the answer ended, else within FLUSH_MS. */
  void changed(AiStream stream) {
    int waiting = stream.size() - stream.archived;
    if (stream.archiving || waiting <= 0) {
      return;
    }
    if (waiting >= CHUNK || stream.ended()) {
      write(stream);
    } else if (stream.archiveTimer < 0) {
      stream.archiveTimer = vertx.setTimer(FLUSH_MS, id -> {
        stream.archiveTimer = -1;
        write(stream);
      });
    }
  }

  private void write(AiStream stream) {
    if (stream.archiveTimer >= 0) {
      vertx.cancelTimer(stream.archiveTimer);
      stream.archiveTimer = -1;
    }
    int from = stream.archived;
    if (stream.archiving || from >= stream.size()) {
      return;
    }
    List<byte[]> pieces = stream.pieces(from, CHUNK);
    int to = stream.after(from, pieces.size());
    stream.archiving = true;
    JsonArray chunk = new JsonArray();
    pieces.forEach(piece -> chunk.add(new String(piece, StandardCharsets.UTF_8)));
    int index = stream.archivedChunks;
    boolean ended = stream.ended() && to == stream.size();
    String key = key(stream.room, stream.client, stream.id);
    map.put(key + '#' + index, chunk.encode(), ttlMs)
        .compose(v -> map.put(key, new JsonObject().put("pieces", to).put("chunks", index + 1).put("ended", ended)
            .encode(), ttlMs))
        .onComplete(written -> {
          stream.archiving = false;
          if (written.succeeded()) {
            stream.archived = to;
            stream.archivedChunks = index + 1;
            changed(stream);
          } else {
            LOG.warning("AI answer " + stream.id + " not archived: " + written.cause().getMessage());
            // Tried again with what comes next, or after FLUSH_MS when nothing does.
            if (stream.archiveTimer < 0) {
              stream.archiveTimer = vertx.setTimer(FLUSH_MS, id -> {
                stream.archiveTimer = -1;
                write(stream);
              });
            }
          }
        });
  }

  /**
   * The archived answer, or null when there is none (never archived, expired, or a chunk missing); an answer
   * that had not ended ends with {@code ai-interrupted} at {@code from} or later (see {@link AiStream#restored}).
   */
  Future<AiStream> restore(String room, String client, String id, String connection, long from) {
    String key = key(room, client, id);
    return map.get(key).compose(header -> {
      if (header == null) {
        return Future.succeededFuture(null);
      }
      JsonObject h = new JsonObject(header);
      List<Future<String>> reads = IntStream.range(0, h.getInteger("chunks")).mapToObj(i -> map.get(key + '#' + i))
          .toList();
      return Future.all(reads).map(all -> {
        List<byte[]> pieces = new ArrayList<>();
        long gap = 0;
        for (Future<String> read : reads) {
          if (read.result() == null) {
            return null;
          }
          for (Object p : new JsonArray(read.result())) {
            // Pieces carry their numbers: in order, but for the end of an answer restored before (placed after
            // what its client held), which may follow a gap and must be last.
            long n = new JsonObject((String) p).getLong("n");
            if (gap > 0 || n < pieces.size() || n - pieces.size() > Integer.MAX_VALUE / 2) {
              return null;
            }
            gap = n - pieces.size();
            pieces.add(((String) p).getBytes(StandardCharsets.UTF_8));
          }
        }
        AiStream stream = AiStream.restored(room, client, id, connection, pieces, (int) gap,
            h.getBoolean("ended"), from, System.currentTimeMillis());
        stream.archivedChunks = h.getInteger("chunks");
        return stream;
      });
    });
  }
}

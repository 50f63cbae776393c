package io.peermesh.airelay;

import java.util.ArrayList;
import java.util.List;

/**
 * One answer: its pieces as sent (encoded {@link AiReply} messages, the last a {@code done} or {@code error}), and
 * where they go: the connection the client last spoke from, up to {@link #next}. Kept after it ends so a client
 * that lost pieces (a reloaded page, a new connection) resumes from what it holds.
 */
final class AiStream {
  final String room;
  final String client;
  final String id;
  private final List<byte[]> pieces = new ArrayList<>();
  private long textBytes;
  private boolean ended;
  private long endedAtMillis;
  /** Stops the backend while it answers; null once ended. */
  Runnable cancel;
  /** Where pieces go; null when the last hand-over failed (the client resumes from a connection). */
  String connection;
  /** The next piece to hand to {@link #connection}. */
  int next;
  /** A hand-over is in flight for this {@link #epoch}; a resume starts a new epoch and drops the old reply. */
  boolean inFlight;
  long epoch;
  /** Pieces and chunks written to the cluster's archive ({@link AiArchive}); a write is in flight. */
  int archived;
  int archivedChunks;
  boolean archiving;
  long archiveTimer = -1;

  AiStream(String room, String client, String id, String connection) {
    this.room = room;
    this.client = client;
    this.id = id;
    this.connection = connection;
  }

  /** Index the next piece will have. */
  int size() {
    return pieces.size();
  }

  /** Up to {@code max} pieces from {@code from}; the unknown ones of a restored answer are left out. */
  List<byte[]> pieces(int from, int max) {
    return pieces.subList(from, Math.min(pieces.size(), from + max)).stream()
        .filter(java.util.Objects::nonNull).toList();
  }

  /**
   * An answer rebuilt from the archive: its pieces (null where unknown) and whether it had ended. One that had not
   * was cut off with the relay streaming it, so it ends here, at {@code atLeast} or after its last known piece
   * (whichever is later: the client may hold pieces the archive missed, and would drop a lower number).
   */
  static AiStream restored(String room, String client, String id, String connection, List<byte[]> pieces,
      boolean ended, long atLeast, long nowMillis) {
    AiStream stream = new AiStream(room, client, id, connection);
    stream.pieces.addAll(pieces);
    stream.archived = pieces.size();
    if (ended) {
      stream.ended = true;
      stream.endedAtMillis = nowMillis;
    } else {
      while (stream.pieces.size() < atLeast) {
        stream.pieces.add(null);
      }
      stream.end(new AiReply.Error(id, (long) stream.pieces.size(), AiErrorCode.INTERRUPTED,
          "the relay streaming this answer stopped (its node left); ask again"), nowMillis);
    }
    return stream;
  }

  long textBytes() {
    return textBytes;
  }

  boolean ended() {
    return ended;
  }

  long endedAtMillis() {
    return endedAtMillis;
  }

  void addText(String text, int utf8Bytes) {
    pieces.add(AiReply.encode(new AiReply.Delta(id, pieces.size(), text)));
    textBytes += utf8Bytes;
  }

  /** The last piece: {@code done} or {@code error}; nothing is added after it. */
  void end(AiReply last, long nowMillis) {
    pieces.add(AiReply.encode(last));
    ended = true;
    endedAtMillis = nowMillis;
    cancel = null;
  }

  /** Sends from {@code from} (clamped to what there is) to {@code to}, dropping any hand-over in flight. */
  void resumeTo(String to, long from) {
    connection = to;
    next = (int) Math.min(from, pieces.size());
    inFlight = false;
    epoch++;
  }
}

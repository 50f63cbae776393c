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
  /** The pieces known, in order. */
  private final List<byte[]> pieces = new ArrayList<>();
  /** A restored answer's unknown pieces: indices [gapAt, gapAt + gapLength) hold none (gapAt -1: no gap). */
  private int gapAt = -1;
  private int gapLength;
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
    return pieces.size() + gapLength;
  }

  /**
   * Up to {@code max} pieces from index {@code from}, in order; a restored answer's unknown pieces are passed
   * over (see {@link #after} for where the next call starts).
   */
  List<byte[]> pieces(int from, int max) {
    int start = stored(from);
    return List.copyOf(pieces.subList(start, Math.min(pieces.size(), start + max)));
  }

  /** The index after {@code taken} pieces given out by {@code pieces(from, ...)}. */
  int after(int from, int taken) {
    int next = stored(from) + taken;
    return gapAt >= 0 && next >= gapAt ? next + gapLength : next;
  }

  /** Where index {@code index} is kept (an index in the gap: the first piece after it). */
  private int stored(int index) {
    if (gapAt < 0 || index < gapAt) {
      return Math.min(index, pieces.size());
    }
    return Math.min(Math.max(gapAt, index - gapLength), pieces.size());
  }

  /**
   * An answer rebuilt from the archive: its pieces in order, up to {@code gapLength} unknown ones before the last
   * (an interrupted answer's end placed after what its client held), and whether it had ended. One that had not
   * was cut off with the relay streaming it, so it ends here, at {@code atLeast} or after its last known piece
   * (whichever is later: the client may hold pieces the archive missed, and would drop a lower number). No
   * memory is spent on unknown pieces, however far the client's {@code from} reaches.
   */
  static AiStream restored(String room, String client, String id, String connection, List<byte[]> pieces,
      int gapLength, boolean ended, long atLeast, long nowMillis) {
    AiStream stream = new AiStream(room, client, id, connection);
    stream.pieces.addAll(pieces);
    if (gapLength > 0) {
      stream.gapAt = pieces.size() - 1;
      stream.gapLength = gapLength;
    }
    stream.archived = stream.size();
    if (ended) {
      stream.ended = true;
      stream.endedAtMillis = nowMillis;
    } else {
      if (atLeast > stream.size()) {
        stream.gapAt = stream.pieces.size();
        stream.gapLength = (int) Math.min(atLeast - stream.size(), Integer.MAX_VALUE / 2);
      }
      stream.end(new AiReply.Error(id, (long) stream.size(), AiErrorCode.INTERRUPTED,
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
    pieces.add(AiReply.encode(new AiReply.Delta(id, size(), text)));
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
    next = (int) Math.min(from, size());
    inFlight = false;
    epoch++;
  }
}

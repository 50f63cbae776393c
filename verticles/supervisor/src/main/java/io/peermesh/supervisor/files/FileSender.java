package io.peermesh.supervisor.files;

import io.peermesh.shared.files.FileFrames;
import io.peermesh.shared.files.FileFrames.End;
import io.peermesh.shared.files.FileFrames.Offer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The sending half of the file protocol (web/client/FILES.md) for one remote peer. Sends chunks only from an
 * {@code accept} (every accept restarts from its offset), keeps at most {@link #QUEUED_CHUNKS} chunks waiting
 * in the channel's queue (the channel's bufferedAmount pacing does the rest), offers again after every recovery
 * of the link and when the receiver stays silent, and ends with the receiver's checksum result.
 * Single-threaded: the supervisor's context.
 */
public final class FileSender {
  static final int QUEUED_CHUNKS = 4;
  static final long REOFFER_MS = 5_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Where frames go: the supervisor's {@code files} channel. */
  public interface Outbox {
    /** False when the channel refused the frame (queue full). */
    boolean send(byte[] frame);

    /** Frames waiting in the channel's queue. */
    int queued();
  }

  /** How a transfer ended: {@code code} is null when the receiver verified the checksum. */
  public record Outcome(String id, boolean ok, String sha256, String code) {}

  private final FileLimits limits;
  private final Outbox outbox;
  private final LongSupplier clockMillis;
  private final Map<String, Outgoing> outgoing = new LinkedHashMap<>();

  private static final class Outgoing {
    final Offer offer;
    final byte[] data;
    final Consumer<Outcome> done;
    long offset;
    boolean accepted;
    boolean sentEnd;
    long lastHeard;

    Outgoing(Offer offer, byte[] data, Consumer<Outcome> done, long now) {
      this.offer = offer;
      this.data = data;
      this.done = done;
      this.lastHeard = now;
    }
  }

  public FileSender(FileLimits limits, Outbox outbox, LongSupplier clockMillis) {
    this.limits = limits;
    this.outbox = outbox;
    this.clockMillis = clockMillis;
  }

  /**
   * Starts a transfer of {@code data} (whose SHA-256 the caller computed off the event loop); returns its id.
   * {@code done} hears how it ended, once.
   */
  public String send(String name, String type, byte[] data, String sha256, Consumer<Outcome> done) {
    byte[] idBytes = new byte[FileFrames.ID_BYTES];
    RANDOM.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    String safeName = name == null || name.isEmpty() ? "file.bin" : truncate(name);
    String safeType = type == null || type.isEmpty() ? "application/octet-stream" : truncate(type);
    Offer offer = new Offer(id, safeName, data.length, safeType, sha256, limits.chunkSize());
    Outgoing t = new Outgoing(offer, data, done, clockMillis.getAsLong());
    outgoing.put(id, t);
    offer(t);
    return id;
  }

  void onAccept(FileFrames.Accept accept) {
    Outgoing t = outgoing.get(accept.id());
    if (t == null) {
      return;
    }
    if (accept.offset() > t.data.length) {
      outbox.send(FileFrames.encode(new FileFrames.Cancel(t.offer.id(), "bad-offset")));
      finish(t, new Outcome(t.offer.id(), false, t.offer.sha256(), "file-rejected"));
      return;
    }
    t.lastHeard = clockMillis.getAsLong();
    t.accepted = true;
    t.offset = accept.offset();
    t.sentEnd = false;
    pump();
  }

  void onResult(FileFrames.Result result) {
    Outgoing t = outgoing.get(result.id());
    if (t != null) {
      finish(t, new Outcome(t.offer.id(), result.ok(), result.sha256(),
          result.ok() ? null : "file-checksum-mismatch"));
    }
  }

  void onCancel(FileFrames.Cancel cancel) {
    Outgoing t = outgoing.get(cancel.id());
    if (t != null) {
      finish(t, new Outcome(t.offer.id(), false, t.offer.sha256(), "file-rejected: " + cancel.reason()));
    }
  }

  /** Sends what the channel's queue allows, then {@code end} for transfers whose bytes are all out. */
  public void pump() {
    for (Outgoing t : new ArrayList<>(outgoing.values())) {
      if (!t.accepted) {
        continue;
      }
      while (t.offset < t.data.length && outbox.queued() < QUEUED_CHUNKS) {
        int length = (int) Math.min(limits.chunkSize(), t.data.length - t.offset);
        if (!outbox.send(FileFrames.chunk(t.offer.id(), t.offset, t.data, (int) t.offset, length))) {
          return;
        }
        t.offset += length;
      }
      if (t.offset == t.data.length && !t.sentEnd && outbox.send(FileFrames.encode(new End(t.offer.id())))) {
        t.sentEnd = true;
      }
    }
  }

  /** The link is usable again after a loss: the receiver says what it holds, so lost chunks are resent. */
  public void linkRecovered() {
    outgoing.values().forEach(t -> {
      t.lastHeard = clockMillis.getAsLong();
      offer(t);
    });
  }

  /** Offers again where the receiver has said nothing for a while (its answer may have been lost). */
  void sweep(boolean linkUsable) {
    long now = clockMillis.getAsLong();
    for (Outgoing t : outgoing.values()) {
      boolean waiting = !t.accepted || t.sentEnd;
      if (waiting && linkUsable && now - t.lastHeard > REOFFER_MS) {
        t.lastHeard = now;
        offer(t);
      }
    }
  }

  /** Ends every transfer with {@code code} (the remote left, the connection closed). */
  void failAll(String code) {
    for (Outgoing t : new ArrayList<>(outgoing.values())) {
      finish(t, new Outcome(t.offer.id(), false, t.offer.sha256(), code));
    }
  }

  int uploads() {
    return outgoing.size();
  }

  /** True while some transfer has chunks or its end still to send (the short timer must keep pumping). */
  public boolean sending() {
    for (Outgoing t : outgoing.values()) {
      if (t.accepted && !t.sentEnd) {
        return true;
      }
    }
    return false;
  }

  private void offer(Outgoing t) {
    outbox.send(FileFrames.encode(t.offer));
  }

  private void finish(Outgoing t, Outcome outcome) {
    if (outgoing.remove(t.offer.id()) != null) {
      t.done.accept(outcome);
    }
  }

  private static String truncate(String s) {
    return s.length() <= FileFrames.MAX_TEXT ? s : s.substring(0, FileFrames.MAX_TEXT);
  }
}

package io.peermesh.supervisor.files;

import io.peermesh.shared.files.FileFrames;
import io.peermesh.shared.files.FileFrames.Accept;
import io.peermesh.shared.files.FileFrames.Cancel;
import io.peermesh.shared.files.FileFrames.Chunk;
import io.peermesh.shared.files.FileFrames.Offer;
import io.peermesh.shared.files.FileFrames.Result;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The receiving half of the file protocol (web/client/FILES.md) for one remote peer. Takes a chunk only at the
 * offset it holds, hashes as bytes arrive (so the check at the end costs nothing), answers gaps with a fresh
 * {@code accept}, keeps interrupted downloads as partials keyed by content so a retransfer resumes, and
 * remembers recent results so a repeated offer gets its answer again. Single-threaded: the supervisor's context.
 */
public final class FileReceiver {
  static final long GAP_REPEAT_MS = 2_000;
  static final int MAX_COMPLETED = 64;
  static final int MAX_PARTIALS = 4;
  static final long PARTIAL_TTL_MS = 10 * 60 * 1000;

  /** A finished download: {@code ok} when the SHA-256 of the bytes equals the offer's. */
  public record ReceivedFile(String id, String name, String type, long size, String sha256, boolean ok,
      List<byte[]> chunks) {}

  private final FileLimits limits;
  private final Consumer<byte[]> outbox;
  private final Consumer<ReceivedFile> onReceived;
  private final LongSupplier clockMillis;
  private final Map<String, Incoming> incoming = new LinkedHashMap<>();
  private final Map<String, Result> completed = new LinkedHashMap<>();
  private final Map<String, Partial> partials = new LinkedHashMap<>();

  private static final class Incoming {
    final Offer offer;
    List<byte[]> chunks;
    MessageDigest digest;
    long held;
    long requested = -1;
    long requestedAt;

    Incoming(Offer offer, Partial from) {
      this.offer = offer;
      this.chunks = from == null ? new ArrayList<>() : from.chunks;
      this.digest = from == null ? sha256Digest() : from.digest;
      this.held = from == null ? 0 : from.held;
    }
  }

  private record Partial(List<byte[]> chunks, MessageDigest digest, long held, long at) {}

  /** {@code outbox} sends a frame to the remote on {@code files}. */
  public FileReceiver(FileLimits limits, Consumer<byte[]> outbox, Consumer<ReceivedFile> onReceived,
      LongSupplier clockMillis) {
    this.limits = limits;
    this.outbox = outbox;
    this.onReceived = onReceived;
    this.clockMillis = clockMillis;
  }

  void onOffer(Offer offer) {
    Result done = completed.get(offer.id());
    if (done != null) {
      send(done);
      return;
    }
    Incoming t = incoming.get(offer.id());
    if (t == null) {
      String refusal = admit(offer);
      if (refusal != null) {
        send(new Cancel(offer.id(), refusal));
        return;
      }
      t = new Incoming(offer, partials.remove(contentKey(offer)));
      incoming.put(offer.id(), t);
    }
    requestFrom(t, true);
    if (t.held == offer.size()) {
      finish(t);
    }
  }

  private String admit(Offer offer) {
    if (offer.size() > limits.maxFileBytes()) {
      return "file-too-large";
    }
    long bytes = incoming.values().stream().mapToLong(t -> t.offer.size()).sum();
    if (incoming.size() >= limits.maxIncomingFiles() || bytes + offer.size() > limits.maxIncomingBytes()) {
      return "busy";
    }
    return null;
  }

  void onChunk(Chunk chunk) {
    Incoming t = incoming.get(chunk.id());
    if (t == null) {
      return;
    }
    if (chunk.offset() > t.held) {
      // A gap: chunks were lost with a replaced connection. Ask for the rest from what we hold.
      requestFrom(t, false);
      return;
    }
    long end = chunk.offset() + chunk.data().length;
    if (end <= t.held) {
      return;
    }
    if (end > t.offer.size()) {
      incoming.remove(t.offer.id());
      send(new Cancel(t.offer.id(), "more-data-than-offered"));
      return;
    }
    int skip = (int) (t.held - chunk.offset());
    byte[] fresh = skip == 0 ? chunk.data() : java.util.Arrays.copyOfRange(chunk.data(), skip, chunk.data().length);
    t.chunks.add(fresh);
    t.digest.update(fresh);
    t.held += fresh.length;
    if (t.held == t.offer.size()) {
      finish(t);
    }
  }

  void onEnd(String id) {
    Result done = completed.get(id);
    if (done != null) {
      send(done);
      return;
    }
    Incoming t = incoming.get(id);
    if (t != null && t.held < t.offer.size()) {
      requestFrom(t, false);
    }
  }

  /** The sender cancelled, or the link to it failed: what we hold becomes a partial. */
  void onCancel(String id) {
    Incoming t = incoming.remove(id);
    if (t != null) {
      keepPartial(t);
    }
  }

  /** The remote is gone: every download becomes a partial. */
  void interruptAll() {
    List<Incoming> all = new ArrayList<>(incoming.values());
    incoming.clear();
    all.forEach(this::keepPartial);
  }

  void sweep() {
    long now = clockMillis.getAsLong();
    partials.values().removeIf(p -> now - p.at() > PARTIAL_TTL_MS);
  }

  int downloads() {
    return incoming.size();
  }

  int partials() {
    return partials.size();
  }

  private void requestFrom(Incoming t, boolean force) {
    long now = clockMillis.getAsLong();
    if (!force && t.requested == t.held && now - t.requestedAt < GAP_REPEAT_MS) {
      return;
    }
    t.requested = t.held;
    t.requestedAt = now;
    send(new Accept(t.offer.id(), t.held));
  }

  private void finish(Incoming t) {
    String actual = HexFormat.of().formatHex(t.digest.digest());
    boolean ok = actual.equals(t.offer.sha256());
    incoming.remove(t.offer.id());
    Result result = new Result(t.offer.id(), ok, actual);
    completed.put(t.offer.id(), result);
    if (completed.size() > MAX_COMPLETED) {
      completed.remove(completed.keySet().iterator().next());
    }
    send(result);
    onReceived.accept(new ReceivedFile(t.offer.id(), t.offer.name(), t.offer.type(), t.offer.size(),
        actual, ok, t.chunks));
  }

  private void keepPartial(Incoming t) {
    if (t.held == 0) {
      return;
    }
    partials.remove(contentKey(t.offer));
    partials.put(contentKey(t.offer), new Partial(t.chunks, t.digest, t.held, clockMillis.getAsLong()));
    while (partials.size() > MAX_PARTIALS) {
      partials.remove(partials.keySet().iterator().next());
    }
  }

  private static String contentKey(Offer offer) {
    return offer.sha256() + "/" + offer.size();
  }

  private void send(FileFrames.FileFrame frame) {
    outbox.accept(FileFrames.encode(frame));
  }

  public static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}

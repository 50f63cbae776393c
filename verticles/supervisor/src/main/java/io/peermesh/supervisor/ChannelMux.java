package io.peermesh.supervisor;

import io.peermesh.shared.bus.BusMessages.ChannelStats;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.channel.DelayPacer;
import io.peermesh.shared.channel.Frames;
import io.peermesh.shared.channel.Priority;
import io.peermesh.shared.channel.ReliableReceiver;
import io.peermesh.shared.channel.ReliableSender;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The five channels of one supervised connection, independent of the path under them (a WebRTC link, or the
 * signaling relay in degraded mode). Sequenced channels keep every message until acknowledged and rewind after
 * a recovery; receivers deliver each sequence number once, in order. Every queue is bounded; the caller
 * hears "refused" instead of memory growing. Runs on the supervisor's context only.
 */
final class ChannelMux {

  /** Where frames go: the WebRTC link or the signaling relay. */
  interface Path {
    boolean send(ChannelSpec channel, ByteBuffer frame);

    /** Bytes waiting in the channel's transport buffer (0 where the path has none). */
    long buffered(ChannelSpec channel);

    boolean ready(ChannelSpec channel);

    /** True where frames may vanish without the transport noticing (the signaling relay). */
    default boolean lossy() {
      return false;
    }
  }

  /** Where delivered messages go. */
  interface Sink {
    void deliver(ChannelSpec channel, long seq, byte[] data);

    /** The peer broke the framing or overflowed the reorder buffer; the connection must be reset. */
    void protocolError(ChannelSpec channel, String reason);
  }

  /** Why a message was refused. */
  enum Refusal { NONE, QUEUE_FULL, RESEND_BUFFER_FULL }

  static final byte PRESENCE_HEARTBEAT = 0x00;
  static final byte PRESENCE_DATA = 0x01;
  /** A pacing probe: the kind byte and 8 opaque bytes the peer sends back at once in a {@code PROBE_REPLY}. */
  static final byte PRESENCE_PROBE = 0x02;
  static final byte PRESENCE_PROBE_REPLY = 0x03;
  /**
   * A heartbeat's tenth byte (after the kind and the send time) holds flags: this one says the sender reads
   * {@link Frames#ACKED} frames. A heartbeat of nine bytes (an older node or browser client) says no.
   */
  static final byte HEARTBEAT_READS_ACKED = 0x01;
  private static final int PROBE_BYTES = 9;
  private static final long CHECK_BUFFER_EVERY_BYTES = 64 * 1024;
  /**
   * Sequenced messages waiting together go as one batch frame of at most this many bytes (one bigger message
   * goes alone): 16 KiB is the message size every WebRTC stack takes, and it keeps a batch from holding the
   * channel as long as a file chunk would.
   */
  static final int BATCH_MAX_BYTES = 16 * 1024;
  /** On a lossy path, frames outstanding this long without ack progress are sent again (as the web client). */
  static final long RELAY_REWIND_NANOS = 3_000_000_000L;

  private final SupervisorOptions options;
  private final Sink sink;
  private final Map<ChannelSpec, Sequenced> sequenced = new EnumMap<>(ChannelSpec.class);
  private final Map<ChannelSpec, ArrayDeque<byte[]>> queues = new EnumMap<>(ChannelSpec.class);
  private final Map<ChannelSpec, Long> sentSinceCheck = new EnumMap<>(ChannelSpec.class);
  private final LongSupplier nanoClock;
  /** Runs a pump after the tasks already queued on the supervisor's context (see {@link #offer}). */
  private final Executor later;
  private final Set<ChannelSpec> pumpDue = EnumSet.noneOf(ChannelSpec.class);
  /** A task to flush {@link #pumpDue} is queued: offers until it runs wait for it. */
  private boolean burstOpen;
  /** Paces {@code files} by the queue it causes (null: pacing off, files limited by its buffer only). */
  private final DelayPacer filesPacer;
  private Path path;
  /** The remote's heartbeats say it reads acks riding on data ({@link #HEARTBEAT_READS_ACKED}). */
  private boolean remoteReadsAcked;
  private long lastHeartbeatNanos;
  private long heartbeatsReceived;
  /** Application messages and bytes per channel (index: ordinal), for the status page. */
  private final long[] messagesIn = new long[ChannelSpec.values().length];
  private final long[] bytesIn = new long[ChannelSpec.values().length];
  private final long[] messagesOut = new long[ChannelSpec.values().length];
  private final long[] bytesOut = new long[ChannelSpec.values().length];

  /** State of one sequenced channel. */
  private final class Sequenced {
    final ReliableSender sender = new ReliableSender(options.resendMaxMessages(), options.resendMaxBytes());
    final ReliableReceiver receiver = new ReliableReceiver(options.resendMaxMessages());
    /** Sequence number of the next frame to put on the path. */
    long nextToTransmit = 1;
    /** Highest sequence number ever put on a path (a rewind does not lower it): what a remote may hold. */
    long transmittedUpTo;
    int deliveredSinceAck;
    long lastAckedSent;
    long lastAckProgressNanos;
    /** Acks wait for {@link #commit}: the channel router's word that the room's other nodes hold the messages. */
    boolean held;
    long committed;

    /** What may be acknowledged: everything delivered, or, while held, what of it was committed. */
    long ackable() {
      return held ? Math.min(receiver.deliveredUpTo(), committed) : receiver.deliveredUpTo();
    }
  }

  /** Start-overs so far: a commit for an older numbering must not acknowledge the new one's messages. */
  private long generation;

  /** A mux that sends each offered message at once (no batching of bursts): for tests of everything else. */
  ChannelMux(SupervisorOptions options, Sink sink, LongSupplier nanoClock) {
    this(options, sink, nanoClock, Runnable::run);
  }

  /**
   * {@code later} runs a task on the owner's context after the ones already queued there; a burst of offers
   * waiting in that queue is then sent in batches.
   */
  ChannelMux(SupervisorOptions options, Sink sink, LongSupplier nanoClock, Executor later) {
    this.options = options;
    this.sink = sink;
    this.nanoClock = nanoClock;
    this.later = later;
    this.lastHeartbeatNanos = nanoClock.getAsLong();
    this.filesPacer = options.filesPacing() ? new DelayPacer(options.pacerSettings(), lastHeartbeatNanos) : null;
    for (ChannelSpec spec : ChannelSpec.values()) {
      sentSinceCheck.put(spec, 0L);
      if (spec.sequenced()) {
        sequenced.put(spec, new Sequenced());
      } else {
        queues.put(spec, new ArrayDeque<>());
      }
    }
  }

  /** Switches paths (null: none). Sequenced channels rewind to their oldest unacknowledged message. */
  void usePath(Path newPath) {
    this.path = newPath;
    if (filesPacer != null) {
      filesPacer.reset(nanoClock.getAsLong());
    }
    if (newPath != null) {
      for (Sequenced s : sequenced.values()) {
        s.nextToTransmit = s.sender.firstUnacked();
        s.lastAckProgressNanos = nanoClock.getAsLong();
      }
      pumpAll();
    }
  }

  boolean hasPath() {
    return path != null;
  }

  /**
   * Milliseconds the short timer should wait: 1 while paced file frames wait for their turn or a probe's
   * answer (pacing needs a fine clock), else {@code defaultMs}.
   */
  long tickDelayMs(long defaultMs) {
    return pacing() && !queues.get(ChannelSpec.FILES).isEmpty() ? 1 : defaultMs;
  }

  /**
   * Files are paced on a WebRTC link only: the signaling relay has its own message budget (60 a second),
   * which probes every 5 ms would use up, and its delay is the relay's, not a queue files could drain.
   */
  private boolean pacing() {
    return filesPacer != null && path != null && !path.lossy();
  }

  /**
   * True while the short timer has work: acknowledgements owed, messages waiting for the path (its buffer
   * may have drained; bufferedAmount is polled), or frames outstanding on a lossy path. An idle connection
   * needs no timer at all, which is what lets one node hold thousands of them.
   */
  boolean needsTick() {
    if (path == null) {
      // Nothing can move without a path; switching to one kicks the timer again.
      return false;
    }
    for (Map.Entry<ChannelSpec, Sequenced> entry : sequenced.entrySet()) {
      Sequenced s = entry.getValue();
      // Frames whose pump is queued are not the timer's work (the queued pump kicks it if they stay).
      boolean waiting = s.nextToTransmit < s.sender.nextSeq() && !pumpDue.contains(entry.getKey());
      if (s.ackable() > s.lastAckedSent || waiting
          || (path.lossy() && s.sender.firstUnacked() < s.sender.nextSeq())) {
        return true;
      }
    }
    for (ArrayDeque<byte[]> queue : queues.values()) {
      if (!queue.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Accepts an application message for {@code channel}, sent at once if the path allows; on a sequenced
   * channel, offers that follow the first before the owner's context has run the tasks queued at that moment
   * (other offers, most likely) wait for them and leave together in batches. Other channels have nothing to
   * batch, and their bounded queues must not fill up with messages the path would take.
   */
  Refusal offer(ChannelSpec channel, byte[] data) {
    noteCritical(channel);
    Sequenced s = sequenced.get(channel);
    if (s != null) {
      try {
        s.sender.enqueue(data);
      } catch (ReliableSender.ResendBufferFullException e) {
        return Refusal.RESEND_BUFFER_FULL;
      }
    } else {
      ArrayDeque<byte[]> queue = queues.get(channel);
      byte[] framed = channel == ChannelSpec.PRESENCE ? prefixed(PRESENCE_DATA, data) : data;
      if (channel == ChannelSpec.CURSOR_POS) {
        // Latest wins: a position nobody has sent yet is obsolete once a newer one exists.
        queue.clear();
      } else if (queue.size() >= options.queueMaxMessages()) {
        return Refusal.QUEUE_FULL;
      }
      queue.add(framed);
    }
    messagesOut[channel.ordinal()]++;
    bytesOut[channel.ordinal()] += data.length;
    if (s != null) {
      pumpSoon(channel);
    } else {
      pump(channel);
    }
    return Refusal.NONE;
  }

  private void pumpSoon(ChannelSpec channel) {
    if (burstOpen) {
      pumpDue.add(channel);
      return;
    }
    // The first offer of a burst goes at once (a lone message waits for nothing); those arriving before the
    // queued task runs wait for it and leave together.
    burstOpen = true;
    later.execute(() -> {
      burstOpen = false;
      flushDue();
    });
    pump(channel);
  }

  /**
   * Sends what offers left for the queued pump now (the scheduled task then finds nothing to do): called by
   * that task, and before the path goes away, so that a message accepted just before a close still leaves.
   */
  void flushDue() {
    // In priority order (the set's order is the enum's); a pump that offers more schedules a new round.
    ChannelSpec[] due = pumpDue.toArray(new ChannelSpec[0]);
    pumpDue.clear();
    for (ChannelSpec channel : due) {
      pump(channel);
    }
  }

  /** Messages waiting in {@code channel}'s queue (0 for sequenced channels, which keep a resend buffer). */
  int queued(ChannelSpec channel) {
    ArrayDeque<byte[]> queue = queues.get(channel);
    return queue == null ? 0 : queue.size();
  }

  /** Traffic per channel since the connection started; {@code buffered} is polled from the current path. */
  List<ChannelStats> stats() {
    List<ChannelStats> out = new ArrayList<>();
    for (ChannelSpec spec : ChannelSpec.values()) {
      int i = spec.ordinal();
      long buffered = path == null || !path.ready(spec) ? 0 : path.buffered(spec);
      out.add(new ChannelStats(spec.label(), messagesIn[i], bytesIn[i],
          messagesOut[i], bytesOut[i], buffered));
    }
    return out;
  }

  private void delivered(ChannelSpec channel, long seq, byte[] data) {
    noteCritical(channel);
    messagesIn[channel.ordinal()]++;
    bytesIn[channel.ordinal()] += data.length;
    sink.deliver(channel, seq, data);
  }

  /**
   * Sends a heartbeat on presence over {@code via}, ahead of any queued presence data. It goes over a link
   * that is not yet the data path too: a heartbeat answered proves the link carries data.
   */
  static void heartbeat(Path via) {
    if (via.ready(ChannelSpec.PRESENCE)) {
      ByteBuffer beat = ByteBuffer.allocate(10).put(PRESENCE_HEARTBEAT).putLong(System.currentTimeMillis())
          .put(HEARTBEAT_READS_ACKED).flip();
      via.send(ChannelSpec.PRESENCE, beat);
    }
  }

  /** Nanos since the last heartbeat arrived. */
  long silenceNanos() {
    return nanoClock.getAsLong() - lastHeartbeatNanos;
  }

  long heartbeatsReceived() {
    return heartbeatsReceived;
  }

  /**
   * The remote is a new instance (it left and joined again, or a reloaded page resumed the session): it holds
   * nothing of the old exchange and numbers from 1. If this side exchanged anything with the old instance,
   * every sequenced channel starts over at 1 both ways: what was put on a path but not acknowledged is dropped
   * (the old instance may have it; returned as the count), what was never sent is kept, renumbered, for the new
   * one. Before any exchange nothing changes (messages queued for the first link keep their numbers).
   */
  int startOver() {
    // The new instance may be of another version: it says again in its heartbeats what it reads.
    remoteReadsAcked = false;
    boolean exchanged = sequenced.values().stream()
        .anyMatch(s -> s.transmittedUpTo > 0 || s.receiver.deliveredUpTo() > 0);
    if (!exchanged) {
      return 0;
    }
    int dropped = 0;
    generation++;
    for (ChannelSpec spec : List.copyOf(sequenced.keySet())) {
      Sequenced old = sequenced.get(spec);
      Sequenced fresh = new Sequenced();
      fresh.held = old.held;
      for (Frames.Data frame : old.sender.unacked()) {
        if (frame.seq() <= old.transmittedUpTo) {
          dropped++;
        } else {
          try {
            fresh.sender.enqueue(frame.payload());
          } catch (ReliableSender.ResendBufferFullException e) {
            // Same bounds as the old buffer, which held it: cannot happen.
            throw new IllegalStateException(e);
          }
        }
      }
      sequenced.put(spec, fresh);
    }
    return dropped;
  }

  /**
   * Holds (or releases) the acknowledgements of a sequenced channel until {@link #commit}: a routed relay's
   * client must not take a message as safe before the room's other nodes hold it (docs/ROUTER.md). What was
   * delivered before the hold counts as committed; a release acknowledges everything delivered.
   */
  void holdAcks(ChannelSpec channel, boolean hold) {
    Sequenced s = sequenced.get(channel);
    if (s != null && s.held != hold) {
      s.held = hold;
      s.committed = s.receiver.deliveredUpTo();
      if (!hold && s.ackable() > s.lastAckedSent) {
        sendAck(channel, s);
      }
    }
  }

  /**
   * Messages up to {@code upTo} of a held channel are committed and acknowledged now. Ignored when given for an
   * older {@link #generation} (numbering before a start-over).
   */
  void commit(ChannelSpec channel, long generation, long upTo) {
    Sequenced s = sequenced.get(channel);
    if (s == null || !s.held || generation != this.generation || upTo <= s.committed) {
      return;
    }
    s.committed = upTo;
    // The usual cadence: at once past ackEveryMessages, else with the short timer (ackDelayMs).
    if (s.ackable() - s.lastAckedSent >= options.ackEveryMessages()) {
      sendAck(channel, s);
    }
  }

  /** The numbering's generation: incremented by every {@link #startOver} that renumbered. */
  long generation() {
    return generation;
  }

  /** Messages of a sequenced channel sent or waiting and not acknowledged by the remote yet. */
  long unacked(ChannelSpec channel) {
    Sequenced s = sequenced.get(channel);
    return s == null ? 0 : s.sender.nextSeq() - s.sender.firstUnacked();
  }

  /** Whether acknowledgements of {@code channel} wait for commits. */
  boolean acksHeld(ChannelSpec channel) {
    Sequenced s = sequenced.get(channel);
    return s != null && s.held;
  }

  /** Marks the path alive now (a new path gets a fresh silence window). */
  void resetSilence() {
    lastHeartbeatNanos = nanoClock.getAsLong();
  }

  /** Sends what the path and the buffer limits allow, highest priority first. */
  void pumpAll() {
    for (ChannelSpec spec : ChannelSpec.values()) {
      pump(spec);
    }
  }

  private void pump(ChannelSpec channel) {
    if (path == null || !path.ready(channel)) {
      return;
    }
    Sequenced s = sequenced.get(channel);
    if (s != null) {
      while (s.nextToTransmit < s.sender.nextSeq() && roomFor(channel)) {
        // Acknowledged meanwhile (e.g. over the other path): skip ahead.
        s.nextToTransmit = Math.max(s.nextToTransmit, s.sender.firstUnacked());
        List<Frames.Data> batch = nextBatch(s, remoteReadsAcked ? Frames.HEADER_BYTES : 0);
        if (batch.isEmpty()) {
          return;
        }
        // An ack owed the other way rides on this frame: its own send (a blocking call into libwebrtc, and a
        // wake-up of the remote's loop) is spared while messages flow both ways.
        // Only on a frame within the batch limit: 9 more bytes must not push a message near a transport's
        // limit (SCTP's message size, the relay's frame size) over it, where it would be refused for ever.
        long ackUpTo = s.ackable();
        ByteBuffer frame = Frames.encode(batch);
        boolean carriesAck = remoteReadsAcked && ackUpTo > s.lastAckedSent
            && frame.remaining() + Frames.HEADER_BYTES <= BATCH_MAX_BYTES;
        if (!transmit(channel, carriesAck ? Frames.withAck(ackUpTo, frame) : frame)) {
          return;
        }
        if (carriesAck) {
          s.lastAckedSent = ackUpTo;
          s.deliveredSinceAck = 0;
        }
        s.nextToTransmit += batch.size();
        s.transmittedUpTo = Math.max(s.transmittedUpTo, s.nextToTransmit - 1);
      }
      return;
    }
    ArrayDeque<byte[]> queue = queues.get(channel);
    boolean paced = channel == ChannelSpec.FILES && pacing();
    if (paced && !queue.isEmpty()) {
      probe();
    }
    while (!queue.isEmpty() && roomFor(channel)) {
      if (paced && !filesPacer.maySend(nanoClock.getAsLong())) {
        return;
      }
      byte[] frame = queue.peek();
      if (!transmit(channel, ByteBuffer.wrap(frame))) {
        return;
      }
      if (paced) {
        filesPacer.sent(frame.length, nanoClock.getAsLong());
      }
      queue.poll();
    }
  }

  /**
   * The frames from {@code nextToTransmit} on that fit one batch (one at least, when there is one), leaving
   * {@code reserve} bytes of it for an ack riding on it.
   */
  private static List<Frames.Data> nextBatch(Sequenced s, int reserve) {
    List<Frames.Data> batch = new ArrayList<>();
    int bytes = Frames.HEADER_BYTES + reserve;
    for (long seq = s.nextToTransmit; seq < s.sender.nextSeq(); seq++) {
      Frames.Data frame = s.sender.frame(seq);
      if (frame == null) {
        break;
      }
      int cost = Frames.batchCost(frame.payload().length);
      if (!batch.isEmpty() && bytes + cost > BATCH_MAX_BYTES) {
        break;
      }
      batch.add(frame);
      bytes += cost;
    }
    return batch;
  }

  /** Sends a pacing probe on presence when one is due; it bypasses presence's queue, as heartbeats do. */
  private void probe() {
    long now = nanoClock.getAsLong();
    if (!path.ready(ChannelSpec.PRESENCE) || !filesPacer.probeDue(now)) {
      return;
    }
    ByteBuffer probe = ByteBuffer.allocate(PROBE_BYTES).put(PRESENCE_PROBE).putLong(now).flip();
    filesPacer.probeSent(now);
    if (!path.send(ChannelSpec.PRESENCE, probe)) {
      filesPacer.probeNotSent();
    }
  }

  private boolean transmit(ChannelSpec channel, ByteBuffer frame) {
    int size = frame.remaining();
    if (!path.send(channel, frame)) {
      return false;
    }
    sentSinceCheck.merge(channel, (long) size, Long::sum);
    return true;
  }

  /** Polls bufferedAmount only every 64 KiB sent: each poll is a blocking hop to the native thread. */
  private boolean roomFor(ChannelSpec channel) {
    if (sentSinceCheck.get(channel) < CHECK_BUFFER_EVERY_BYTES) {
      return true;
    }
    long limit = channel == ChannelSpec.FILES ? options.lowPriorityHighWaterBytes() : options.highWaterBytes();
    if (path.buffered(channel) >= limit) {
      return false;
    }
    sentSinceCheck.put(channel, 0L);
    return true;
  }

  /** A frame arrived on {@code channel} from the current path. */
  void onFrame(ChannelSpec channel, byte[] raw) {
    onFrame(channel, raw, path);
  }

  /** A frame arrived on {@code channel} over {@code from} (a probe is answered there). */
  void onFrame(ChannelSpec channel, byte[] raw, Path from) {
    Sequenced s = sequenced.get(channel);
    if (s == null) {
      if (channel == ChannelSpec.PRESENCE) {
        if (raw.length > 0 && raw[0] == PRESENCE_HEARTBEAT) {
          lastHeartbeatNanos = nanoClock.getAsLong();
          heartbeatsReceived++;
          remoteReadsAcked = raw.length > 9 && (raw[9] & HEARTBEAT_READS_ACKED) != 0;
          return;
        }
        if (raw.length > 0 && (raw[0] == PRESENCE_PROBE || raw[0] == PRESENCE_PROBE_REPLY)) {
          onProbe(raw, from);
          return;
        }
        if (raw.length == 0 || raw[0] != PRESENCE_DATA) {
          sink.protocolError(channel, "presence frame without a kind byte");
          return;
        }
        byte[] body = new byte[raw.length - 1];
        System.arraycopy(raw, 1, body, 0, body.length);
        delivered(channel, 0, body);
        return;
      }
      delivered(channel, 0, raw);
      return;
    }
    Frames.Frame frame;
    try {
      frame = Frames.parse(ByteBuffer.wrap(raw));
    } catch (Frames.FrameException e) {
      sink.protocolError(channel, e.getMessage());
      return;
    }
    if (frame instanceof Frames.Acked acked) {
      onAck(s, acked.upTo());
      frame = acked.carried();
    }
    if (frame instanceof Frames.Ack ack) {
      onAck(s, ack.upTo());
      return;
    }
    List<Frames.Data> frames = frame instanceof Frames.Batch batch ? batch.frames() : List.of((Frames.Data) frame);
    int deliveredNow = 0;
    // A duplicate (the sender is resending) or a frame ahead of a gap is acknowledged at once, as alone.
    boolean ackNow = false;
    for (Frames.Data data : frames) {
      List<byte[]> ready;
      try {
        ready = s.receiver.onData(data);
      } catch (ReliableReceiver.ReorderOverflowException e) {
        sink.protocolError(channel, e.getMessage());
        return;
      }
      long seq = s.receiver.deliveredUpTo() - ready.size();
      for (byte[] payload : ready) {
        delivered(channel, ++seq, payload);
      }
      deliveredNow += ready.size();
      ackNow |= ready.isEmpty();
    }
    s.deliveredSinceAck += deliveredNow;
    if (s.deliveredSinceAck >= options.ackEveryMessages() || ackNow) {
      sendAck(channel, s);
    }
  }

  private void onAck(Sequenced s, long upTo) {
    long before = s.sender.firstUnacked();
    s.sender.onAck(upTo);
    if (s.sender.firstUnacked() > before) {
      s.lastAckProgressNanos = nanoClock.getAsLong();
    }
  }

  /**
   * Acknowledges whatever was delivered since the last ack (called on a short timer too). On a lossy path (the
   * signaling relay, where the server may refuse a frame) a sender whose acks stall while frames are
   * outstanding rewinds and sends them again; the receiver drops the duplicates.
   */
  void flushAcks() {
    long now = nanoClock.getAsLong();
    sequenced.forEach((channel, s) -> {
      if (s.ackable() > s.lastAckedSent) {
        sendAck(channel, s);
      }
      if (path != null && path.lossy() && s.nextToTransmit > s.sender.firstUnacked()
          && now - s.lastAckProgressNanos > RELAY_REWIND_NANOS) {
        s.nextToTransmit = s.sender.firstUnacked();
        s.lastAckProgressNanos = now;
      }
    });
  }

  /**
   * Answers a peer's probe at once over the path it came on (the peer measures that path; answered over another
   * one right after a switch, the answer could be lost or measure the wrong queue), dropped when that path can
   * no longer send; an answer to ours feeds the files pacer.
   */
  private void onProbe(byte[] raw, Path from) {
    if (raw.length != PROBE_BYTES) {
      sink.protocolError(ChannelSpec.PRESENCE, "probe frame of " + raw.length + " bytes, expected " + PROBE_BYTES);
      return;
    }
    if (raw[0] == PRESENCE_PROBE) {
      if (from != null && from.ready(ChannelSpec.PRESENCE)) {
        byte[] reply = raw.clone();
        reply[0] = PRESENCE_PROBE_REPLY;
        from.send(ChannelSpec.PRESENCE, ByteBuffer.wrap(reply));
      }
      return;
    }
    if (filesPacer != null) {
      filesPacer.probeAnswered(ByteBuffer.wrap(raw, 1, 8).getLong(), nanoClock.getAsLong());
      pump(ChannelSpec.FILES);
    }
  }

  private void sendAck(ChannelSpec channel, Sequenced s) {
    if (path == null || !path.ready(channel)) {
      return;
    }
    long upTo = s.ackable();
    if (path.send(channel, new Frames.Ack(upTo).encode())) {
      s.lastAckedSent = upTo;
      s.deliveredSinceAck = 0;
    }
  }

  /** Whether the files pacer now judges by what critical messages typically wait (false without pacing). */
  boolean filesPacedForCritical() {
    return filesPacer != null && filesPacer.judgesByMedian(nanoClock.getAsLong());
  }

  /** Critical and high-priority messages, either way, make the files pacer judge by what they typically wait. */
  private void noteCritical(ChannelSpec channel) {
    if (filesPacer != null && (channel.priority() == Priority.CRITICAL || channel.priority() == Priority.HIGH)) {
      filesPacer.criticalActivity(nanoClock.getAsLong());
    }
  }

  private static byte[] prefixed(byte kind, byte[] data) {
    byte[] out = new byte[data.length + 1];
    out[0] = kind;
    System.arraycopy(data, 0, out, 1, data.length);
    return out;
  }
}

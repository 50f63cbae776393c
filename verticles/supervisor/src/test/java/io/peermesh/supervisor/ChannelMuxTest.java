package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.channel.Frames;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** Two muxes wired by a fake path; time is a fake clock. */
class ChannelMuxTest {
  private long now;

  /** Delivers frames straight to the other mux, except those the test drops. */
  private final class Wire implements ChannelMux.Path {
    ChannelMux to;
    final boolean lossy;
    int dropData;
    /** Sends refused (returning false, as the relay does past its message budget) before any goes through. */
    int refuse;
    /** Probes kept back until the test releases them (a real path is never synchronous). */
    boolean holdProbes;
    final List<byte[]> heldProbes = new ArrayList<>();
    final List<byte[]> presenceSent = new ArrayList<>();
    /** Data and batch frames of code-sync, as sent. */
    final List<byte[]> codeSyncDataSent = new ArrayList<>();
    /** The numbers code-sync acks carried, as sent. */
    final List<Long> codeSyncAcksSent = new ArrayList<>();
    /** A path that can send nothing any more (its link closed). */
    boolean closed;

    Wire(boolean lossy) {
      this.lossy = lossy;
    }

    @Override
    public boolean send(ChannelSpec channel, ByteBuffer frame) {
      if (refuse > 0) {
        refuse--;
        return false;
      }
      byte[] bytes = new byte[frame.remaining()];
      frame.get(bytes);
      if (bytes[0] == 0x01 && dropData > 0) {
        dropData--;
        return true;
      }
      if (channel == ChannelSpec.CODE_SYNC && bytes[0] != Frames.ACK) {
        codeSyncDataSent.add(bytes);
      } else if (channel == ChannelSpec.CODE_SYNC) {
        codeSyncAcksSent.add(ByteBuffer.wrap(bytes, 1, 8).getLong());
      }
      if (channel == ChannelSpec.PRESENCE) {
        presenceSent.add(bytes);
        if (holdProbes && bytes[0] == ChannelMux.PRESENCE_PROBE) {
          heldProbes.add(bytes);
          return true;
        }
      }
      if (to != null) {
        to.onFrame(channel, bytes);
      }
      return true;
    }

    @Override
    public long buffered(ChannelSpec channel) {
      return 0;
    }

    @Override
    public boolean ready(ChannelSpec channel) {
      return !closed;
    }

    @Override
    public boolean lossy() {
      return lossy;
    }
  }

  private final List<String> delivered = new ArrayList<>();

  private final ChannelMux.Sink sink = new ChannelMux.Sink() {
    @Override
    public void deliver(ChannelSpec channel, long seq, byte[] data) {
      delivered.add(seq + ":" + new String(data, StandardCharsets.UTF_8));
    }

    @Override
    public void protocolError(ChannelSpec channel, String reason) {
      throw new AssertionError(reason);
    }
  };

  private ChannelMux[] pair(boolean lossy, Wire[] wires) {
    return pair(lossy, wires, SupervisorOptions.defaults());
  }

  private ChannelMux[] pair(boolean lossy, Wire[] wires, SupervisorOptions options) {
    return pair(lossy, wires, options, Runnable::run);
  }

  /** {@code later}: where each mux queues its pumps (the supervisor's context in production). */
  private ChannelMux[] pair(boolean lossy, Wire[] wires, SupervisorOptions options, Executor later) {
    ChannelMux a = new ChannelMux(options, sink, () -> now, later);
    ChannelMux b = new ChannelMux(options, sink, () -> now, later);
    wires[0] = new Wire(lossy);
    wires[1] = new Wire(lossy);
    wires[0].to = b;
    wires[1].to = a;
    a.usePath(wires[0]);
    b.usePath(wires[1]);
    return new ChannelMux[] {a, b};
  }

  @Test
  void onALossyPathAFrameLostInTransitIsSentAgainWhenAcksStall() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(true, wires);
    wires[0].dropData = 1;
    m[0].offer(ChannelSpec.CODE_SYNC, "one".getBytes(StandardCharsets.UTF_8));
    m[0].offer(ChannelSpec.CODE_SYNC, "two".getBytes(StandardCharsets.UTF_8));
    m[1].flushAcks();
    assertEquals(List.of(), delivered, "one is lost; two waits behind the gap");
    now += ChannelMux.RELAY_REWIND_NANOS - 1;
    m[0].flushAcks();
    m[0].pumpAll();
    assertEquals(List.of(), delivered, "not stalled long enough yet");
    now += 2;
    m[0].flushAcks();
    m[0].pumpAll();
    m[1].flushAcks();
    assertEquals(List.of("1:one", "2:two"), delivered, "resent, each delivered once in order");
    assertEquals(2, m[0].stats().get(0).messagesOut());
    assertEquals(2, m[1].stats().get(0).messagesIn());
    now += ChannelMux.RELAY_REWIND_NANOS + 1;
    m[0].flushAcks();
    m[0].pumpAll();
    assertEquals(2, delivered.size(), "everything acknowledged: nothing to resend");
  }

  @Test
  void heldAcksWaitForCommitsOfTheCurrentNumberingOnly() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(false, wires);
    m[0].offer(ChannelSpec.CODE_SYNC, "before".getBytes(StandardCharsets.UTF_8));
    m[1].holdAcks(ChannelSpec.CODE_SYNC, true);
    assertTrue(m[1].acksHeld(ChannelSpec.CODE_SYNC));
    m[1].flushAcks();
    assertEquals(List.of(1L), wires[1].codeSyncAcksSent, "delivered before the hold: committed");
    for (String text : List.of("a", "b", "c")) {
      m[0].offer(ChannelSpec.CODE_SYNC, text.getBytes(StandardCharsets.UTF_8));
    }
    m[1].flushAcks();
    assertEquals(List.of("1:before", "2:a", "3:b", "4:c"), delivered, "delivered at once");
    assertEquals(List.of(1L), wires[1].codeSyncAcksSent, "but not acknowledged");
    assertEquals(3, unacked(m[0]));
    m[1].commit(ChannelSpec.CODE_SYNC, m[1].generation() + 1, 4);
    assertEquals(List.of(1L), wires[1].codeSyncAcksSent, "a commit of another numbering is ignored");
    m[1].commit(ChannelSpec.CODE_SYNC, m[1].generation(), 3);
    assertTrue(m[1].needsTick(), "an acknowledgement is due (with the usual short timer)");
    m[1].flushAcks();
    assertEquals(List.of(1L, 3L), wires[1].codeSyncAcksSent, "acknowledged as far as committed");
    m[1].commit(ChannelSpec.CODE_SYNC, m[1].generation(), 9);
    m[1].flushAcks();
    assertEquals(List.of(1L, 3L, 4L), wires[1].codeSyncAcksSent, "never past what was delivered");
    m[0].offer(ChannelSpec.CODE_SYNC, "d".getBytes(StandardCharsets.UTF_8));
    m[1].holdAcks(ChannelSpec.CODE_SYNC, false);
    assertEquals(List.of(1L, 3L, 4L, 5L), wires[1].codeSyncAcksSent, "a release acknowledges everything");
    assertEquals(0, unacked(m[0]));
    // Other channels are not held.
    m[0].offer(ChannelSpec.AI_STREAM, "ai".getBytes(StandardCharsets.UTF_8));
    m[1].flushAcks();
    assertTrue(!m[1].acksHeld(ChannelSpec.AI_STREAM));
  }

  /** Messages the mux sent on code-sync that its remote has not acknowledged. */
  private static long unacked(ChannelMux mux) {
    return mux.unacked(ChannelSpec.CODE_SYNC);
  }

  @Test
  void afterTheRemoteStartsOverSequencedChannelsNumberFromOneBothWays() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(false, wires);
    m[0].offer(ChannelSpec.CODE_SYNC, "old".getBytes(StandardCharsets.UTF_8));
    m[1].offer(ChannelSpec.AI_STREAM, "old reply".getBytes(StandardCharsets.UTF_8));
    m[1].flushAcks();
    m[0].flushAcks();
    wires[0].dropData = 1;
    m[0].offer(ChannelSpec.CODE_SYNC, "never acknowledged".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("1:old", "1:old reply"), delivered);
    // The remote is replaced by a new instance, which numbers from 1 and expects 1.
    ChannelMux fresh = new ChannelMux(SupervisorOptions.defaults(), sink, () -> now, Runnable::run);
    Wire back = new Wire(false);
    back.to = m[0];
    wires[0].to = fresh;
    fresh.usePath(back);
    assertEquals(1, m[0].startOver(), "the message the old instance never acknowledged is dropped");
    m[0].usePath(wires[0]);
    m[0].offer(ChannelSpec.CODE_SYNC, "new".getBytes(StandardCharsets.UTF_8));
    fresh.offer(ChannelSpec.AI_STREAM, "new reply".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("1:old", "1:old reply", "1:new", "1:new reply"), delivered);
  }

  @Test
  void startingOverKeepsWhatNoInstanceWasSentAndChangesNothingBeforeAnyExchange() {
    ChannelMux lone = new ChannelMux(SupervisorOptions.defaults(), sink, () -> now, Runnable::run);
    lone.offer(ChannelSpec.CODE_SYNC, "for the first link".getBytes(StandardCharsets.UTF_8));
    assertEquals(0, lone.startOver(), "nothing exchanged yet: nothing to forget");
    ChannelMux remote = new ChannelMux(SupervisorOptions.defaults(), sink, () -> now, Runnable::run);
    Wire there = new Wire(false);
    Wire back = new Wire(false);
    there.to = remote;
    back.to = lone;
    remote.usePath(back);
    lone.usePath(there);
    assertEquals(List.of("1:for the first link"), delivered);
    remote.flushAcks();

    // The path goes; a message waits; the remote is replaced by a new instance before the path returns.
    lone.usePath(null);
    lone.offer(ChannelSpec.CODE_SYNC, "never sent".getBytes(StandardCharsets.UTF_8));
    assertEquals(0, lone.startOver(), "the first message was acknowledged; the second never left");
    ChannelMux fresh = new ChannelMux(SupervisorOptions.defaults(), sink, () -> now, Runnable::run);
    Wire freshBack = new Wire(false);
    freshBack.to = lone;
    there.to = fresh;
    fresh.usePath(freshBack);
    lone.usePath(there);
    assertEquals(List.of("1:for the first link", "1:never sent"), delivered, "renumbered for the new instance");
  }

  @Test
  void aPathThatIsNotLossyNeverRewindsOnItsOwn() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(false, wires);
    wires[0].dropData = 1;
    m[0].offer(ChannelSpec.CODE_SYNC, "one".getBytes(StandardCharsets.UTF_8));
    now += 10 * ChannelMux.RELAY_REWIND_NANOS;
    m[0].flushAcks();
    m[0].pumpAll();
    assertEquals(List.of(), delivered, "WebRTC channels are reliable: a recovery rewinds instead");
    m[0].usePath(wires[0]);
    assertEquals(List.of("1:one"), delivered);
  }

  @Test
  void theShortTimerIsNeededOnlyWhileThereIsWork() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(false, wires);
    assertEquals(false, m[0].needsTick(), "idle");
    m[0].offer(ChannelSpec.CODE_SYNC, "x".getBytes(StandardCharsets.UTF_8));
    assertEquals(true, m[1].needsTick(), "an ack is owed");
    m[1].flushAcks();
    assertEquals(false, m[1].needsTick());
    assertEquals(false, m[0].needsTick(), "acknowledged");
    m[0].usePath(null);
    m[0].offer(ChannelSpec.PRESENCE, "p".getBytes(StandardCharsets.UTF_8));
    assertEquals(false, m[0].needsTick(), "no path: nothing can move until one is set");
    m[0].usePath(wires[0]);
    assertEquals(false, m[0].needsTick(), "the path took the queued message");

    Wire[] lossy = new Wire[2];
    ChannelMux[] r = pair(true, lossy);
    lossy[0].dropData = 1;
    r[0].offer(ChannelSpec.AI_STREAM, "y".getBytes(StandardCharsets.UTF_8));
    assertEquals(true, r[0].needsTick(), "a frame outstanding on a lossy path may need a resend");
  }

  private static byte[] fileChunk(int i) {
    byte[] chunk = new byte[16 * 1024];
    chunk[0] = (byte) ('a' + i);
    return chunk;
  }

  @Test
  void fileFramesWaitForTheFirstProbesAnswerThenFlowAtThePacedRate() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires);
    wires[0].holdProbes = true;
    for (int i = 0; i < 3; i++) {
      assertEquals(ChannelMux.Refusal.NONE, mux[0].offer(ChannelSpec.FILES, fileChunk(i)));
    }
    assertEquals(0, delivered.size(), "nothing before the path's round trip is known");
    assertEquals(1, wires[0].heldProbes.size(), "one probe out");
    assertEquals(1, mux[0].tickDelayMs(20), "a fine timer while paced frames wait");

    now += 200_000;
    wires[0].to.onFrame(ChannelSpec.PRESENCE, wires[0].heldProbes.remove(0));
    assertEquals(1, delivered.size(), "the answer opens the first allowance: one frame");

    now += 100_000_000L;
    mux[0].pumpAll();
    assertEquals(3, delivered.size(), "0.1 s later the rest (the allowance holds ~2 ms of sending at most)");
    assertEquals(20, mux[0].tickDelayMs(20), "nothing waits: back to the ack timer");
  }

  @Test
  void criticalMessagesEitherWayMakeTheFilesPacerJudgeByThemAndHeartbeatsDoNot() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires);
    assertFalse(mux[0].filesPacedForCritical());
    ChannelMux.heartbeat(wires[0]);
    mux[0].offer(ChannelSpec.PRESENCE, "here".getBytes(StandardCharsets.UTF_8));
    mux[0].offer(ChannelSpec.FILES, fileChunk(0));
    assertFalse(mux[0].filesPacedForCritical(), "presence and files are no reason to hold files back");
    assertFalse(mux[1].filesPacedForCritical());
    mux[0].offer(ChannelSpec.CODE_SYNC, "x".getBytes(StandardCharsets.UTF_8));
    assertTrue(mux[0].filesPacedForCritical(), "the sender of a code-sync message");
    assertTrue(mux[1].filesPacedForCritical(), "its receiver");
    now += 2_000_000_000L;
    assertFalse(mux[0].filesPacedForCritical(), "quiet for 2 s");
    mux[1].offer(ChannelSpec.CURSOR_POS, "1,2".getBytes(StandardCharsets.UTF_8));
    assertTrue(mux[0].filesPacedForCritical(), "cursor positions count too");
    assertFalse(pair(false, new Wire[2], SupervisorOptions.from(new JsonObject().put("filesPacing", false)))[0]
        .filesPacedForCritical(), "no pacer, nothing to judge");
  }

  @Test
  void aProbeIsAnsweredAtOnceWithItsOwnBytes() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires);
    wires[1].to = null;
    byte[] probe = ByteBuffer.allocate(9).put(ChannelMux.PRESENCE_PROBE).putLong(123_456_789L).array();
    mux[1].onFrame(ChannelSpec.PRESENCE, probe);
    assertEquals(1, wires[1].presenceSent.size());
    ByteBuffer reply = ByteBuffer.wrap(wires[1].presenceSent.get(0));
    assertEquals(ChannelMux.PRESENCE_PROBE_REPLY, reply.get());
    assertEquals(123_456_789L, reply.getLong());
    assertEquals(0, delivered.size(), "probes are not presence data");
  }

  @Test
  void aProbeIsAnsweredOnThePathItCameOnAndDroppedWhenThatPathCannotSend() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires);
    wires[1].to = null;
    Wire relay = new Wire(true);
    byte[] probe = ByteBuffer.allocate(9).put(ChannelMux.PRESENCE_PROBE).putLong(42L).array();
    // The path switched to the link (wires[1]) while a probe sent over the relay was on its way.
    mux[1].onFrame(ChannelSpec.PRESENCE, probe, relay);
    assertEquals(1, relay.presenceSent.size(), "answered over the relay it came on");
    assertEquals(0, wires[1].presenceSent.size(), "not over the current path");
    Wire closed = new Wire(false);
    closed.closed = true;
    mux[1].onFrame(ChannelSpec.PRESENCE, probe, closed);
    assertEquals(0, closed.presenceSent.size(), "a path that cannot send any more drops the answer");
    assertEquals(0, wires[1].presenceSent.size());
  }

  @Test
  void aProbeOfTheWrongLengthIsAProtocolError() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires);
    AssertionError error = assertThrows(AssertionError.class,
        () -> mux[1].onFrame(ChannelSpec.PRESENCE, new byte[] {ChannelMux.PRESENCE_PROBE, 1, 2}));
    assertEquals("probe frame of 3 bytes, expected 9", error.getMessage());
    assertEquals(0, wires[1].presenceSent.size(), "not answered");
  }

  @Test
  void withPacingOffFileFramesGoAtOnceAndNoProbeIsSent() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires, SupervisorOptions.from(new JsonObject().put("filesPacing", false)));
    for (int i = 0; i < 3; i++) {
      mux[0].offer(ChannelSpec.FILES, fileChunk(i));
    }
    assertEquals(3, delivered.size());
    assertEquals(0, wires[0].presenceSent.size());
    assertEquals(20, mux[0].tickDelayMs(20));
  }

  @Test
  void onTheSignalingRelayFileFramesAreNotPacedAndNoProbeUsesItsBudget() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(true, wires);
    for (int i = 0; i < 3; i++) {
      mux[0].offer(ChannelSpec.FILES, fileChunk(i));
    }
    assertEquals(3, delivered.size());
    assertEquals(0, wires[0].presenceSent.size());
    assertEquals(20, mux[0].tickDelayMs(20));
  }

  /** Tasks queued on the fake context, run when the test says. */
  private final ArrayDeque<Runnable> contextTasks = new ArrayDeque<>();

  private void runContextTasks() {
    while (!contextTasks.isEmpty()) {
      contextTasks.poll().run();
    }
  }

  /** How many messages each code-sync frame on {@code wire} carried. */
  private static List<Integer> messagesPerFrame(Wire wire) throws Frames.FrameException {
    List<Integer> out = new ArrayList<>();
    for (byte[] bytes : wire.codeSyncDataSent) {
      Frames.Frame frame = Frames.parse(ByteBuffer.wrap(bytes));
      out.add(frame instanceof Frames.Batch batch ? batch.payloads().size() : 1);
    }
    return out;
  }

  private static byte[] message(int index, int size) {
    byte[] out = new byte[size];
    Arrays.fill(out, (byte) ('a' + index % 26));
    return out;
  }

  @Test
  void aBurstOfOffersGoesOutInBatchesOnceTheQueuedTasksHaveRun() throws Exception {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires, SupervisorOptions.defaults(), contextTasks::add);
    for (int i = 0; i < 40; i++) {
      assertEquals(ChannelMux.Refusal.NONE, mux[0].offer(ChannelSpec.CODE_SYNC, message(i, 1020)));
    }
    assertEquals(List.of(1), messagesPerFrame(wires[0]), "the first goes at once; the rest wait for the burst");
    assertEquals(1, contextTasks.size(), "one pump for the whole burst");
    runContextTasks();
    // 1,024 bytes per entry with its length: 15 fit in 16 KiB with the header.
    assertEquals(List.of(1, 15, 15, 9), messagesPerFrame(wires[0]));
    assertEquals(40, delivered.size());
    for (int i = 0; i < 40; i++) {
      assertEquals((i + 1) + ":" + new String(message(i, 1020), StandardCharsets.UTF_8), delivered.get(i));
    }
  }

  @Test
  void aMessageTooBigForABatchGoesAloneBetweenBatches() throws Exception {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires, SupervisorOptions.defaults(), contextTasks::add);
    int[] sizes = {10, ChannelMux.BATCH_MAX_BYTES + 1, 10, 10};
    for (int i = 0; i < sizes.length; i++) {
      mux[0].offer(ChannelSpec.CODE_SYNC, message(i, sizes[i]));
    }
    runContextTasks();
    assertEquals(List.of(1, 1, 2), messagesPerFrame(wires[0]));
    assertEquals(Frames.DATA, wires[0].codeSyncDataSent.get(1)[0], "the big one as a plain data frame");
    assertEquals(4, delivered.size());
  }

  @Test
  void afterAPathSwitchTheUnacknowledgedAreResentInABatchAndItsDuplicatesAreAcknowledgedAtOnce()
      throws Exception {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires, SupervisorOptions.defaults(), contextTasks::add);
    for (int i = 0; i < 5; i++) {
      mux[0].offer(ChannelSpec.CODE_SYNC, message(i, 10));
    }
    runContextTasks();
    assertEquals(5, delivered.size());
    mux[0].usePath(wires[0]);
    assertEquals(List.of(1, 4, 5), messagesPerFrame(wires[0]), "all five were unacknowledged (acks every 64)");
    assertEquals(5, delivered.size(), "the resent batch is all duplicates");
    mux[0].usePath(wires[0]);
    assertEquals(3, wires[0].codeSyncDataSent.size(), "the duplicates' ack reached the sender: nothing to resend");
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The last code-sync data frame {@code wire} carried: its kind byte and, for an acked one, the ack. */
  private static String lastCodeSyncFrame(Wire wire) {
    byte[] frame = wire.codeSyncDataSent.get(wire.codeSyncDataSent.size() - 1);
    return frame[0] == Frames.ACKED ? "acked " + ByteBuffer.wrap(frame, 1, 8).getLong() : "kind " + frame[0];
  }

  @Test
  void acksRideOnDataGoingBackOnceTheRemoteSaysItReadsThem() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(false, wires);
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("a"));
    m[1].offer(ChannelSpec.CODE_SYNC, utf8("b"));
    assertEquals("kind 1", lastCodeSyncFrame(wires[1]), "no word from the remote yet: a plain data frame");
    m[0].flushAcks();
    m[1].flushAcks();
    assertEquals(List.of(1L), wires[0].codeSyncAcksSent);
    assertEquals(List.of(1L), wires[1].codeSyncAcksSent);
    ChannelMux.heartbeat(wires[0]);
    ChannelMux.heartbeat(wires[1]);
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("c"));
    m[1].offer(ChannelSpec.CODE_SYNC, utf8("d"));
    assertEquals("kind 1", lastCodeSyncFrame(wires[0]), "nothing was owed");
    assertEquals("acked 2", lastCodeSyncFrame(wires[1]), "the ack of c rides on d");
    assertEquals(0, unacked(m[0]));
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("e"));
    assertEquals("acked 2", lastCodeSyncFrame(wires[0]), "and the ack of d on e");
    assertEquals(0, unacked(m[1]));
    m[0].flushAcks();
    assertEquals(List.of(1L), wires[0].codeSyncAcksSent, "d's ack rode on e: nothing to send on its own");
    m[1].flushAcks();
    assertEquals(List.of(1L, 3L), wires[1].codeSyncAcksSent, "nothing goes back: e is acknowledged on its own");
    assertEquals(List.of("1:a", "1:b", "2:c", "2:d", "3:e"), delivered);
    assertEquals(0, unacked(m[0]) + unacked(m[1]));
  }

  @Test
  void aHeartbeatWithoutTheFlagOrAStartOverStopsAcksRidingOnData() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(false, wires);
    ChannelMux.heartbeat(wires[0]);
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("a"));
    m[1].offer(ChannelSpec.CODE_SYNC, utf8("b"));
    assertEquals("acked 1", lastCodeSyncFrame(wires[1]));
    // The browser client and nodes before this version send nine bytes: kind and send time.
    m[1].onFrame(ChannelSpec.PRESENCE, ByteBuffer.allocate(9).put(ChannelMux.PRESENCE_HEARTBEAT).putLong(1).array());
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("c"));
    m[1].offer(ChannelSpec.CODE_SYNC, utf8("d"));
    assertEquals("kind 1", lastCodeSyncFrame(wires[1]), "a remote that does not read them gets none");
    ChannelMux.heartbeat(wires[0]);
    // The remote is a new instance: both sides number from 1 again, and it sends first, so an ack is owed.
    m[1].startOver();
    m[0].startOver();
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("g"));
    m[1].offer(ChannelSpec.CODE_SYNC, utf8("h"));
    assertEquals("kind 1", lastCodeSyncFrame(wires[1]), "a new instance says again what it reads");
    ChannelMux.heartbeat(wires[0]);
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("i"));
    m[1].offer(ChannelSpec.CODE_SYNC, utf8("j"));
    assertEquals("acked 2", lastCodeSyncFrame(wires[1]), "and once it has");
  }

  @Test
  void aHeldAckRidesOnDataNoFurtherThanCommitted() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(false, wires);
    ChannelMux.heartbeat(wires[0]);
    m[1].holdAcks(ChannelSpec.CODE_SYNC, true);
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("a"));
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("b"));
    m[1].offer(ChannelSpec.CODE_SYNC, utf8("reply"));
    assertEquals("kind 1", lastCodeSyncFrame(wires[1]), "nothing committed, nothing acknowledged");
    m[1].commit(ChannelSpec.CODE_SYNC, m[1].generation(), 1);
    m[1].offer(ChannelSpec.CODE_SYNC, utf8("reply 2"));
    assertEquals("acked 1", lastCodeSyncFrame(wires[1]));
    assertEquals(1, unacked(m[0]));
  }

  @Test
  void aMessageTooBigForABatchCarriesNoAckAndTheAckGoesOnItsOwn() {
    Wire[] wires = new Wire[2];
    ChannelMux[] m = pair(false, wires);
    ChannelMux.heartbeat(wires[0]);
    m[0].offer(ChannelSpec.CODE_SYNC, utf8("owed"));
    m[1].offer(ChannelSpec.CODE_SYNC, new byte[ChannelMux.BATCH_MAX_BYTES]);
    assertEquals("kind 1", lastCodeSyncFrame(wires[1]), "near a transport limit, 9 bytes more could be refused");
    m[1].flushAcks();
    assertEquals(List.of(1L), wires[1].codeSyncAcksSent);
  }

  @Test
  void aMalformedAckedFrameIsAProtocolErrorAndDeliversNothing() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires);
    mux[0].offer(ChannelSpec.CODE_SYNC, utf8("a"));
    // To the sender of "a": a well-formed frame with this ack would release it.
    byte[] onAck = Frames.withAck(1, new Frames.Ack(1).encode()).array();
    AssertionError error = assertThrows(AssertionError.class, () -> mux[0].onFrame(ChannelSpec.CODE_SYNC, onAck));
    assertEquals("an acked frame carries a data or batch frame, not kind 2", error.getMessage());
    assertEquals(1, unacked(mux[0]), "the ack in a broken frame counts for nothing");
    assertEquals(List.of("1:a"), delivered);
  }

  @Test
  void aMalformedBatchIsAProtocolErrorAndDeliversNothing() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires);
    byte[] truncated = ByteBuffer.allocate(16).put(Frames.BATCH).putLong(1).putInt(4).put(new byte[3]).array();
    AssertionError error = assertThrows(AssertionError.class, () -> mux[1].onFrame(ChannelSpec.CODE_SYNC, truncated));
    assertEquals("a batch entry of 4 bytes, 3 left", error.getMessage());
    assertEquals(0, delivered.size());
  }

  @Test
  void channelsWithNothingToBatchNeverWaitForTheQueuedPump() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires, SupervisorOptions.from(new JsonObject().put("filesPacing", false)),
        contextTasks::add);
    mux[0].offer(ChannelSpec.PRESENCE, "here".getBytes(StandardCharsets.UTF_8));
    mux[0].offer(ChannelSpec.FILES, fileChunk(0));
    mux[0].offer(ChannelSpec.CURSOR_POS, "1,2".getBytes(StandardCharsets.UTF_8));
    assertEquals(3, delivered.size(), "nothing to batch: sent at once");
    assertEquals(0, contextTasks.size());
  }

  @Test
  void flushDueSendsWhatTheQueuedPumpWouldHave() throws Exception {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires, SupervisorOptions.defaults(), contextTasks::add);
    for (int i = 0; i < 3; i++) {
      mux[0].offer(ChannelSpec.CODE_SYNC, message(i, 10));
    }
    mux[0].flushDue();
    assertEquals(List.of(1, 2), messagesPerFrame(wires[0]), "the first went at once, flushDue sent the rest");
    assertEquals(3, delivered.size());
    runContextTasks();
    assertEquals(2, wires[0].codeSyncDataSent.size(), "the queued pump finds nothing left");
  }

  @Test
  void aBatchHoldingADuplicateIsAcknowledgedAtOnceEvenWhenItFillsAGap() {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(false, wires);
    mux[1].onFrame(ChannelSpec.CODE_SYNC, bytes(new Frames.Data(1, message(0, 1)).encode()));
    mux[1].onFrame(ChannelSpec.CODE_SYNC, bytes(new Frames.Data(2, message(1, 1)).encode()));
    assertEquals(List.of(), wires[1].codeSyncAcksSent, "in order: acks wait for 64 messages or the timer");
    mux[1].onFrame(ChannelSpec.CODE_SYNC, bytes(new Frames.Data(4, message(3, 1)).encode()));
    assertEquals(List.of(2L), wires[1].codeSyncAcksSent, "ahead of a gap: acknowledged at once");
    mux[1].onFrame(ChannelSpec.CODE_SYNC, bytes(Frames.encode(List.of(new Frames.Data(2, message(1, 1)),
        new Frames.Data(3, message(2, 1))))));
    assertEquals(4, delivered.size());
    assertEquals(List.of(2L, 4L), wires[1].codeSyncAcksSent, "2 was a duplicate: the sender is resending");
  }

  private static byte[] bytes(ByteBuffer frame) {
    byte[] out = new byte[frame.remaining()];
    frame.get(out);
    return out;
  }

  @Test
  void aBatchTheRelayRefusesStaysWholeForTheNextPump() throws Exception {
    Wire[] wires = new Wire[2];
    ChannelMux[] mux = pair(true, wires, SupervisorOptions.defaults(), contextTasks::add);
    // The first offer's own send and the queued pump's are refused.
    wires[0].refuse = 2;
    for (int i = 0; i < 3; i++) {
      mux[0].offer(ChannelSpec.CODE_SYNC, message(i, 10));
    }
    runContextTasks();
    assertEquals(0, delivered.size(), "refused: nothing sent, nothing skipped");
    assertTrue(mux[0].needsTick(), "the timer will pump again");
    mux[0].pumpAll();
    assertEquals(List.of(3), messagesPerFrame(wires[0]));
    assertEquals(3, delivered.size());
  }
}

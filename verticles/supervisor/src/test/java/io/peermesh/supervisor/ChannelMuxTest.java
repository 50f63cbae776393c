package io.peermesh.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.channel.ChannelSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two muxes wired by a fake path; time is a fake clock. */
class ChannelMuxTest {
  private long now;

  /** Delivers frames straight to the other mux, except those the test drops. */
  private final class Wire implements ChannelMux.Path {
    ChannelMux to;
    final boolean lossy;
    int dropData;

    Wire(boolean lossy) {
      this.lossy = lossy;
    }

    @Override
    public boolean send(ChannelSpec channel, ByteBuffer frame) {
      byte[] bytes = new byte[frame.remaining()];
      frame.get(bytes);
      if (bytes[0] == 0x01 && dropData > 0) {
        dropData--;
        return true;
      }
      to.onFrame(channel, bytes);
      return true;
    }

    @Override
    public long buffered(ChannelSpec channel) {
      return 0;
    }

    @Override
    public boolean ready(ChannelSpec channel) {
      return true;
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
    ChannelMux a = new ChannelMux(SupervisorOptions.defaults(), sink, () -> now);
    ChannelMux b = new ChannelMux(SupervisorOptions.defaults(), sink, () -> now);
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
}

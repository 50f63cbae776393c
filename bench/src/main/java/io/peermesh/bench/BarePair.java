package io.peermesh.bench;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import io.peermesh.shared.channel.ChannelSpec;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * The baseline: two webrtc-java peers in this JVM on one factory, SDP and candidates exchanged in memory, the
 * same five negotiated channels, no Vert.x, no framing. Callbacks only complete futures and count.
 */
final class BarePair implements AutoCloseable {
  final RTCPeerConnection a;
  final RTCPeerConnection b;
  final RTCDataChannel[] channelsA = new RTCDataChannel[5];
  final RTCDataChannel[] channelsB = new RTCDataChannel[5];
  private final CountDownLatch open = new CountDownLatch(10);
  /** Channel indexes: the channels' negotiated ids. */
  static final int CODE_SYNC = ChannelSpec.CODE_SYNC.id();
  static final int PRESENCE = ChannelSpec.PRESENCE.id();
  static final int FILES = ChannelSpec.FILES.id();

  volatile Receiver onMessageAtB = (channel, m) -> { };
  volatile Receiver onMessageAtA = (channel, m) -> { };

  /** Hears a message on the callback thread: the channel's index (its id) and a copy of the bytes. */
  interface Receiver {
    void accept(int channel, byte[] data);
  }
  /** A's connection state changes, on the factory's signaling thread (never block in it). */
  volatile Consumer<RTCPeerConnectionState> onStateAtA = s -> { };

  BarePair(PeerConnectionFactory factory) {
    RTCConfiguration config = new RTCConfiguration();
    config.portAllocatorConfig = new PortAllocatorConfig().setDisableTcp(true);
    a = factory.createPeerConnection(config, new PeerConnectionObserver() {
      @Override
      public void onIceCandidate(RTCIceCandidate candidate) {
        trickle(candidate, true);
      }

      @Override
      public void onConnectionChange(RTCPeerConnectionState state) {
        try {
          onStateAtA.accept(state);
        } catch (Throwable ignored) {
          // never let anything escape into native code
        }
      }
    });
    b = factory.createPeerConnection(config, candidate -> trickle(candidate, false));
    int[][] specs = {{0, 1, -1}, {1, 0, 0}, {2, 1, -1}, {3, 1, -1}, {4, 1, -1}};
    String[] labels = {"code-sync", "cursor-pos", "ai-stream", "presence", "files"};
    for (int i = 0; i < 5; i++) {
      channelsA[i] = channel(a, labels[i], specs[i], true);
      channelsB[i] = channel(b, labels[i], specs[i], false);
    }
  }

  private RTCDataChannel channel(RTCPeerConnection pc, String label, int[] spec, boolean atA) {
    RTCDataChannelInit init = new RTCDataChannelInit();
    init.negotiated = true;
    init.id = spec[0];
    init.ordered = spec[1] == 1;
    init.maxRetransmits = spec[2];
    RTCDataChannel channel = pc.createDataChannel(label, init);
    channel.registerObserver(new RTCDataChannelObserver() {
      @Override
      public void onBufferedAmountChange(long previous) {}

      @Override
      public void onStateChange() {
        try {
          if (channel.getState() == RTCDataChannelState.OPEN) {
            open.countDown();
          }
        } catch (Throwable ignored) {
          // never let anything escape into native code
        }
      }

      @Override
      public void onMessage(RTCDataChannelBuffer buffer) {
        try {
          byte[] copy = new byte[buffer.data.remaining()];
          buffer.data.get(copy);
          (atA ? onMessageAtA : onMessageAtB).accept(spec[0], copy);
        } catch (Throwable ignored) {
          // never let anything escape into native code
        }
      }
    });
    return channel;
  }

  private final java.util.List<RTCIceCandidate> fromA = new java.util.ArrayList<>();
  private final java.util.List<RTCIceCandidate> fromB = new java.util.ArrayList<>();
  private boolean described;

  /**
   * Candidates wait until both descriptions are set (they may come before setLocalDescription succeeds).
   * Native calls happen outside the lock: the callback thread and the main thread would deadlock otherwise.
   */
  private void trickle(RTCIceCandidate candidate, boolean byA) {
    try {
      synchronized (this) {
        if (!described) {
          (byA ? fromA : fromB).add(candidate);
          return;
        }
      }
      (byA ? b : a).addIceCandidate(candidate);
    } catch (Throwable ignored) {
      // never let anything escape into native code
    }
  }

  private void flushCandidates() {
    List<RTCIceCandidate> toB;
    List<RTCIceCandidate> toA;
    synchronized (this) {
      described = true;
      toB = List.copyOf(fromA);
      toA = List.copyOf(fromB);
      fromA.clear();
      fromB.clear();
    }
    toB.forEach(b::addIceCandidate);
    toA.forEach(a::addIceCandidate);
  }

  /** Offer, answer, both set; then waits until all ten channel ends are open. */
  void connect() throws Exception {
    RTCSessionDescription offer = create(true, a);
    set(a, offer, true);
    set(b, offer, false);
    RTCSessionDescription answer = create(false, b);
    set(b, answer, true);
    set(a, answer, false);
    flushCandidates();
    if (!open.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException("bare pair: channels not open within 60 s");
    }
  }

  void send(int channel, ByteBuffer data, boolean fromA) throws Exception {
    (fromA ? channelsA : channelsB)[channel].send(new RTCDataChannelBuffer(data, true));
  }

  /** The supervisors' heartbeat, each way: kind byte 0x00, the send time and a flags byte, on presence (never throws). */
  void heartbeat() {
    try {
      ByteBuffer beat = ByteBuffer.allocate(10).put((byte) 0).putLong(System.currentTimeMillis()).put((byte) 1)
          .flip();
      send(PRESENCE, beat, true);
      send(PRESENCE, beat.rewind(), false);
    } catch (Exception | Error e) {
      // a pair that cannot send is measured as it is
    }
  }

  long buffered(int channel, boolean atA) {
    return (atA ? channelsA : channelsB)[channel].getBufferedAmount();
  }

  private static RTCSessionDescription create(boolean offer, RTCPeerConnection pc) throws Exception {
    CompletableFuture<RTCSessionDescription> f = new CompletableFuture<>();
    CreateSessionDescriptionObserver observer = new CreateSessionDescriptionObserver() {
      @Override
      public void onSuccess(RTCSessionDescription description) {
        f.complete(description);
      }

      @Override
      public void onFailure(String error) {
        f.completeExceptionally(new IllegalStateException(error));
      }
    };
    if (offer) {
      pc.createOffer(new RTCOfferOptions(), observer);
    } else {
      pc.createAnswer(new RTCAnswerOptions(), observer);
    }
    return f.get();
  }

  private static void set(RTCPeerConnection pc, RTCSessionDescription d, boolean local) throws Exception {
    CompletableFuture<Void> f = new CompletableFuture<>();
    SetSessionDescriptionObserver observer = new SetSessionDescriptionObserver() {
      @Override
      public void onSuccess() {
        f.complete(null);
      }

      @Override
      public void onFailure(String error) {
        f.completeExceptionally(new IllegalStateException(error));
      }
    };
    if (local) {
      pc.setLocalDescription(d, observer);
    } else {
      pc.setRemoteDescription(d, observer);
    }
    f.get();
  }

  @Override
  public void close() {
    for (RTCDataChannel c : channelsA) {
      c.unregisterObserver();
      c.close();
    }
    for (RTCDataChannel c : channelsB) {
      c.unregisterObserver();
      c.close();
    }
    a.close();
    b.close();
  }
}

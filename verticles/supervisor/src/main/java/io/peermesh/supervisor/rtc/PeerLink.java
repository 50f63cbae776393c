package io.peermesh.supervisor.rtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCIceTransportPolicy;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCPriorityType;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.channel.Priority;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One webrtc-java peer connection with the five negotiated channels. Every native callback is caught whole
 * (an escaping exception aborts the JVM), copies what it needs (message buffers point at native memory) and
 * hops onto the owner's Vert.x context, so the listener runs there and the factory's one signaling thread is
 * never blocked. Remote candidates wait until the remote description is set.
 */
public final class PeerLink {
  private static final Logger LOG = Logger.getLogger(PeerLink.class.getName());

  /** Called on the owner's context. */
  public interface Listener {
    /** A local candidate to signal; {@code null} means end-of-candidates. */
    void onLocalCandidate(RTCIceCandidate candidate);

    void onConnectionState(RTCPeerConnectionState state);

    void onChannelOpen(ChannelSpec channel);

    void onChannelClosed(ChannelSpec channel);

    /** {@code data} is a private copy. */
    void onMessage(ChannelSpec channel, byte[] data);
  }

  /** Until a spare link is adopted: it has no descriptions yet, so nothing it could report matters. */
  private static final Listener UNADOPTED = new Listener() {
    @Override
    public void onLocalCandidate(RTCIceCandidate candidate) {}

    @Override
    public void onConnectionState(RTCPeerConnectionState state) {}

    @Override
    public void onChannelOpen(ChannelSpec channel) {}

    @Override
    public void onChannelClosed(ChannelSpec channel) {}

    @Override
    public void onMessage(ChannelSpec channel, byte[] data) {}
  };

  /** Where the connection may go. */
  public record Options(List<RTCIceServer> iceServers, boolean relayOnly, boolean tcpCandidates) {}

  /**
   * Null once closed: webrtc-java 0.14.0 keeps every observer it was given for the life of the process, and
   * through them this object; what it refers to must not stay alive with it (measured: each closed
   * connection kept its whole supervisor, ~8 KB of heap).
   */
  private volatile Context context;
  /** Read and written on the owner's context once the link is handed to it. */
  private Options options;
  /** Read and written on the owner's context only. */
  private Listener listener;
  private final RTCPeerConnection connection;
  private final Map<ChannelSpec, RTCDataChannel> channels = new EnumMap<>(ChannelSpec.class);
  /**
   * Channels open as last reported by their state callbacks, kept on the owner's context: asking the channel
   * ({@code getState()}) is a blocking hop to libwebrtc's network thread, which is busiest exactly when the
   * connection carries the most traffic.
   */
  private final Set<ChannelSpec> open = EnumSet.noneOf(ChannelSpec.class);
  private final List<RTCIceCandidate> pendingRemote = new ArrayList<>();
  private boolean remoteDescriptionSet;
  private boolean closed;

  public PeerLink(FactoryPool.Slot slot, Options options, Context context, Listener listener) {
    this.context = context;
    this.options = options;
    this.listener = listener == null ? UNADOPTED : listener;
    this.connection = slot.factory().createPeerConnection(configuration(options), new Observer());
    for (ChannelSpec spec : ChannelSpec.values()) {
      RTCDataChannelInit init = new RTCDataChannelInit();
      init.negotiated = true;
      init.id = spec.id();
      init.ordered = spec.ordered();
      init.maxRetransmits = spec.maxRetransmits();
      init.priority = priority(spec.priority());
      RTCDataChannel channel = connection.createDataChannel(spec.label(), init);
      channel.registerObserver(new ChannelObserver(spec, channel));
      channels.put(spec, channel);
    }
  }

  private static RTCConfiguration configuration(Options options) {
    RTCConfiguration config = new RTCConfiguration();
    config.iceServers = new ArrayList<>(options.iceServers());
    config.iceTransportPolicy = options.relayOnly() ? RTCIceTransportPolicy.RELAY : RTCIceTransportPolicy.ALL;
    // TCP candidates with a shared factory re-gather without end (27-100+ fds each); off unless wanted.
    config.portAllocatorConfig = new PortAllocatorConfig().setDisableTcp(!options.tcpCandidates());
    return config;
  }

  /**
   * Moves a link built ahead of need (nothing negotiated yet) to other ICE servers or transport policy.
   * False when it cannot be (closed, negotiating, a different TCP setting, or libwebrtc refused): build another.
   */
  public boolean reconfigure(Options next) {
    if (next.equals(options)) {
      return !closed;
    }
    if (closed || remoteDescriptionSet || next.tcpCandidates() != options.tcpCandidates()) {
      return false;
    }
    try {
      connection.setConfiguration(configuration(next));
      options = next;
      return true;
    } catch (Throwable e) {
      // webrtc-java reports a refused configuration with an Error.
      LOG.log(Level.FINE, "reconfiguring a link failed", e);
      return false;
    }
  }

  /** Hands a link built without an owner (in a pool's stock) to {@code owner}'s context. */
  public void claim(Context owner) {
    this.context = owner;
  }

  /**
   * A link built ahead of need (with a {@code null} listener) starts reporting to {@code adopter}. Creating
   * a peer connection and its channels takes ~2 ms of blocking native calls; a supervisor does it while it
   * waits for an offer rather than after the offer arrived.
   */
  public void adopt(Listener adopter) {
    this.listener = adopter;
  }

  public Options options() {
    return options;
  }

  static RTCPriorityType priority(Priority priority) {
    return switch (priority) {
      case CRITICAL -> RTCPriorityType.HIGH;
      case HIGH -> RTCPriorityType.MEDIUM;
      case NORMAL -> RTCPriorityType.LOW;
      case LOW -> RTCPriorityType.VERY_LOW;
    };
  }

  /** Creates an offer (with new ICE credentials when {@code iceRestart}) and sets it as local description. */
  public Future<String> createOffer(boolean iceRestart) {
    RTCOfferOptions options = new RTCOfferOptions();
    options.iceRestart = iceRestart;
    Promise<RTCSessionDescription> created = Promise.promise();
    connection.createOffer(options, new CreateObserver(created));
    return created.future().compose(this::setLocal);
  }

  /** Sets the remote offer, creates the answer and sets it locally; returns the answer's SDP. */
  public Future<String> acceptOffer(String sdp) {
    return setRemote(new RTCSessionDescription(RTCSdpType.OFFER, sdp)).compose(v -> {
      Promise<RTCSessionDescription> created = Promise.promise();
      connection.createAnswer(new RTCAnswerOptions(), new CreateObserver(created));
      return created.future().compose(this::setLocal);
    });
  }

  public Future<Void> acceptAnswer(String sdp) {
    return setRemote(new RTCSessionDescription(RTCSdpType.ANSWER, sdp));
  }

  public void addRemoteCandidate(RTCIceCandidate candidate) {
    if (closed) {
      return;
    }
    if (remoteDescriptionSet) {
      connection.addIceCandidate(candidate);
    } else {
      pendingRemote.add(candidate);
    }
  }

  /** Sends one message; false when the channel is not open or the link is closed. */
  public boolean send(ChannelSpec spec, ByteBuffer data) {
    RTCDataChannel channel = channels.get(spec);
    if (closed || !open.contains(spec)) {
      return false;
    }
    try {
      channel.send(new RTCDataChannelBuffer(data, true));
      return true;
    } catch (Throwable e) {
      // Refused by libwebrtc (the channel closed before its callback reached us); webrtc-java throws an Error.
      LOG.log(Level.FINE, "send on " + spec.label() + " failed", e);
      return false;
    }
  }

  /** Bytes queued in the channel; polled, because onBufferedAmountChange never fires in 0.14.0. */
  public long bufferedAmount(ChannelSpec spec) {
    return closed ? 0 : channels.get(spec).getBufferedAmount();
  }

  public boolean isOpen(ChannelSpec spec) {
    return !closed && open.contains(spec);
  }

  public RTCPeerConnectionState state() {
    return closed ? RTCPeerConnectionState.CLOSED : connection.getConnectionState();
  }

  /**
   * The selected candidate pair's types as "local/remote" (e.g. "host/prflx", "relay/host"), or null when no
   * pair is selected yet. Read from libwebrtc's stats report: transport → selectedCandidatePairId → the pair's
   * local and remote candidates.
   */
  public Future<String> selectedCandidatePair() {
    Promise<String> result = Promise.promise();
    if (closed) {
      result.complete(null);
      return result.future();
    }
    connection.getStats(report -> {
      try {
        String pair = CandidatePairs.selected(report.getStats());
        settle(() -> result.tryComplete(pair));
      } catch (Throwable t) {
        settle(() -> result.tryFail(t));
      }
    });
    return result.future();
  }

  public RTCPeerConnection connection() {
    return connection;
  }

  /** Closes channels and connection once (closing twice throws in 0.14.0). */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (RTCDataChannel channel : channels.values()) {
      try {
        channel.unregisterObserver();
        channel.close();
        channel.dispose();
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "closing a channel failed", e);
      }
    }
    try {
      connection.close();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "closing the connection failed", e);
    }
    context = null;
    listener = UNADOPTED;
    pendingRemote.clear();
  }

  public boolean isClosed() {
    return closed;
  }

  private Future<String> setLocal(RTCSessionDescription description) {
    Promise<Void> set = Promise.promise();
    connection.setLocalDescription(description, new SetObserver(set));
    return set.future().map(v -> description.sdp);
  }

  private Future<Void> setRemote(RTCSessionDescription description) {
    Promise<Void> set = Promise.promise();
    connection.setRemoteDescription(description, new SetObserver(set));
    return set.future().onSuccess(v -> {
      remoteDescriptionSet = true;
      pendingRemote.forEach(connection::addIceCandidate);
      pendingRemote.clear();
    });
  }

  /** Runs {@code action} on the owner's context; nothing thrown escapes into native code. */
  private void hop(Runnable action) {
    Context owner = context;
    if (owner == null) {
      return;
    }
    try {
      owner.runOnContext(v -> {
        if (!closed) {
          action.run();
        }
      });
    } catch (Throwable t) {
      LOG.log(Level.SEVERE, "a webrtc-java callback could not be handed to Vert.x", t);
    }
  }

  private final class Observer implements PeerConnectionObserver {
    @Override
    public void onIceCandidate(RTCIceCandidate candidate) {
      hop(() -> listener.onLocalCandidate(candidate));
    }

    @Override
    public void onIceGatheringChange(dev.onvoid.webrtc.RTCIceGatheringState state) {
      if (state == dev.onvoid.webrtc.RTCIceGatheringState.COMPLETE) {
        hop(() -> listener.onLocalCandidate(null));
      }
    }

    @Override
    public void onConnectionChange(RTCPeerConnectionState state) {
      hop(() -> listener.onConnectionState(state));
    }
  }

  private final class ChannelObserver implements RTCDataChannelObserver {
    private final ChannelSpec spec;
    private final RTCDataChannel channel;

    ChannelObserver(ChannelSpec spec, RTCDataChannel channel) {
      this.spec = spec;
      this.channel = channel;
    }

    @Override
    public void onBufferedAmountChange(long previous) {
      // Never called in webrtc-java 0.14.0; senders poll bufferedAmount instead.
    }

    @Override
    public void onStateChange() {
      try {
        RTCDataChannelState state = channel.getState();
        if (state == RTCDataChannelState.OPEN) {
          hop(() -> {
            open.add(spec);
            listener.onChannelOpen(spec);
          });
        } else if (state == RTCDataChannelState.CLOSING) {
          hop(() -> open.remove(spec));
        } else if (state == RTCDataChannelState.CLOSED) {
          hop(() -> {
            open.remove(spec);
            listener.onChannelClosed(spec);
          });
        }
      } catch (Throwable t) {
        LOG.log(Level.WARNING, "channel state callback failed", t);
      }
    }

    @Override
    public void onMessage(RTCDataChannelBuffer buffer) {
      try {
        ByteBuffer source = buffer.data;
        byte[] copy = new byte[source.remaining()];
        source.get(copy);
        hop(() -> listener.onMessage(spec, copy));
      } catch (Throwable t) {
        LOG.log(Level.WARNING, "message callback failed", t);
      }
    }
  }

  /** Settles a promise on the owner's context; nothing thrown escapes into native code. */
  private void settle(Runnable action) {
    Context owner = context;
    if (owner == null) {
      return;
    }
    try {
      owner.runOnContext(v -> action.run());
    } catch (Throwable t) {
      LOG.log(Level.SEVERE, "description callback failed", t);
    }
  }

  private final class CreateObserver implements CreateSessionDescriptionObserver {
    private final Promise<RTCSessionDescription> promise;

    CreateObserver(Promise<RTCSessionDescription> promise) {
      this.promise = promise;
    }

    @Override
    public void onSuccess(RTCSessionDescription description) {
      settle(() -> promise.tryComplete(description));
    }

    @Override
    public void onFailure(String error) {
      settle(() -> promise.tryFail(error));
    }
  }

  private final class SetObserver implements SetSessionDescriptionObserver {
    private final Promise<Void> promise;

    SetObserver(Promise<Void> promise) {
      this.promise = promise;
    }

    @Override
    public void onSuccess() {
      settle(promise::tryComplete);
    }

    @Override
    public void onFailure(String error) {
      settle(() -> promise.tryFail(error));
    }
  }
}

package io.peermesh.supervisor.rtc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two real webrtc-java peers in one JVM, SDP exchanged in memory: the layer under the supervisor. */
class PeerLinkTest {
  private static Vertx vertx;
  private static FactoryPool pool;
  /** No ICE servers (host candidates in the namespace), not relay-only, no TCP candidates. */
  private static final PeerLink.Options OPTIONS = new PeerLink.Options(List.of(), false, false);

  @BeforeAll
  static void start() {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    vertx = Vertx.vertx();
    pool = new FactoryPool(new FactoryPool.Limits(1, 100, 1_000, 100));
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      Await.result(vertx.close());
    }
  }

  /** Records what one side saw. */
  static final class Side implements PeerLink.Listener {
    final Set<ChannelSpec> open = ConcurrentHashMap.newKeySet();
    final CompletableFuture<Void> allOpen = new CompletableFuture<>();
    final ConcurrentHashMap<ChannelSpec, CompletableFuture<byte[]>> firstMessage = new ConcurrentHashMap<>();
    PeerLink link;
    PeerLink other;

    @Override
    public void onLocalCandidate(RTCIceCandidate candidate) {
      if (candidate != null) {
        other.addRemoteCandidate(candidate);
      }
    }

    @Override
    public void onConnectionState(RTCPeerConnectionState state) {}

    @Override
    public void onChannelOpen(ChannelSpec channel) {
      open.add(channel);
      if (open.size() == ChannelSpec.values().length) {
        allOpen.complete(null);
      }
    }

    @Override
    public void onChannelClosed(ChannelSpec channel) {}

    @Override
    public void onMessage(ChannelSpec channel, byte[] data) {
      firstMessage.computeIfAbsent(channel, c -> new CompletableFuture<>()).complete(data);
    }
  }

  /** Offer, answer and candidates exchanged in memory between two built links (on their context). */
  private static Future<Void> negotiate(Side a, Side b) {
    a.other = b.link;
    b.other = a.link;
    return a.link.createOffer(false).compose(b.link::acceptOffer).compose(a.link::acceptAnswer);
  }

  @Test
  void twoLinksOpenAllFiveChannelsWithTheirReliabilityAndPassMessagesBothWays() throws Exception {
    Context context = vertx.getOrCreateContext();
    Side a = new Side();
    Side b = new Side();
    FactoryPool.Slot slotA = pool.acquire();
    FactoryPool.Slot slotB = pool.acquire();
    Promise<Void> negotiated = Promise.promise();
    context.runOnContext(v -> {
      a.link = new PeerLink(slotA, OPTIONS, context, a);
      b.link = new PeerLink(slotB, OPTIONS, context, b);
      negotiate(a, b).onComplete(negotiated);
    });
    Await.result(negotiated.future());
    a.allOpen.get(20, TimeUnit.SECONDS);
    b.allOpen.get(20, TimeUnit.SECONDS);
    assertEquals(EnumSet.allOf(ChannelSpec.class), a.open);

    for (ChannelSpec spec : ChannelSpec.values()) {
      byte[] ping = ("to-b-" + spec.label()).getBytes(StandardCharsets.UTF_8);
      byte[] pong = ("to-a-" + spec.label()).getBytes(StandardCharsets.UTF_8);
      CompletableFuture<Boolean> sent = new CompletableFuture<>();
      context.runOnContext(v -> sent.complete(a.link.send(spec, ByteBuffer.wrap(ping))
          && b.link.send(spec, ByteBuffer.wrap(pong))));
      assertTrue(sent.get(5, TimeUnit.SECONDS));
      assertArrayEquals(ping, b.firstMessage.computeIfAbsent(spec, c -> new CompletableFuture<>())
          .get(10, TimeUnit.SECONDS));
      assertArrayEquals(pong, a.firstMessage.computeIfAbsent(spec, c -> new CompletableFuture<>())
          .get(10, TimeUnit.SECONDS));
    }
    CompletableFuture<String> reliability = new CompletableFuture<>();
    context.runOnContext(v -> {
      String state = a.link.state().name();
      a.link.close();
      b.link.close();
      a.link.close();
      pool.release(slotA);
      pool.release(slotB);
      reliability.complete(state);
    });
    assertEquals(RTCPeerConnectionState.CONNECTED.name(), reliability.get(5, TimeUnit.SECONDS));
    assertEquals(0, pool.active());
  }

  @Test
  void aSpareLinkBuiltWithoutAListenerReportsToWhoeverAdoptsIt() throws Exception {
    Context context = vertx.getOrCreateContext();
    Side a = new Side();
    Side b = new Side();
    FactoryPool.Slot slotA = pool.acquire();
    FactoryPool.Slot slotB = pool.acquire();
    Promise<Boolean> sentBeforeOpen = Promise.promise();
    Promise<Void> negotiated = Promise.promise();
    context.runOnContext(v -> {
      a.link = new PeerLink(slotA, OPTIONS, context, a);
      PeerLink spare = new PeerLink(slotB, OPTIONS, context, null);
      sentBeforeOpen.complete(spare.send(ChannelSpec.CODE_SYNC, ByteBuffer.wrap(new byte[] {1})));
      assertEquals(OPTIONS, spare.options());
      spare.adopt(b);
      b.link = spare;
      negotiate(a, b).onComplete(negotiated);
    });
    assertEquals(false, Await.result(sentBeforeOpen.future()), "a channel is not open before its callback said so");
    Await.result(negotiated.future());
    a.allOpen.get(20, TimeUnit.SECONDS);
    b.allOpen.get(20, TimeUnit.SECONDS);
    byte[] ping = "adopted".getBytes(StandardCharsets.UTF_8);
    context.runOnContext(v -> a.link.send(ChannelSpec.CODE_SYNC, ByteBuffer.wrap(ping)));
    assertArrayEquals(ping, b.firstMessage.computeIfAbsent(ChannelSpec.CODE_SYNC, c -> new CompletableFuture<>())
        .get(10, TimeUnit.SECONDS));
    CompletableFuture<Void> closed = new CompletableFuture<>();
    context.runOnContext(v -> {
      a.link.close();
      b.link.close();
      pool.release(slotA);
      pool.release(slotB);
      closed.complete(null);
    });
    closed.get(5, TimeUnit.SECONDS);
  }

  @Test
  void linksInStockAreRestockedAfterEachTakeAndConnectOnceClaimedAndGivenIceServers() throws Exception {
    FactoryPool stocking = new FactoryPool(new FactoryPool.Limits(1, 100, 1_000, 100, 2));
    FactoryPool.Slot slotA = stocking.acquire();
    assertEquals(0, stocking.stocked(slotA), "no stock before a first take (it may never come: TCP candidates)");
    assertNull(stocking.takeStocked(slotA), "the first take finds none and starts the stock");
    Await.until(vertx, () -> Future.succeededFuture(stocking.stocked(slotA)), n -> n == 2, 20);
    long descriptorsWithTwo = openDescriptors();
    FactoryPool.Slot slotB = stocking.acquire();
    Context context = vertx.getOrCreateContext();
    Side a = new Side();
    Side b = new Side();
    a.link = stocking.takeStocked(slotA);
    b.link = stocking.takeStocked(slotB);
    assertNotNull(a.link);
    assertNotNull(b.link);
    Await.until(vertx, () -> Future.succeededFuture(stocking.stocked(slotA)), n -> n == 2, 20);
    assertTrue(openDescriptors() - descriptorsWithTwo <= 1, "two more links built, not negotiated: no socket");
    // ICE servers arrive with `joined`: set on the built link. The namespace has no route to this one.
    RTCIceServer stun = new RTCIceServer();
    stun.urls.add("stun:10.255.255.1:3478");
    PeerLink.Options withServers = new PeerLink.Options(List.of(stun), false, false);
    Promise<Void> negotiated = Promise.promise();
    context.runOnContext(v -> {
      a.link.claim(context);
      b.link.claim(context);
      a.link.adopt(a);
      b.link.adopt(b);
      assertTrue(a.link.reconfigure(withServers));
      assertEquals(withServers, a.link.options());
      assertTrue(b.link.reconfigure(OPTIONS));
      assertEquals(false, b.link.reconfigure(new PeerLink.Options(List.of(), false, true)), "TCP is set at build");
      negotiate(a, b).onComplete(negotiated);
    });
    Await.result(negotiated.future());
    a.allOpen.get(20, TimeUnit.SECONDS);
    b.allOpen.get(20, TimeUnit.SECONDS);
    byte[] ping = "from stock".getBytes(StandardCharsets.UTF_8);
    context.runOnContext(v -> a.link.send(ChannelSpec.CODE_SYNC, ByteBuffer.wrap(ping)));
    assertArrayEquals(ping, b.firstMessage.computeIfAbsent(ChannelSpec.CODE_SYNC, c -> new CompletableFuture<>())
        .get(10, TimeUnit.SECONDS));
    CompletableFuture<Boolean> afterNegotiation = new CompletableFuture<>();
    context.runOnContext(v -> {
      afterNegotiation.complete(b.link.reconfigure(withServers));
      a.link.close();
      b.link.close();
    });
    assertEquals(false, afterNegotiation.get(5, TimeUnit.SECONDS), "a negotiated link is not moved");
  }

  private static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Test
  void aClosedLinkLetsGoOfItsListenerThoughWebrtcJavaKeepsItsObservers() throws Exception {
    Context context = vertx.getOrCreateContext();
    FactoryPool.Slot slot = pool.acquire();
    Side listener = new Side();
    WeakReference<Side> released = new WeakReference<>(listener);
    CompletableFuture<Void> closed = new CompletableFuture<>();
    context.runOnContext(v -> {
      PeerLink link = new PeerLink(slot, OPTIONS, context, released.get());
      link.close();
      pool.release(slot);
      closed.complete(null);
    });
    closed.get(5, TimeUnit.SECONDS);
    listener = null;
    for (int i = 0; i < 20 && released.get() != null; i++) {
      System.gc();
    }
    assertNull(released.get(), "the closed link still holds its listener (and with it a whole supervisor)");
  }
}

package io.peermesh.bench;

import io.peermesh.supervisor.SupervisorOptions;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.PathCut;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recovery from a cut path (iptables drops UDP and all TCP but signaling's) while numbered code-sync messages
 * flow at a steady rate: time to detect, time from restore until a message sent after the restore arrives
 * (ordered channel: everything before it arrived too), lost and duplicated messages. The baseline is a bare
 * webrtc-java pair under the same cut: libwebrtc's own detection (connection state {@code disconnected}) and
 * its own recovery once the path returns.
 */
final class RecoverBench {
  private static final int PER_TICK = 10;
  private static final long TICK_MS = 10;
  private final long holdMs;

  /** @param holdMs how long the path stays cut after the loss is detected */
  RecoverBench(long holdMs) {
    this.holdMs = holdMs;
  }

  /** One cut: detection and restore → usable, in ms; counts of lost, duplicated and refused messages. */
  record Cut(double detectMs, double usableMs, int sent, int lost, int duplicated, int refused, String detail) {}

  List<Row> run(Mesh mesh, PeerConnectionFactory factory) throws Exception {
    Cut ours = ours(mesh);
    Cut bare = bare(mesh.signalingPort, factory);
    boolean clean = ours.lost() == 0 && ours.duplicated() == 0 && ours.refused() == 0;
    return List.of(
        new Row("recover: cut path detected", "ms", ours.detectMs(), bare.detectMs(),
            "bare libwebrtc: connection state disconnected", "≤ 2000 ms", ours.detectMs() <= 2_000,
            ours.detail() + "; configured dead-after " + SupervisorOptions.defaults().deadAfterMs() + " ms"),
        new Row("recover: restore → code-sync usable", "ms", ours.usableMs(), bare.usableMs(),
            "bare libwebrtc recovering by itself", "≤ 1000 ms, 0 lost, 0 duplicated",
            ours.usableMs() <= 1_000 && clean, String.format(Locale.ROOT,
                "path cut for %d ms after detection; ours: %d sent, %d lost, %d duplicated, %d refused; "
                    + "bare: %d sent, %d lost, %d duplicated", holdMs, ours.sent(), ours.lost(),
                ours.duplicated(), ours.refused(), bare.sent(), bare.lost(), bare.duplicated())));
  }

  private Cut ours(Mesh mesh) throws Exception {
    String room = "bench-recover";
    String[] pair = Await.result(mesh.pair(room), 60);
    Arrivals arrivals = new Arrivals(200_000);
    MessageConsumer<?> inbound = mesh.onInbound(room, "code-sync", m -> {
      if (m.connection().equals(pair[1])) {
        arrivals.arrived(ByteBuffer.wrap(m.data()).getLong());
      }
    });
    CompletableFuture<StateChange> lost = new CompletableFuture<>();
    CompletableFuture<Long> reconnected = new CompletableFuture<>();
    Handler<StateChange> states = s -> {
      if (s.connection().equals(pair[0]) && s.from().equals("connected")) {
        lost.complete(s);
      } else if (s.connection().equals(pair[0]) && s.to().equals("connected") && lost.isDone()) {
        reconnected.complete(System.nanoTime());
      }
    };
    mesh.onState(states);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicBoolean sending = new AtomicBoolean(true);
    long timer = mesh.vertx.setPeriodic(TICK_MS, id -> {
      for (int i = 0; i < PER_TICK && sending.get() && next.get() < arrivals.capacity(); i++) {
        byte[] payload = ByteBuffer.allocate(8).putLong(next.getAndIncrement()).array();
        mesh.send(pair[0], "code-sync", payload).onComplete(ar -> {
          if (ar.failed() || !ar.result().accepted()) {
            refused.incrementAndGet();
          }
        });
      }
    });
    try (PathCut cut = new PathCut(mesh.signalingPort)) {
      pause(mesh, 1_000);
      long cutAt = System.nanoTime();
      cut.cut();
      StateChange detected = lost.get(30, TimeUnit.SECONDS);
      double detectMs = (System.nanoTime() - cutAt) / 1e6;
      pause(mesh, holdMs);
      CompletableFuture<Long> usable = arrivals.markAt(next.get());
      long restoredAt = System.nanoTime();
      cut.restore();
      double usableMs = (usable.get(60, TimeUnit.SECONDS) - restoredAt) / 1e6;
      double connectedMs = (reconnected.get(60, TimeUnit.SECONDS) - restoredAt) / 1e6;
      pause(mesh, 200);
      sending.set(false);
      mesh.vertx.cancelTimer(timer);
      pause(mesh, 50); // a tick already running finishes its batch
      int sent = next.get();
      arrivals.awaitAll(sent, 30);
      pause(mesh, 500); // a quiet window in which a duplicate would show up
      return new Cut(detectMs, usableMs, sent, arrivals.lost(sent), arrivals.duplicated(), refused.get(),
          String.format(Locale.ROOT, "ours: %s → %s (%s); connected again %.0f ms after restore",
              detected.from(), detected.to(), detected.reason(), connectedMs));
    } finally {
      mesh.vertx.cancelTimer(timer);
      mesh.removeStateListener(states);
      Await.result(inbound.unregister());
      mesh.close(pair[0]);
      mesh.close(pair[1]);
    }
  }

  private Cut bare(int signalingPort, PeerConnectionFactory factory) throws Exception {
    Arrivals arrivals = new Arrivals(200_000);
    ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
    try (BarePair p = new BarePair(factory); PathCut cut = new PathCut(signalingPort)) {
      p.connect();
      CompletableFuture<Long> disconnected = new CompletableFuture<>();
      p.onStateAtA = s -> {
        if (s == RTCPeerConnectionState.DISCONNECTED || s == RTCPeerConnectionState.FAILED) {
          disconnected.complete(System.nanoTime());
        }
      };
      p.onMessageAtB = (c, m) -> arrivals.arrived(ByteBuffer.wrap(m).getLong());
      AtomicInteger next = new AtomicInteger();
      sender.scheduleAtFixedRate(() -> {
        try {
          for (int i = 0; i < PER_TICK && next.get() < arrivals.capacity(); i++) {
            p.send(0, ByteBuffer.allocate(8).putLong(0, next.get()), true);
            next.incrementAndGet();
          }
        } catch (Throwable ignored) {
          // a failed send shows as a lost number
        }
      }, 0, TICK_MS, TimeUnit.MILLISECONDS);
      waitFor(1_000);
      long cutAt = System.nanoTime();
      cut.cut();
      double detectMs = (disconnected.get(60, TimeUnit.SECONDS) - cutAt) / 1e6;
      waitFor(holdMs);
      CompletableFuture<Long> usable = arrivals.markAt(next.get());
      long restoredAt = System.nanoTime();
      cut.restore();
      double usableMs = (usable.get(60, TimeUnit.SECONDS) - restoredAt) / 1e6;
      sender.shutdown();
      sender.awaitTermination(10, TimeUnit.SECONDS);
      int sent = next.get();
      arrivals.awaitAll(sent, 30);
      waitFor(500);
      return new Cut(detectMs, usableMs, sent, arrivals.lost(sent), arrivals.duplicated(), 0, "");
    } finally {
      sender.shutdownNow();
    }
  }

  /** A fixed measurement window on the mesh's timer (not a wait for a condition). */
  private static void pause(Mesh mesh, long ms) {
    Await.result(mesh.vertx.timer(ms), (int) (ms / 1000 + 10));
  }

  private static void waitFor(long ms) throws Exception {
    CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS))
        .get(ms + 10_000, TimeUnit.MILLISECONDS);
  }
}

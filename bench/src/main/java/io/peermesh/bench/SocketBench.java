package io.peermesh.bench;

import io.peermesh.shared.testing.Await;
import io.peermesh.signaling.SignalingVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * Signaling at scale, with the clients in a child JVM (the 20,000-fd cap is per process): WebSocket sockets
 * one node holds joined to rooms, and relay messages per second one node delivers. The baseline is a plain
 * Vert.x WebSocket server on this JVM ({@link PlainSocketServer}) facing the same clients in the same run.
 */
final class SocketBench {
  /**
   * @param sockets sockets opened (and joined, for ours)
   * @param perRoom peers per room (even: the relay partners i and i ^ 1 share a room)
   * @param relayClients sockets relaying, in pairs: the first ones of those held
   * @param window messages each relaying socket keeps in flight
   * @param warmMs, measureMs the relay's warm-up and measurement windows
   */
  record Sizes(int sockets, int perRoom, int relayClients, int window, long warmMs, long measureMs) {}

  private final Sizes sizes;

  SocketBench(Sizes sizes) {
    this.sizes = sizes;
  }

  /** One server facing one client JVM: sockets alive, server heap and fds per socket, relay rate. */
  private record Held(int alive, int joined, int failed, double seconds, Probe.PerItem perSocket, double rate) {}

  List<Row> run() throws Exception {
    Held ours = hold(true);
    Held plain = hold(false);
    return List.of(
        new Row("signal: sockets one node holds, joined and answering pings", "", ours.alive(), plain.alive(),
            "plain Vert.x WebSocket server, same clients", "≥ 15,000", ours.alive() >= 15_000,
            String.format(Locale.ROOT, "%d opened (%d joined, %d failed) in %.0f s; server heap %.1f KiB and %.2f fds "
                + "per socket (plain: %.1f KiB, %.2f fds; %.0f s)", sizes.sockets(), ours.joined(), ours.failed(),
                ours.seconds(), ours.perSocket().heap() / 1024, ours.perSocket().fds(),
                plain.perSocket().heap() / 1024, plain.perSocket().fds(), plain.seconds())),
        new Row("signal: relay messages one node delivers per second", "msg/s", ours.rate(), plain.rate(),
            "plain Vert.x WebSocket relay", "≥ 0.5× plain", ours.rate() >= 0.5 * plain.rate(),
            String.format(Locale.ROOT, "%d sockets relaying in pairs while the node holds the others, %d messages "
                + "in flight each, 96-byte payload in base64; %.0f ms window", sizes.relayClients(), sizes.window(),
                (double) sizes.measureMs())));
  }

  /** Opens the sockets from a child JVM, measures what the server holds per socket, then relays on a few. */
  private Held hold(boolean ours) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (Server server = new Server(vertx, ours)) {
      Probe before = Probe.take();
      long t0 = System.nanoTime();
      try (ChildJvm clients = new ChildJvm("2g", SocketClients.class, ours ? "ours" : "plain",
          String.valueOf(server.port()), String.valueOf(sizes.sockets()), String.valueOf(sizes.perRoom()))) {
        String[] ready = clients.expect("ready", 900);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Probe.PerItem per = Probe.take().since(before, Integer.parseInt(ready[1]));
        clients.send("check");
        int alive = Integer.parseInt(clients.expect("alive", 60)[0]);
        clients.send("go " + sizes.relayClients() + " " + sizes.window() + " " + sizes.warmMs() + " "
            + sizes.measureMs());
        double rate = Double.parseDouble(clients.expect("rate",
            (int) ((sizes.warmMs() + sizes.measureMs()) / 1000) + 60)[0]);
        return new Held(alive, Integer.parseInt(ready[1]), Integer.parseInt(ready[2]), seconds, per, rate);
      }
    } finally {
      Await.result(vertx.close(), 120);
    }
  }

  /** Our signaling verticle (dev mode, rate limits out of the way) or the plain server. */
  private static final class Server implements AutoCloseable {
    private final PlainSocketServer plain;
    private final int port;

    Server(Vertx vertx, boolean ours) {
      if (ours) {
        SignalingVerticle signaling = new SignalingVerticle();
        JsonObject config = new JsonObject().put("port", 0).put("devMode", true)
            .put("maxMessagesPerSecond", 1_000_000).put("burstMessages", 1_000_000);
        Await.result(vertx.deployVerticle(signaling, new DeploymentOptions()
            .setConfig(new JsonObject().put("signaling", config))));
        port = signaling.actualPort();
        plain = null;
      } else {
        plain = new PlainSocketServer(vertx);
        port = plain.port();
      }
    }

    int port() {
      return port;
    }

    @Override
    public void close() {
      if (plain != null) {
        plain.close();
      }
    }
  }
}

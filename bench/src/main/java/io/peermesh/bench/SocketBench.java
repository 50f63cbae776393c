package io.peermesh.bench;

import java.util.List;
import java.util.Locale;

/**
 * Signaling at scale: WebSocket sockets one node holds joined to rooms, and relay messages per second one node
 * delivers. Server and clients each run in a JVM of their own (the 20,000-fd cap is per process). The
 * baseline is a plain Vert.x WebSocket server ({@link PlainSocketServer}) facing the same clients in the
 * same run.
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
    Held ours = hold("ours");
    Held clustered = hold("ours-clustered");
    Held plain = hold("plain");
    return List.of(
        new Row("signal: sockets one node holds, joined and answering pings", "", ours.alive(), plain.alive(),
            "plain Vert.x WebSocket server, same clients", "≥ 15,000", ours.alive() >= 15_000,
            String.format(Locale.ROOT, "%d opened (%d joined, %d failed) in %.0f s; server heap %.1f KiB and %.2f fds "
                + "per socket (plain: %.1f KiB, %.2f fds; %.0f s)", sizes.sockets(), ours.joined(), ours.failed(),
                ours.seconds(), ours.perSocket().heap() / 1024, ours.perSocket().fds(),
                plain.perSocket().heap() / 1024, plain.perSocket().fds(), plain.seconds())),
        new Row("signal: sockets a clustered node holds, joined and answering pings", "", clustered.alive(),
            plain.alive(), "plain Vert.x WebSocket server, same clients", "≥ 15,000", clustered.alive() >= 15_000,
            String.format(Locale.ROOT, "a node of a Hazelcast cluster (of one), as deployed: sessions and rosters in "
                + "cluster maps; %d opened (%d joined, %d failed) in %.0f s; server heap %.1f KiB and %.2f fds per "
                + "socket; relay %.0f msg/s", sizes.sockets(), clustered.joined(), clustered.failed(),
                clustered.seconds(), clustered.perSocket().heap() / 1024, clustered.perSocket().fds(),
                clustered.rate())),
        new Row("signal: relay messages one node delivers per second", "msg/s", ours.rate(), plain.rate(),
            "plain Vert.x WebSocket relay", "≥ 0.5× plain", ours.rate() >= 0.5 * plain.rate(),
            String.format(Locale.ROOT, "%d sockets relaying in pairs while the node holds the others, %d messages "
                + "in flight each, 96-byte payload in base64; %.0f ms window", sizes.relayClients(), sizes.window(),
                (double) sizes.measureMs())));
  }

  /**
   * Starts a server JVM and a client JVM, opens the sockets, measures what the server holds per socket,
   * checks they answer, then relays on the first few while the server holds the rest.
   */
  private Held hold(String mode) throws Exception {
    // The same fixed, pre-touched heap as the bench JVM (bin/bench): resident memory is not moved by resizing.
    try (ChildJvm server = new ChildJvm(List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"), SocketServer.class,
        mode)) {
      String port = server.expect("port", 60)[0];
      server.send("probe");
      Probe before = SocketServer.parse(server.expect("probe", 60));
      long t0 = System.nanoTime();
      // The clients join the same way whether the node is clustered or not.
      String clientMode = mode.equals("plain") ? "plain" : "ours";
      try (ChildJvm clients = new ChildJvm(List.of("-Xmx2g"), SocketClients.class, clientMode, port,
          String.valueOf(sizes.sockets()), String.valueOf(sizes.perRoom()))) {
        String[] ready = clients.expect("ready", 900);
        double seconds = (System.nanoTime() - t0) / 1e9;
        server.send("probe");
        Probe.PerItem per = SocketServer.parse(server.expect("probe", 60)).since(before, Integer.parseInt(ready[1]));
        clients.send("check");
        int alive = Integer.parseInt(clients.expect("alive", 60)[0]);
        clients.send("go " + sizes.relayClients() + " " + sizes.window() + " " + sizes.warmMs() + " "
            + sizes.measureMs());
        double rate = Double.parseDouble(clients.expect("rate",
            (int) ((sizes.warmMs() + sizes.measureMs()) / 1000) + 60)[0]);
        return new Held(alive, Integer.parseInt(ready[1]), Integer.parseInt(ready[2]), seconds, per, rate);
      }
    }
  }
}

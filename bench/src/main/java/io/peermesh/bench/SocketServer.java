package io.peermesh.bench;

import io.peermesh.node.PeerMeshNode;
import io.peermesh.shared.testing.Await;
import io.peermesh.signaling.SignalingVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The server side of the socket benchmarks in a JVM of its own, so each server starts with the whole
 * descriptor budget and a heap holding nothing else: our signaling verticle ({@code ours}: dev mode, rate
 * limits out of the way, every other limit at its default), the same in a clustered node
 * ({@code ours-clustered}) or {@link PlainSocketServer} ({@code plain}).
 * Prints {@code port <n>}, then answers each {@code probe} line with
 * {@code probe <rss> <heap> <jvmCommitted> <threads> <fds>} (bytes); {@code stop} exits.
 */
public final class SocketServer {
  private static final int CLUSTER_PORT = 5921;

  private SocketServer() {}

  public static void main(String[] args) throws Exception {
    int port;
    if (args[0].equals("ours")) {
      Vertx vertx = Vertx.vertx(Mesh.nodeVertxOptions());
      SignalingVerticle signaling = new SignalingVerticle();
      JsonObject config = new JsonObject().put("port", 0).put("devMode", true)
          .put("maxMessagesPerSecond", 1_000_000).put("burstMessages", 1_000_000);
      Await.result(vertx.deployVerticle(signaling, new DeploymentOptions()
          .setConfig(new JsonObject().put("signaling", config))));
      port = signaling.actualPort();
    } else if (args[0].equals("ours-clustered")) {
      // A production node's signaling: clustered over Hazelcast (a cluster of its own), every limit at its default.
      JsonObject config = SignalBench.config(true, "sockets-" + UUID.randomUUID(), CLUSTER_PORT);
      config.getJsonObject("cluster").put("members", new JsonArray().add("127.0.0.1:" + CLUSTER_PORT));
      config.getJsonObject("signaling").put("maxMessagesPerSecond", 1_000_000).put("burstMessages", 1_000_000);
      port = Await.result(PeerMeshNode.start(config), 120).signalingPort();
    } else {
      // Vert.x as it comes (its event loops), not tuned like a node; on the node's transport, so that the ratio is
      // what PeerMesh costs and not epoll against NIO.
      port = new PlainSocketServer(Vertx.vertx(new io.vertx.core.VertxOptions()
          .setPreferNativeTransport(Mesh.nodeVertxOptions().getPreferNativeTransport()))).port();
    }
    System.out.println("port " + port);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("stop"); line = in.readLine()) {
      if (line.equals("probe")) {
        Probe p = Probe.take();
        System.out.println("probe " + p.rssBytes() + " " + p.heapUsedBytes() + " " + p.jvmCommittedBytes() + " "
            + p.threads() + " " + p.fds());
      }
    }
    System.exit(0);
  }

  /** A probe line's values as a {@link Probe}. */
  static Probe parse(String[] values) {
    return new Probe(Long.parseLong(values[0]), Long.parseLong(values[1]), Long.parseLong(values[2]),
        Integer.parseInt(values[3]), Integer.parseInt(values[4]));
  }
}

package io.peermesh.node;

import io.peermesh.shared.config.ConfigOverlay;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts a node. Config layers, later wins: the embedded conf/peermesh.json, the file named by {@code --config}
 * or {@code PEERMESH_CONFIG}, environment variables ({@code PEERMESH_SIGNALING_PORT=8081}), system properties
 * ({@code -Dpeermesh.signaling.port=8081}). {@code --port N} is short for the signaling port.
 */
public final class Main {
  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  private Main() {}

  public static void main(String[] args) {
    Map<String, String> sys = new HashMap<>();
    System.getProperties().forEach((k, v) -> sys.put(k.toString(), v.toString()));
    String configFile = System.getenv("PEERMESH_CONFIG");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> sys.put("peermesh.signaling.port", value(args, ++i));
        case "--config" -> configFile = value(args, ++i);
        default -> usage("unknown argument " + args[i]);
      }
    }
    JsonObject config;
    try {
      config = load(configFile, System.getenv(), sys);
    } catch (RuntimeException e) {
      usage("bad configuration: " + e.getMessage());
      return;
    }
    PeerMeshNode.start(config)
        .onSuccess(node -> {
          Runtime.getRuntime().addShutdownHook(new Thread(() -> node.close().await()));
          System.out.println("PeerMesh node " + node.nodeId() + " ready: ws://127.0.0.1:" + node.signalingPort()
              + "/signal");
        })
        .onFailure(e -> {
          LOG.log(Level.SEVERE, "node failed to start", e);
          System.exit(1);
        });
  }

  /**
   * Reads the config layers with vertx-config (on a short-lived Vert.x, before the node's own exists), then
   * applies PEERMESH_* / peermesh.* overrides. Blocks the calling thread.
   */
  static JsonObject load(String configFile, Map<String, String> env, Map<String, String> sys) {
    JsonObject defaults = embeddedDefaults();
    if (configFile != null && !Files.isRegularFile(Path.of(configFile))) {
      throw new IllegalArgumentException("no config file " + configFile);
    }
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false)
        .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults));
    if (configFile != null) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", configFile)));
    }
    Vertx vertx = Vertx.vertx();
    CompletableFuture<JsonObject> result = new CompletableFuture<>();
    ConfigRetriever.create(vertx, options).getConfig().onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete(ar.result());
      } else {
        result.completeExceptionally(ar.cause());
      }
    });
    try {
      return ConfigOverlay.apply(deepMerge(defaults, result.join()), env, sys);
    } finally {
      vertx.close();
    }
  }

  static JsonObject embeddedDefaults() {
    try (InputStream in = Main.class.getResourceAsStream("/peermesh-conf/peermesh.json")) {
      if (in == null) {
        throw new IllegalStateException("peermesh-conf/peermesh.json is missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** vertx-config merges top-level keys shallowly per store; sections are merged key by key here. */
  private static JsonObject deepMerge(JsonObject base, JsonObject top) {
    JsonObject out = base.copy();
    top.forEach(e -> {
      if (e.getValue() instanceof JsonObject section && out.getValue(e.getKey()) instanceof JsonObject) {
        out.put(e.getKey(), out.getJsonObject(e.getKey()).copy().mergeIn(section));
      } else {
        out.put(e.getKey(), e.getValue());
      }
    });
    return out;
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      usage("missing value for " + args[i - 1]);
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: peermesh-node [--port N] [--config file.json]");
    System.exit(2);
  }
}

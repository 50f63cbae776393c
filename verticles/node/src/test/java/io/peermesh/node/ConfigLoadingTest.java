package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.config.SignalingConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config layers (embedded default, file, env, system properties) and the shipped config files. */
class ConfigLoadingTest {

  @Test
  void embeddedDefaultsAreTheDocumentedQuickStart() {
    JsonObject config = Main.load(null, Map.of(), Map.of());
    SignalingConfig signaling = SignalingConfig.from(config.getJsonObject("signaling"));
    assertEquals(8080, signaling.port());
    assertTrue(signaling.devMode(), "the quick start runs in explicit dev mode");
    NodeOptions node = NodeOptions.from(config);
    assertTrue(node.clustered());
    assertEquals(List.of("signaling", "supervisor"), node.roles());
    assertEquals("127.0.0.1", node.host());
    assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), node.resolvedEventLoops(),
        "one event loop per two cores by default");
    assertEquals(3, NodeOptions.from(new JsonObject().put("node", new JsonObject().put("eventLoops", 3)))
        .resolvedEventLoops());
    assertThrows(IllegalArgumentException.class,
        () -> NodeOptions.from(new JsonObject().put("node", new JsonObject().put("eventLoops", -1))));
    assertTrue(node.nativeTransport(), "epoll where the platform has it");
    assertTrue(PeerMeshNode.vertxOptions(config).getPreferNativeTransport());
    assertFalse(PeerMeshNode.vertxOptions(new JsonObject().put("node", new JsonObject()
        .put("nativeTransport", false))).getPreferNativeTransport());
  }

  /**
   * The node's Vert.x runs on epoll where the node ships the native library (Linux x86-64), elsewhere on NIO, and
   * on NIO when asked to.
   */
  @Test
  void aNodeRunsOnTheNativeTransportUnlessConfiguredOff() {
    boolean shipped = System.getProperty("os.name").equals("Linux")
        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    io.vertx.core.Vertx epoll = io.vertx.core.Vertx.vertx(PeerMeshNode.vertxOptions(new JsonObject()));
    io.vertx.core.Vertx nio = io.vertx.core.Vertx.vertx(PeerMeshNode.vertxOptions(
        new JsonObject().put("node", new JsonObject().put("nativeTransport", false))));
    try {
      assertEquals(shipped, epoll.isNativeTransportEnabled(), "netty-transport-native-epoll (linux-x86_64) must be"
          + " on the class path");
      assertFalse(nio.isNativeTransportEnabled());
    } finally {
      epoll.close();
      nio.close();
    }
  }

  @Test
  void fileThenEnvironmentThenSystemPropertiesEachOverrideTheLayerBelow(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.json");
    Files.writeString(file, "{\"signaling\":{\"port\":9000,\"maxPeersPerRoom\":7},\"cluster\":{\"clusterName\":\"x\"}}");
    JsonObject config = Main.load(file.toString(),
        Map.of("PEERMESH_SIGNALING_PORT", "9100", "PEERMESH_SIGNALING_RESUMEGRACEMS", "1234", "HOME", "/root"),
        Map.of("peermesh.signaling.port", "9200"));
    SignalingConfig signaling = SignalingConfig.from(config.getJsonObject("signaling"));
    assertEquals(9200, signaling.port());
    assertEquals(7, signaling.maxPeersPerRoom());
    assertEquals(1234, signaling.resumeGraceMs());
    assertEquals(65_536, signaling.maxFrameBytes(), "untouched keys keep the default");
    assertEquals("x", NodeOptions.from(config).clusterName());
  }

  @Test
  void aMissingConfigFileIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Main.load("/nonexistent/peermesh.json", Map.of(), Map.of()));
    assertTrue(e.getMessage().contains("/nonexistent/peermesh.json"));
  }

  @Test
  void unknownRolesAndBadHeartbeatsAreRejected() {
    JsonObject config = Main.load(null, Map.of(), Map.of());
    config.getJsonObject("node").put("roles", new io.vertx.core.json.JsonArray().add("teleporter"));
    assertThrows(IllegalArgumentException.class, () -> NodeOptions.from(config));
    JsonObject heartbeat = Main.load(null, Map.of(), Map.of());
    heartbeat.getJsonObject("cluster").put("maxNoHeartbeatSeconds", 1);
    assertThrows(IllegalArgumentException.class, () -> NodeOptions.from(heartbeat));
  }

  @Test
  void aTypoInAnySectionStopsTheNodeBeforeItStarts(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("typo.json");
    Files.writeString(file, "{\"supervisor\": {\"connection\": {\"heartbeatMS\": 100}}}");
    JsonObject config = Main.load(file.toString(), Map.of(), Map.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerMeshNode.start(config));
    assertTrue(e.getMessage().startsWith("unknown config key supervisor.connection.heartbeatMS; known in"
        + " supervisor.connection: [ackDelayMs,"), e.getMessage());
    JsonObject router = Main.load(null, Map.of(), Map.of());
    router.getJsonObject("router").put("retry", 5);
    assertThrows(IllegalArgumentException.class, () -> PeerMeshNode.start(router));
    JsonObject section = Main.load(null, Map.of(), Map.of()).put("routr", new JsonObject());
    assertThrows(IllegalArgumentException.class, () -> PeerMeshNode.start(section));
  }

  @Test
  void hazelcastConfigComesFromClusterXmlWithTheNodeOptionsOnTop() {
    NodeOptions options = NodeOptions.from(TestNodes.config(true, "hz-test", 5999, 5998, 5999));
    var hz = ClusterSetup.hazelcastConfig(options);
    assertEquals("hz-test", hz.getClusterName());
    assertEquals(5999, hz.getNetworkConfig().getPort());
    assertFalse(hz.getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5998", "127.0.0.1:5999"),
        hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
    assertEquals("false", hz.getProperty("hazelcast.phone.home.enabled"));
    assertEquals("0", hz.getProperty("hazelcast.wait.seconds.before.join"));
    assertTrue(hz.getNetworkConfig().getInterfaces().isEnabled());
    NodeOptions container = new NodeOptions(List.of("signaling"), true, 0, true, "c", "node1", 5701,
        List.of("node1:5701"), 0, 1, 5, 0);
    assertFalse(ClusterSetup.hazelcastConfig(container).getNetworkConfig().getInterfaces().isEnabled(),
        "a host name leaves interface selection to Hazelcast");
  }

  /** The compose file's environment must make a valid production config: dev mode off, JWT and TURN on. */
  @Test
  void dockerComposeEnvironmentYieldsAValidProductionConfig() throws Exception {
    Path compose = Path.of(System.getProperty("peermesh.root", "../.."), "docker", "compose.yaml");
    Map<String, String> env = new HashMap<>();
    Matcher m = Pattern.compile("(PEERMESH_[A-Z0-9_]+): \"?([^\"\\n]*)\"?").matcher(Files.readString(compose));
    while (m.find()) {
      env.put(m.group(1), m.group(2).replaceAll("\\$\\{[^}]*}", "substituted-secret-of-at-least-32-characters"));
    }
    JsonObject config = Main.load(null, env, Map.of());
    SignalingConfig signaling = SignalingConfig.from(config.getJsonObject("signaling"));
    assertFalse(signaling.devMode());
    assertTrue(signaling.turnConfigured());
    assertEquals("0.0.0.0", signaling.host());
    assertEquals(3, NodeOptions.from(config).members().size());
  }
}

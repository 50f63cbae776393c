package io.peermesh.node;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.config.ConfigKeys;
import io.peermesh.shared.config.SignalingConfig;
import io.peermesh.airelay.AiRelayVerticle;
import io.peermesh.router.ChannelRouterVerticle;
import io.peermesh.signaling.SignalingVerticle;
import io.peermesh.supervisor.SupervisorManagerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;
import java.util.logging.Logger;

/** A running PeerMesh node: a (clustered) Vert.x with the verticles its roles name. */
public final class PeerMeshNode {
  private static final Logger LOG = Logger.getLogger(PeerMeshNode.class.getName());

  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final Vertx vertx;
  private final String nodeId;
  private final SignalingVerticle signaling;
  /** Deployment ids in the order they were deployed (null: the role is off). */
  private final String signalingDeployment;
  private final String supervisorDeployment;
  private final String routerDeployment;
  private final String aiRelayDeployment;

  private PeerMeshNode(Vertx vertx, String nodeId, SignalingVerticle signaling, String signalingDeployment,
      String supervisorDeployment, String routerDeployment, String aiRelayDeployment) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.signaling = signaling;
    this.signalingDeployment = signalingDeployment;
    this.supervisorDeployment = supervisorDeployment;
    this.routerDeployment = routerDeployment;
    this.aiRelayDeployment = aiRelayDeployment;
  }

  /** Starts a node; the future completes once every verticle is deployed and the server listens. */
  public static Future<PeerMeshNode> start(JsonObject config) {
    ConfigKeys.requireKnown(Main.embeddedDefaults(), config);
    NodeOptions options = NodeOptions.from(config);
    SignalingConfig.from(config.getJsonObject("signaling"));
    if (!options.clustered()) {
      Vertx vertx = Vertx.vertx(vertxOptions(config));
      return deploy(vertx, config, options, UUID.randomUUID().toString());
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(ClusterSetup.hazelcastConfig(options));
    VertxOptions vertxOptions = vertxOptions(config);
    vertxOptions.getEventBusOptions().setHost(options.host()).setPort(options.eventBusPort());
    return Vertx.builder().with(vertxOptions).withClusterManager(manager).buildClustered()
        .compose(vertx -> {
          watchMembers(vertx, manager.getHazelcastInstance());
          return deploy(vertx, config, options, manager.getNodeId());
        });
  }

  private static Future<PeerMeshNode> deploy(Vertx vertx, JsonObject config, NodeOptions options, String nodeId) {
    SignalingVerticle signaling = options.roles().contains("signaling") ? new SignalingVerticle() : null;
    JsonObject verticleConfig = config.copy().put("nodeId", nodeId);
    Future<String> signalingDeployed = signaling == null ? Future.succeededFuture()
        : vertx.deployVerticle(signaling, new DeploymentOptions().setConfig(verticleConfig));
    // The supervisor manager loads webrtc-java only when the first connection is requested.
    Future<String> supervisorDeployed = signalingDeployed.compose(id -> options.roles().contains("supervisor")
        ? vertx.deployVerticle(new SupervisorManagerVerticle(), new DeploymentOptions().setConfig(verticleConfig))
        : Future.succeededFuture());
    // The router forwards between this node's supervisors, so it runs where they do.
    Future<String> routerDeployed = supervisorDeployed.compose(id -> options.roles().contains("supervisor")
        ? vertx.deployVerticle(new ChannelRouterVerticle(), new DeploymentOptions().setConfig(verticleConfig))
        : Future.succeededFuture());
    // The AI relay's bot joins through this node's signaling when it has it (its port may have been 0: any).
    boolean ai = options.roles().contains("supervisor") && config.getJsonObject("ai", new JsonObject())
        .getBoolean("enabled", false);
    Future<String> aiDeployed = routerDeployed.compose(id -> ai
        ? vertx.deployVerticle(new AiRelayVerticle(), new DeploymentOptions().setConfig(signaling == null
            ? verticleConfig : verticleConfig.copy().put("signalingPort", signaling.actualPort())))
        : Future.succeededFuture());
    return aiDeployed
        .map(id -> {
          LOG.info("PeerMesh node " + nodeId + " up with roles " + options.roles() + (ai ? " and the AI relay" : "")
              + (vertx.isNativeTransportEnabled() ? " (epoll)" : " (NIO transport)"));
          return new PeerMeshNode(vertx, nodeId, signaling, signalingDeployed.result(), supervisorDeployed.result(),
              routerDeployed.result(), id);
        })
        .recover(e -> {
          LOG.log(java.util.logging.Level.SEVERE, "deployment failed; closing the node", e);
          vertx.close();
          return Future.failedFuture(e);
        });
  }

  /**
   * Keeps the live member list in a local map and announces departures on the local bus. The cluster manager's
   * own node listener has room for one listener (Vert.x's), so this listens to Hazelcast directly.
   */
  private static void watchMembers(Vertx vertx, HazelcastInstance hazelcast) {
    Runnable refresh = () -> {
      JsonArray live = new JsonArray();
      hazelcast.getCluster().getMembers().forEach(m -> live.add(vertxNodeId(m)));
      vertx.sharedData().getLocalMap(Addresses.Node.LOCAL_MAP).put(Addresses.Node.MEMBERS_KEY, live);
    };
    refresh.run();
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        refresh.run();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        refresh.run();
        String gone = vertxNodeId(event.getMember());
        LOG.info("cluster member left: " + gone);
        vertx.eventBus().publish(Addresses.Node.MEMBER_LEFT, gone);
      }
    });
    vertx.eventBus().<Void>localConsumer(Addresses.Node.CLUSTER_SAFE, msg -> vertx
        .executeBlocking(() -> hazelcast.getPartitionService().isClusterSafe())
        .onComplete(ar -> msg.reply(ar.succeeded() && ar.result())));
  }

  /** Vert.x names a node by a member attribute of its own, not by the Hazelcast member UUID. */
  private static String vertxNodeId(com.hazelcast.cluster.Member member) {
    String id = member.getAttribute(VERTX_NODE_ID_ATTRIBUTE);
    return id != null ? id : member.getUuid().toString();
  }

  /** The AI relay's deployment id, null when the node runs none (for tests that stop it alone). */
  String aiRelayDeployment() {
    return aiRelayDeployment;
  }

  /**
   * The Vert.x options a node of {@code config} runs with where they are not about clustering (its event loops),
   * for a harness that deploys the verticles itself and must measure what a node runs.
   */
  public static VertxOptions vertxOptions(JsonObject config) {
    NodeOptions options = NodeOptions.from(config);
    return new VertxOptions().setEventLoopPoolSize(options.resolvedEventLoops())
        .setPreferNativeTransport(options.nativeTransport());
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The signaling port actually bound. */
  public int signalingPort() {
    return signaling.actualPort();
  }

  /**
   * Shuts the node down in order: the AI relay (its bots leave), the router (no more forwarding; other routers are
   * told), then supervisors
   * (each closes its peer connection and leaves its room while signaling still runs), then signaling (every
   * session ends; peers elsewhere hear {@code peer-left}), then Vert.x and the cluster membership. Closing
   * Vert.x alone stops them all at once, and each side's last words reach consumers the other side has already
   * removed.
   */
  public Future<Void> close() {
    Future<Void> undeployed = undeploy(aiRelayDeployment).compose(v -> undeploy(routerDeployment)).compose(v -> undeploy(supervisorDeployment))
        .compose(v -> undeploy(signalingDeployment));
    // Vert.x is closed from a thread of its own: a future completed on an event loop it has just shut down would
    // never run its listeners.
    return Future.fromCompletionStage(undeployed.toCompletionStage().toCompletableFuture()
        .handleAsync((v, e) -> null)
        .thenCompose(v -> vertx.close().toCompletionStage()));
  }

  /** Undeploys {@code id} if set; a failure is logged, not fatal: the close goes on. */
  private Future<Void> undeploy(String id) {
    if (id == null) {
      return Future.succeededFuture();
    }
    return vertx.undeploy(id).recover(e -> {
      LOG.log(java.util.logging.Level.WARNING, "undeploying " + id + " failed; closing anyway", e);
      return Future.succeededFuture();
    });
  }
}

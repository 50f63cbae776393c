package io.peermesh.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.XmlConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Builds the Hazelcast config: conf/cluster.xml from the jar, then the node's cluster options on top. */
final class ClusterSetup {
  private ClusterSetup() {}

  static Config hazelcastConfig(NodeOptions options) {
    Config config;
    try (InputStream xml = ClusterSetup.class.getResourceAsStream("/peermesh-conf/cluster.xml")) {
      if (xml == null) {
        throw new IllegalStateException("peermesh-conf/cluster.xml is missing from the classpath");
      }
      config = new XmlConfigBuilder(xml).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    config.setClusterName(options.clusterName());
    config.setProperty("hazelcast.wait.seconds.before.join", String.valueOf(options.joinWaitSeconds()));
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(options.heartbeatIntervalSeconds()));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(options.maxNoHeartbeatSeconds()));
    config.getNetworkConfig().setPort(options.hazelcastPort());
    // An address pins Hazelcast to that interface (loopback on one machine); a host name (a container's) leaves
    // interface selection to Hazelcast.
    boolean literal = options.host().matches("[0-9.]+");
    config.getNetworkConfig().getInterfaces().clear().setEnabled(literal);
    if (literal) {
      config.getNetworkConfig().getInterfaces().addInterface(options.host());
    }
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getTcpIpConfig().clear().setEnabled(true);
    options.members().forEach(member -> join.getTcpIpConfig().addMember(member));
    return config;
  }
}

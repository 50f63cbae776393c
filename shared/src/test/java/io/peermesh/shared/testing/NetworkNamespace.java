package io.peermesh.shared.testing;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import org.junit.jupiter.api.Assumptions;

/**
 * WebRTC tests need the private network namespace tools/netns/bin/java sets up as root: a veth end carrying
 * 127.0.0.2, since libwebrtc gathers no candidate on the loopback interface. Outside it they are skipped
 * with this reason (CI runs as root, so there they always run).
 */
public final class NetworkNamespace {
  private NetworkNamespace() {}

  public static boolean active() {
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nif.getInetAddresses())) {
          if (!nif.isLoopback() && address.getHostAddress().equals("127.0.0.2")) {
            return true;
          }
        }
      }
      return false;
    } catch (SocketException e) {
      return false;
    }
  }

  public static void assume() {
    Assumptions.assumeTrue(active(), "WebRTC tests run as root inside the private network namespace "
        + "(tools/netns/bin/java); run bin/test as root");
  }

  /** CI must never skip them silently. */
  public static void requireInCi() {
    if (System.getenv("CI") != null && !active()) {
      throw new AssertionError("CI=true but the test JVM is not in the private network namespace");
    }
  }
}

package io.peermesh.shared.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cuts the network path of WebRTC traffic inside the test's private network namespace with iptables: drops
 * UDP, and TCP except the ports named (signaling must keep working). Restoring deletes exactly those rules.
 */
public final class PathCut implements AutoCloseable {
  private final List<List<String>> rules = new ArrayList<>();
  private boolean cut;

  public PathCut(int... keepTcpPorts) {
    this(ports(keepTcpPorts), "");
  }

  /**
   * Drops UDP except {@code keepUdp} and TCP except {@code keepTcp} (multiport lists such as
   * {@code "3478,49160:49200"}; empty keeps none).
   */
  public PathCut(String keepTcp, String keepUdp) {
    StringBuilder keep = new StringBuilder(keepTcp);
    for (String chain : List.of("INPUT", "OUTPUT")) {
      if (keepUdp.isEmpty()) {
        rules.add(List.of(chain, "-p", "udp", "-j", "DROP"));
      } else {
        rules.add(List.of(chain, "-p", "udp", "-m", "multiport", "!", "--ports", keepUdp, "-j", "DROP"));
      }
      if (keep.length() > 0) {
        // iptables-nft 1.8.9 drops the kept port with "! --dport X ! --sport X"; multiport works.
        rules.add(List.of(chain, "-p", "tcp", "-m", "multiport", "!", "--ports", keep.toString(), "-j", "DROP"));
      }
    }
  }

  private static String ports(int... ports) {
    StringBuilder out = new StringBuilder();
    for (int port : ports) {
      out.append(out.length() == 0 ? "" : ",").append(port);
    }
    return out.toString();
  }

  public void cut() {
    for (List<String> rule : rules) {
      iptables("-I", rule);
    }
    cut = true;
  }

  public void restore() {
    if (cut) {
      for (List<String> rule : rules) {
        iptables("-D", rule);
      }
      cut = false;
    }
  }

  @Override
  public void close() {
    restore();
  }

  private static void iptables(String action, List<String> rule) {
    List<String> command = new ArrayList<>(List.of("iptables", action));
    command.addAll(rule);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(command + " failed: " + new String(p.getInputStream().readAllBytes()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("iptables is not available: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

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
    StringBuilder keep = new StringBuilder();
    for (int port : keepTcpPorts) {
      keep.append(keep.length() == 0 ? "" : ",").append(port);
    }
    for (String chain : List.of("INPUT", "OUTPUT")) {
      rules.add(List.of(chain, "-p", "udp", "-j", "DROP"));
      if (keep.length() > 0) {
        // iptables-nft 1.8.9 drops the kept port with "! --dport X ! --sport X"; multiport works.
        rules.add(List.of(chain, "-p", "tcp", "-m", "multiport", "!", "--ports", keep.toString(), "-j", "DROP"));
      }
    }
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

package io.peermesh.shared.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/** Waits for a child process (coturn, chromedriver) to accept TCP connections on a loopback port. */
public final class LocalPort {
  private LocalPort() {}

  /**
   * Returns once {@code port} accepts a connection. Between attempts it waits on the process itself, so an
   * early exit is noticed at once and no core is burnt spinning while the child starts.
   */
  public static void awaitListening(Process process, int port, long timeoutSeconds, String what)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (true) {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (process.waitFor(20, TimeUnit.MILLISECONDS)) {
          throw new IOException(what + " exited with " + process.exitValue() + " before listening on " + port);
        }
        if (System.nanoTime() > deadline) {
          throw new IOException(what + " did not listen on " + port + " within " + timeoutSeconds + " s");
        }
      }
    }
  }
}

package io.peermesh.shared.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real coturn TURN server for tests (Debian's {@code turnserver}), on 127.0.0.1:3478 with relay ports
 * 49160-49200 and TURN REST credentials ({@code use-auth-secret}), as FACTS.md verified.
 */
public final class Coturn implements AutoCloseable {
  public static final int PORT = 3478;
  public static final String RELAY_PORTS = "49160:49200";

  private final Process process;
  private final Path log;

  public Coturn(String secret) throws IOException {
    log = Files.createTempFile("coturn", ".log");
    process = new ProcessBuilder(List.of("turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
        "--listening-port=" + PORT, "--min-port=49160", "--max-port=49200", "--use-auth-secret",
        "--static-auth-secret=" + secret, "--realm=test", "--no-tls", "--no-dtls", "--no-cli",
        "--allow-loopback-peers", "--fingerprint", "-v", "--log-file=" + log, "--simple-log", "--no-stdout-log"))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      LocalPort.awaitListening(process, PORT, 20, "coturn");
    } catch (IOException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      close();
      throw new IOException(e.getMessage() + "; log: " + Files.readString(log), e);
    }
  }

  public static boolean installed() {
    return Files.isExecutable(Path.of("/usr/bin/turnserver"));
  }

  /** coturn's log: allocations show up here. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

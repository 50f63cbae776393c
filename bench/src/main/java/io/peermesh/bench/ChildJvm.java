package io.peermesh.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM on this classpath, driven by lines: commands go to its stdin, results come back as stdout
 * lines ({@code <word> <values...>}). It inherits the network namespace; its stderr goes to ours.
 */
final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final PrintWriter commands;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

  ChildJvm(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    for (String knob : List.of(Mesh.EVENT_LOOPS_PROPERTY, Mesh.NATIVE_TRANSPORT_PROPERTY)) {
      String value = System.getProperty(knob);
      if (value != null) {
        command.add("-D" + knob + "=" + value);
      }
    }
    String logging = System.getProperty("java.util.logging.config.file");
    if (logging != null) {
      command.add("-Djava.util.logging.config.file=" + logging);
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the child is gone; expect() times out or sees the exit
      }
    }, "child-jvm-reader");
    reader.setDaemon(true);
    reader.start();
  }

  void send(String command) {
    commands.println(command);
  }

  /** The words after {@code word} of the next line starting with it; other lines are skipped. */
  String[] expect(String word, int seconds) throws InterruptedException {
    return expectLine(word, seconds).split(" ");
  }

  /** What follows {@code word} on the next line starting with it, whole; other lines are skipped. */
  String expectLine(String word, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new IllegalStateException("child JVM said no '" + word + "' within " + seconds + " s"
            + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
      }
      if (line.startsWith(word + " ")) {
        return line.substring(word.length() + 1);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    send("stop");
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}

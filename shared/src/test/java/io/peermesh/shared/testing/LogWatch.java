package io.peermesh.shared.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects, while open, the messages one java.util.logging logger emits that contain a given text: for tests
 * that assert a library never had to complain (Vert.x logs a frame sent to an address nobody listens on).
 */
public final class LogWatch implements AutoCloseable {
  private final Logger logger;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final Handler handler;

  public LogWatch(String loggerName, String containing) {
    this.logger = Logger.getLogger(loggerName);
    this.handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        String message = String.valueOf(record.getMessage());
        if (message.contains(containing)) {
          seen.add(message);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
  }

  /** Vert.x's complaints about messages for consumers that are gone, on addresses containing {@code text}. */
  public static LogWatch discardedMessages(String text) {
    return new LogWatch("io.vertx.core.eventbus.impl.MessageConsumerImpl", text);
  }

  public List<String> seen() {
    return List.copyOf(seen);
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
  }
}

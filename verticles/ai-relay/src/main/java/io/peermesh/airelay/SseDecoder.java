package io.peermesh.airelay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Server-sent events (the WHATWG event-stream format) from bytes arriving in any pieces: lines end with LF, CR
 * or CRLF (also when split between pieces); {@code data} lines of one event are joined with LF; a blank line ends
 * the event; comments ({@code :}) and other fields are skipped. Lines are decoded as UTF-8 once whole, so a
 * character split between pieces survives. A line longer than {@code maxLineBytes} is an error.
 */
final class SseDecoder {
  private final Consumer<String> onData;
  private final int maxLineBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private boolean lastWasCr;

  SseDecoder(int maxLineBytes, Consumer<String> onData) {
    this.maxLineBytes = maxLineBytes;
    this.onData = onData;
  }

  /** Feeds bytes; calls back for every event they complete. */
  void feed(byte[] bytes) {
    for (byte b : bytes) {
      if (b == '\n' && lastWasCr) {
        lastWasCr = false;
        continue;
      }
      lastWasCr = b == '\r';
      if (b == '\n' || b == '\r') {
        endLine();
      } else {
        if (line.size() >= maxLineBytes) {
          throw new IllegalStateException("event-stream line longer than " + maxLineBytes + " bytes");
        }
        line.write(b);
      }
    }
  }

  private void endLine() {
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.isEmpty()) {
      if (hasData) {
        onData.accept(data.toString());
      }
      data.setLength(0);
      hasData = false;
      return;
    }
    if (text.startsWith(":")) {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("data")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    }
  }

  /**
   * The stream ended: a last line or event without its line end or blank line is taken as if it had them
   * (servers that close right after {@code data: [DONE]} are common; the standard would drop it).
   */
  void end() {
    if (line.size() > 0) {
      endLine();
    }
    lastWasCr = false;
    endLine();
  }
}

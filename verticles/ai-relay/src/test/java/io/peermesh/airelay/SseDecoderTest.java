package io.peermesh.airelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {
  private final List<String> events = new ArrayList<>();
  private final SseDecoder decoder = new SseDecoder(64, events::add);

  @Test
  void readsEventsWhateverThePiecesAndLineEnds() {
    byte[] stream = (": comment\r\ndata: one\r\n\r\ndata:two\n\nevent: x\ndata: a\ndata: b\n\nid: 3\n\n"
        + "data: é\r\r").getBytes(StandardCharsets.UTF_8);
    for (int split = 1; split < 7; split++) {
      events.clear();
      SseDecoder fresh = new SseDecoder(64, events::add);
      for (int i = 0; i < stream.length; i += split) {
        byte[] piece = new byte[Math.min(split, stream.length - i)];
        System.arraycopy(stream, i, piece, 0, piece.length);
        fresh.feed(piece);
      }
      assertEquals(List.of("one", "two", "a\nb", "é"), events, "pieces of " + split);
    }
  }

  @Test
  void anEventWithoutABlankLineIsNotEmitted() {
    decoder.feed("data: half".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(), events);
    decoder.feed("\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("half"), events);
  }

  @Test
  void theEndOfTheStreamCompletesALastEventWithoutItsLineEnds() {
    decoder.feed("data: one\n\ndata: [DONE]".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("one"), events);
    decoder.end();
    assertEquals(List.of("one", "[DONE]"), events);
    SseDecoder lineEnded = new SseDecoder(64, events::add);
    lineEnded.feed("data: a\r\ndata: b\r\n".getBytes(StandardCharsets.UTF_8));
    lineEnded.end();
    assertEquals("a\nb", events.get(2));
    SseDecoder complete = new SseDecoder(64, events::add);
    complete.feed("data: c\n\n".getBytes(StandardCharsets.UTF_8));
    complete.end();
    assertEquals(List.of("one", "[DONE]", "a\nb", "c"), events, "nothing twice, nothing empty");
  }

  @Test
  void refusesALineOverTheLimit() {
    assertThrows(IllegalStateException.class, () -> decoder.feed(new byte[65]));
  }
}

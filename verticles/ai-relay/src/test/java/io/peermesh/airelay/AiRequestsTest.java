package io.peermesh.airelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AiRequestsTest {
  private static final int MAX = 64;

  private static AiRequest parse(String json) throws AiException {
    return AiRequests.parse(json.getBytes(StandardCharsets.UTF_8), MAX);
  }

  @Test
  void readsEachRequest() throws Exception {
    assertEquals(new AiRequest.Prompt("q1", "héllo"), parse("{\"type\":\"prompt\",\"id\":\"q1\",\"prompt\":\"héllo\"}"));
    assertEquals(new AiRequest.Resume("q.1_-", 7), parse("{\"type\":\"resume\",\"id\":\"q.1_-\",\"from\":7}"));
    assertEquals(new AiRequest.Cancel("q1"), parse("{\"id\":\"q1\",\"type\":\"cancel\"}"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "not json                                               | ai-bad-request  |",
      "[1,2]                                                  | ai-bad-request  |",
      "\"prompt\"                                             | ai-bad-request  |",
      "{\"id\":\"q1\",\"prompt\":\"x\"}                       | ai-bad-request  | q1",
      "{\"type\":7,\"id\":\"q1\"}                             | ai-bad-request  | q1",
      "{\"type\":\"prompt\",\"prompt\":\"x\"}                 | ai-bad-request  |",
      "{\"type\":\"prompt\",\"id\":\"\",\"prompt\":\"x\"}     | ai-bad-request  |",
      "{\"type\":\"prompt\",\"id\":\"a b\",\"prompt\":\"x\"}  | ai-bad-request  |",
      "{\"type\":\"prompt\",\"id\":5,\"prompt\":\"x\"}        | ai-bad-request  |",
      "{\"type\":\"prompt\",\"id\":\"q1\"}                    | ai-bad-request  | q1",
      "{\"type\":\"prompt\",\"id\":\"q1\",\"prompt\":\"  \"}  | ai-bad-request  | q1",
      "{\"type\":\"prompt\",\"id\":\"q1\",\"prompt\":[\"x\"]} | ai-bad-request  | q1",
      "{\"type\":\"prompt\",\"id\":\"q1\",\"prompt\":\"x\",\"model\":\"big\"} | ai-bad-request | q1",
      "{\"type\":\"prompt\",\"id\":\"q1\",\"id\":\"q2\",\"prompt\":\"x\"} | ai-bad-request |",
      "{\"type\":\"prompt\",\"id\":\"q1\",\"prompt\":\"x\"} {} | ai-bad-request  |",
      "{\"type\":\"resume\",\"id\":\"q1\"}                    | ai-bad-request  | q1",
      "{\"type\":\"resume\",\"id\":\"q1\",\"from\":-1}        | ai-bad-request  | q1",
      "{\"type\":\"resume\",\"id\":\"q1\",\"from\":1.5}       | ai-bad-request  | q1",
      "{\"type\":\"resume\",\"id\":\"q1\",\"from\":\"3\"}     | ai-bad-request  | q1",
      "{\"type\":\"cancel\",\"id\":\"q1\",\"from\":3}         | ai-bad-request  | q1",
      "{\"type\":\"shout\",\"id\":\"q1\"}                     | ai-unknown-type | q1",
  })
  void refusesWithACode(String json, String code, String id) {
    AiException e = assertThrows(AiException.class, () -> parse(json.strip()));
    assertEquals(code, e.code().wire(), e.getMessage());
    assertEquals(id, e.id());
  }

  @Test
  void refusesWhatIsNotUtf8() {
    byte[] bad = {'{', '"', 't', (byte) 0xC3, '"', '}'};
    AiException e = assertThrows(AiException.class, () -> AiRequests.parse(bad, MAX));
    assertEquals(AiErrorCode.BAD_REQUEST, e.code());
  }

  @Test
  void refusesAPromptOverTheLimitCountingUtf8Bytes() throws Exception {
    String fits = "é".repeat(MAX / 2);
    assertEquals(fits, ((AiRequest.Prompt) parse("{\"type\":\"prompt\",\"id\":\"q\",\"prompt\":\"" + fits + "\"}"))
        .prompt());
    AiException over = assertThrows(AiException.class,
        () -> parse("{\"type\":\"prompt\",\"id\":\"q\",\"prompt\":\"" + fits + "x\"}"));
    assertEquals(AiErrorCode.TOO_LARGE, over.code());
    assertEquals("q", over.id());
    // A message far over the limit is refused before it is parsed.
    AiException huge = assertThrows(AiException.class, () -> AiRequests.parse(new byte[MAX + 2_000], MAX));
    assertEquals(AiErrorCode.TOO_LARGE, huge.code());
    assertNull(huge.id());
  }

  @Test
  void repliesAreNumberedJson() {
    assertEquals("{\"type\":\"delta\",\"id\":\"q\",\"n\":0,\"text\":\"hi\"}",
        new String(AiReply.encode(new AiReply.Delta("q", 0, "hi")), StandardCharsets.UTF_8));
    assertEquals("{\"type\":\"done\",\"id\":\"q\",\"n\":3,\"finish\":\"stop\"}",
        new String(AiReply.encode(new AiReply.Done("q", 3, "stop")), StandardCharsets.UTF_8));
    assertEquals("{\"type\":\"error\",\"code\":\"ai-bad-request\",\"message\":\"m\"}",
        new String(AiReply.encode(new AiReply.Error(null, null, AiErrorCode.BAD_REQUEST, "m")),
            StandardCharsets.UTF_8));
  }
}

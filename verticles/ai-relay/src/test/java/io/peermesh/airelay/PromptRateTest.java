package io.peermesh.airelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PromptRateTest {
  private long now;

  @Test
  void aBurstThenPromptsPerMinutePerClientAndRoom() throws Exception {
    PromptRate rate = new PromptRate(6, 2, 100, () -> now);
    rate.take("r", "alice", "a");
    rate.take("r", "alice", "b");
    AiException limited = assertThrows(AiException.class, () -> rate.take("r", "alice", "c"));
    assertEquals(AiErrorCode.RATE_LIMITED, limited.code());
    assertEquals("c", limited.id());
    rate.take("r", "bob", "a");
    rate.take("other-room", "alice", "a");
    now += 10_000_000_000L;
    rate.take("r", "alice", "c");
  }

  @Test
  void zeroMeansNoLimit() throws Exception {
    PromptRate rate = new PromptRate(0, 1, 100, () -> now);
    for (int i = 0; i < 1_000; i++) {
      rate.take("r", "alice", "q" + i);
    }
  }
}

package io.peermesh.airelay;

import io.peermesh.shared.time.TokenBucket;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Prompts per minute per client and room (a backend answer costs money and time): a token bucket each, the
 * least recently asking clients forgotten first. Single-threaded (the relay's context).
 */
final class PromptRate {
  private final int perMinute;
  private final int burst;
  private final LongSupplier nanoClock;
  private final Map<String, TokenBucket> buckets;

  /** {@code perMinute} 0: no limit. */
  PromptRate(int perMinute, int burst, int maxClients, LongSupplier nanoClock) {
    this.perMinute = perMinute;
    this.burst = burst;
    this.nanoClock = nanoClock;
    this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, TokenBucket> eldest) {
        return size() > maxClients;
      }
    };
  }

  /** Takes a prompt of {@code client}'s allowance, or refuses with {@code ai-rate-limited}. */
  void take(String room, String client, String id) throws AiException {
    if (perMinute == 0) {
      return;
    }
    TokenBucket bucket = buckets.computeIfAbsent(room + '\n' + client,
        k -> TokenBucket.perMinute(perMinute, burst, nanoClock));
    if (!bucket.tryAcquire()) {
      throw new AiException(AiErrorCode.RATE_LIMITED, id, "more than " + perMinute + " prompts a minute (burst "
          + burst + "); try again shortly");
    }
  }
}

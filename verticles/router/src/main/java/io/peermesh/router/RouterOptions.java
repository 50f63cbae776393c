package io.peermesh.router;

import io.vertx.core.json.JsonObject;

/**
 * Typed {@code router} config section (defaults in conf/peermesh.json, documented in conf/README.md).
 *
 * @param queueMaxMessages reliable messages (code-sync, ai-stream, presence) that may wait for one target
 *     connection; past it the target is taken out of routing with an {@code OVERFLOW} event, never silently
 *     thinned
 * @param retryMs wait before offering a message again that the target's supervisor refused (its queue or resend
 *     buffer was full)
 * @param sendTimeoutMs the longest a hand-over to a target's supervisor may take (past it the target leaves
 *     routing with an {@code OVERFLOW} event: the run may have been taken), and the longest a roster announcement
 *     to another node's router or the join's look-up of the connection may take
 */
public record RouterOptions(int queueMaxMessages, long retryMs, long sendTimeoutMs) {

  public RouterOptions {
    if (queueMaxMessages < 1 || retryMs < 1 || sendTimeoutMs < 1) {
      throw new IllegalArgumentException("router: queueMaxMessages, retryMs and sendTimeoutMs must be positive");
    }
  }

  public static RouterOptions defaults() {
    return new RouterOptions(10_000, 5, 2_000);
  }

  public static RouterOptions from(JsonObject json) {
    RouterOptions d = defaults();
    JsonObject j = json == null ? new JsonObject() : json;
    return new RouterOptions(j.getInteger("queueMaxMessages", d.queueMaxMessages()),
        j.getLong("retryMs", d.retryMs()), j.getLong("sendTimeoutMs", d.sendTimeoutMs()));
  }
}

package io.peermesh.supervisor;

import io.peermesh.shared.time.TokenBucket;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Answers a peer this one does not link with when it asks for a link (an offer, or a state report of a link
 * that is not over: a polite peer reports while it waits for our offer) with a {@code state} of
 * {@code declined}, as the browser client does for its {@code connectTo}: the asker stops instead of trying
 * again and again. At most three a second per peer, so a noisy one cannot use up the seat's signaling rate.
 * Used from one context.
 */
final class Declines {
  private static final int PER_SECOND = 1;
  private static final int BURST = 3;
  /** Peers whose budget is remembered; the least recently answered go first. */
  private static final int REMEMBERED = 256;

  private final LongSupplier nanoClock;
  private final Map<String, TokenBucket> budgets = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, TokenBucket> eldest) {
      return size() > REMEMBERED;
    }
  };

  Declines(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** An offer, or a state report of a link that is not over: what a peer that wants a link sends. */
  static boolean wantsLink(JsonObject message) {
    String type = message.getString("type", "");
    String state = message.getString("state", "");
    return type.equals("offer")
        || type.equals("state") && !state.equals("declined") && !state.equals("failed") && !state.equals("closed");
  }

  /** Declines {@code message} over {@code seat} when it asks for a link and the sender's budget allows; true then. */
  boolean declineIfAsked(Seat seat, JsonObject message, String reason) {
    String from = message.getString("from");
    if (from == null || !wantsLink(message)
        || !budgets.computeIfAbsent(from, peer -> new TokenBucket(PER_SECOND, BURST, nanoClock)).tryAcquire()) {
      return false;
    }
    seat.send(new JsonObject().put("type", "state").put("to", from).put("state", "declined").put("reason", reason));
    return true;
  }
}

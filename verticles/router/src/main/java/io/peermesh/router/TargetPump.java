package io.peermesh.router;

import io.peermesh.shared.bus.BusMessages.RoutedMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Hands one routed connection's messages to its supervisor, one at a time so a refusal never reorders them:
 * accepted → the next; refused because the supervisor's queue or resend buffer is full, or no answer in time →
 * the same message again after {@code retryMs}; any other refusal, or no supervisor → the target ends. Runs on the
 * router's context; the sender and scheduler are injected so the rules are tested without a bus or a clock.
 */
final class TargetPump {
  /** Refusals that pass: the supervisor's bounded queue or resend buffer is full for now. */
  private static final java.util.Set<String> RETRYABLE = java.util.Set.of("queue-full", "resend-buffer-full");

  /** Runs a task after a delay on the router's context. */
  interface Scheduler {
    void schedule(long delayMs, Runnable task);
  }

  private final String connection;
  private final TargetQueue queue;
  private final Function<RoutedMessage, Future<SendAck>> sender;
  private final Scheduler scheduler;
  private final long retryMs;
  private final BiConsumer<TargetPump, String> onEnd;
  private boolean busy;
  private boolean ended;
  private long delivered;
  private long retries;

  /**
   * @param onEnd called once when the target cannot take messages any more, with the reason: {@code gone} (no
   *     supervisor), the supervisor's refusal ({@code closed}, {@code failed}) or {@code overflow: ...}; the
   *     caller takes it out of routing
   */
  TargetPump(String connection, int maxReliable, Function<RoutedMessage, Future<SendAck>> sender,
      Scheduler scheduler, long retryMs, BiConsumer<TargetPump, String> onEnd) {
    this.connection = connection;
    this.queue = new TargetQueue(maxReliable);
    this.sender = sender;
    this.scheduler = scheduler;
    this.retryMs = retryMs;
    this.onEnd = onEnd;
  }

  String connection() {
    return connection;
  }

  /** Queues {@code message} and hands it over when its turn comes; an overflow ends the target. */
  void offer(RoutedMessage message) {
    if (ended) {
      return;
    }
    if (queue.offer(message) == TargetQueue.Offer.OVERFLOW) {
      end("overflow: " + queue.size() + " messages waiting, the next dropped");
      return;
    }
    pump();
  }

  /** Stops handing over; what waits is dropped (the connection left routing). */
  void stop() {
    ended = true;
  }

  int waiting() {
    return queue.size();
  }

  long delivered() {
    return delivered;
  }

  long retries() {
    return retries;
  }

  private void pump() {
    if (busy || ended) {
      return;
    }
    RoutedMessage next = queue.peek();
    if (next == null) {
      return;
    }
    busy = true;
    sender.apply(next).onComplete(ar -> {
      busy = false;
      if (ended) {
        return;
      }
      if (ar.succeeded() && ar.result().accepted()) {
        queue.remove(next);
        delivered++;
        pump();
      } else if (ar.succeeded() && !RETRYABLE.contains(ar.result().code())) {
        end(ar.result().code());
      } else if (ar.failed() && ar.cause() instanceof ReplyException e && e.failureType() != ReplyFailure.TIMEOUT) {
        // No consumer (the supervisor stopped) or it answered with a failure: nothing will take it.
        end("gone");
      } else {
        retries++;
        busy = true;
        scheduler.schedule(retryMs, () -> {
          busy = false;
          pump();
        });
      }
    });
  }

  private void end(String reason) {
    if (!ended) {
      ended = true;
      onEnd.accept(this, reason);
    }
  }
}

package io.peermesh.router;

import io.peermesh.shared.bus.BusMessages.RouteEventKind;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.BatchAck;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.channel.ChannelSpec;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Hands one routed connection's messages to its supervisor, a run of one channel's messages per request and one
 * request at a time, so a refusal never reorders them: all taken → the next run; the rest of a run goes again
 * after {@code retryMs} when the supervisor's queue or resend buffer was full, and meanwhile the other channels'
 * messages go on (a code-sync window full of unacknowledged deltas holds no cursor back); any other refusal, no supervisor,
 * or no answer in time (the run may have been taken: sending it again could duplicate) ends the target. Runs on
 * the router's context; the sender and scheduler are injected so the rules are tested without a bus or a clock.
 */
final class TargetPump {
  /** Refusals that pass: the supervisor's bounded queue or resend buffer is full for now. */

  /** Runs a task after a delay on the router's context. */
  interface Scheduler {
    void schedule(long delayMs, Runnable task);
  }

  private final String connection;
  private final TargetQueue queue;
  /** Messages handed over in one request at most, and their bytes (a single larger message still goes alone). */
  static final int RUN_MESSAGES = 256;
  static final long RUN_BYTES = 256 * 1024;

  private final Function<List<InboundMessage>, Future<BatchAck>> sender;
  private final Scheduler scheduler;
  private final long retryMs;
  /** Told once when the target can take nothing more: the event kind and the reason. */
  interface EndListener {
    void ended(TargetPump pump, RouteEventKind kind, String reason);
  }

  private final EndListener onEnd;
  private boolean busy;
  private boolean ended;
  /** Channels whose last run was refused for now: skipped until their retry. */
  private final Set<ChannelSpec> waitingRetry = EnumSet.noneOf(ChannelSpec.class);
  private long delivered;
  private long retries;

  /**
   * @param onEnd called once when the target cannot take messages any more, with the reason: {@code gone} (no
   *     supervisor), the supervisor's refusal ({@code closed}, {@code failed}) or {@code overflow: ...}; the
   *     caller takes it out of routing
   */
  TargetPump(String connection, int maxReliable, Function<List<InboundMessage>, Future<BatchAck>> sender,
      Scheduler scheduler, long retryMs, EndListener onEnd) {
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
  void offer(InboundMessage message) {
    if (ended) {
      return;
    }
    if (queue.offer(message) == TargetQueue.Offer.OVERFLOW) {
      end(RouteEventKind.OVERFLOW,
          "overflow: " + queue.size() + " messages were waiting; they and the next are dropped");
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
    List<InboundMessage> run = queue.peekRun(RUN_MESSAGES, RUN_BYTES, waitingRetry);
    if (run.isEmpty()) {
      return;
    }
    busy = true;
    sender.apply(run).onComplete(ar -> {
      busy = false;
      if (ended) {
        return;
      }
      if (ar.succeeded()) {
        BatchAck ack = ar.result();
        queue.remove(run, ack.accepted());
        delivered += ack.accepted();
        if (ack.code() == null) {
          pump();
          return;
        }
        if (!SendAck.retryable(ack.code())) {
          end(RouteEventKind.LEFT, ack.code());
          return;
        }
      } else if (ar.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.TIMEOUT) {
        // The supervisor may have taken the run and answered late: sending it again could duplicate, and not
        // sending it could lose. The target leaves routing and its client resynchronises, as after an overflow.
        end(RouteEventKind.OVERFLOW, "no answer to a hand-over of " + run.size() + " messages in time");
        return;
      } else {
        // No consumer (the supervisor stopped) or it answered with a failure: nothing will take it.
        end(RouteEventKind.LEFT, "gone");
        return;
      }
      retries++;
      ChannelSpec refused = ChannelSpec.byLabel(run.get(0).channel()).orElseThrow();
      waitingRetry.add(refused);
      scheduler.schedule(retryMs, () -> {
        waitingRetry.remove(refused);
        pump();
      });
      pump();
    });
  }

  private void end(RouteEventKind kind, String reason) {
    if (!ended) {
      ended = true;
      onEnd.ended(this, kind, reason);
    }
  }
}

package io.peermesh.router;

import static io.peermesh.router.TargetQueueTest.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.BusMessages.RoutedMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetPumpTest {
  /** Hand-overs the pump started and not yet answered, oldest first. */
  private final List<RoutedMessage> sent = new ArrayList<>();
  private final List<Promise<SendAck>> replies = new ArrayList<>();
  /** Tasks the pump scheduled, and their delays. */
  private final List<Runnable> timers = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private String endedWith;
  private int ends;

  private final TargetPump pump = new TargetPump("target", 3, this::send, (delay, task) -> {
    delays.add(delay);
    timers.add(task);
  }, 7, (p, reason) -> {
    endedWith = reason;
    ends++;
  });

  private Future<SendAck> send(RoutedMessage message) {
    sent.add(message);
    Promise<SendAck> reply = Promise.promise();
    replies.add(reply);
    return reply.future();
  }

  private void answer(SendAck ack) {
    replies.remove(0).complete(ack);
  }

  private void answerFailure(ReplyFailure failure) {
    replies.remove(0).fail(new ReplyException(failure, "test"));
  }

  private void fireTimer() {
    timers.remove(0).run();
  }

  @Test
  void handsOverOneAtATimeInOrder() {
    RoutedMessage first = message("a", "code-sync", 1);
    RoutedMessage second = message("a", "code-sync", 2);
    pump.offer(first);
    pump.offer(second);
    assertEquals(List.of(first), sent, "the second waits for the first's answer");
    answer(new SendAck(true, null));
    assertEquals(List.of(first, second), sent);
    answer(new SendAck(true, null));
    assertEquals(2, pump.delivered());
    assertEquals(0, pump.waiting());
  }

  @Test
  void aFullSupervisorQueueOrATimeoutRetriesTheSameMessageLaterAndKeepsTheOrder() {
    RoutedMessage first = message("a", "code-sync", 1);
    RoutedMessage second = message("a", "code-sync", 2);
    pump.offer(first);
    pump.offer(second);
    answer(new SendAck(false, "resend-buffer-full"));
    assertEquals(List.of(7L), delays);
    pump.offer(message("a", "code-sync", 3));
    assertEquals(1, sent.size(), "nothing goes while a retry waits");
    fireTimer();
    assertSame(first, sent.get(1));
    answer(new SendAck(false, "queue-full"));
    fireTimer();
    answerFailure(ReplyFailure.TIMEOUT);
    fireTimer();
    assertSame(first, sent.get(3));
    answer(new SendAck(true, null));
    assertSame(second, sent.get(4));
    assertEquals(3, pump.retries());
    assertNull(endedWith);
  }

  @Test
  void aSupervisorThatIsGoneEndsTheTarget() {
    pump.offer(message("a", "code-sync", 1));
    answerFailure(ReplyFailure.NO_HANDLERS);
    assertEquals("gone", endedWith);
    pump.offer(message("a", "code-sync", 2));
    assertEquals(1, sent.size(), "an ended target takes nothing");
  }

  @Test
  void aClosedOrFailedSupervisorEndsTheTargetWithItsReason() {
    pump.offer(message("a", "code-sync", 1));
    answer(new SendAck(false, "failed"));
    assertEquals("failed", endedWith);
    assertEquals(1, ends);
  }

  @Test
  void overflowEndsTheTargetOnce() {
    for (int i = 1; i <= 5; i++) {
      pump.offer(message("a", "code-sync", i));
    }
    assertTrue(endedWith.startsWith("overflow"), endedWith);
    assertEquals(1, ends);
    answer(new SendAck(true, null));
    assertEquals(1, sent.size(), "nothing more is handed over once ended");
  }

  @Test
  void anAnswerArrivingAfterStopIsIgnored() {
    pump.offer(message("a", "code-sync", 1));
    pump.offer(message("a", "code-sync", 2));
    pump.stop();
    answer(new SendAck(true, null));
    assertEquals(1, sent.size());
    assertEquals(0, pump.delivered());
    assertEquals(0, ends, "a stop is the caller's doing: no end callback");
  }

  @Test
  void aRetryFiringAfterStopSendsNothing() {
    pump.offer(message("a", "code-sync", 1));
    answer(new SendAck(false, "queue-full"));
    pump.stop();
    fireTimer();
    assertEquals(1, sent.size());
  }
}

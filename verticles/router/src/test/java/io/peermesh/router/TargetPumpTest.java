package io.peermesh.router;

import static io.peermesh.router.TargetQueueTest.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.BatchAck;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetPumpTest {
  /** Hand-overs the pump started and not yet answered, oldest first. */
  private final List<InboundMessage> sent = new ArrayList<>();
  private final List<List<InboundMessage>> runs = new ArrayList<>();
  private final List<Promise<BatchAck>> replies = new ArrayList<>();
  /** Tasks the pump scheduled, and their delays. */
  private final List<Runnable> timers = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private String endedWith;
  private int ends;

  private final TargetPump pump = new TargetPump("target", 300, this::send, (delay, task) -> {
    delays.add(delay);
    timers.add(task);
  }, 7, (p, kind, reason) -> {
    endedWith = kind + " " + reason;
    ends++;
  });

  private Future<BatchAck> send(List<InboundMessage> run) {
    sent.addAll(run);
    runs.add(List.copyOf(run));
    Promise<BatchAck> reply = Promise.promise();
    replies.add(reply);
    return reply.future();
  }

  /** Answers the oldest hand-over: all taken, or the first {@code accepted} then a refusal with {@code code}. */
  private void answer(int accepted, String code) {
    replies.remove(0).complete(new BatchAck(accepted, code));
  }

  private void answerAll() {
    answer(runs.get(runs.size() - replies.size()).size(), null);
  }

  private void answerFailure(ReplyFailure failure) {
    replies.remove(0).fail(new ReplyException(failure, "test"));
  }

  private void fireTimer() {
    timers.remove(0).run();
  }

  @Test
  void handsOverOneAtATimeInOrder() {
    InboundMessage first = message("a", "code-sync", 1);
    InboundMessage second = message("a", "code-sync", 2);
    pump.offer(first);
    pump.offer(second);
    assertEquals(List.of(first), sent, "the second waits for the first's answer");
    answerAll();
    assertEquals(List.of(first, second), sent);
    answerAll();
    assertEquals(2, pump.delivered());
    assertEquals(0, pump.waiting());
  }

  @Test
  void aFullSupervisorQueueRetriesTheRestOfTheRunLaterAndKeepsTheOrder() {
    InboundMessage first = message("a", "code-sync", 1);
    InboundMessage second = message("a", "code-sync", 2);
    InboundMessage third = message("a", "code-sync", 3);
    pump.offer(first);
    pump.offer(second);
    answer(0, "resend-buffer-full");
    assertEquals(List.of(7L), delays);
    pump.offer(third);
    assertEquals(1, runs.size(), "nothing goes while a retry waits");
    fireTimer();
    assertEquals(List.of(first, second, third), runs.get(1), "what waited goes as one run");
    answer(1, "queue-full");
    fireTimer();
    assertEquals(List.of(second, third), runs.get(2), "the taken prefix is not sent again");
    answerAll();
    assertEquals(3, pump.delivered());
    assertEquals(2, pump.retries());
    assertEquals(0, pump.waiting());
    assertNull(endedWith);
  }

  @Test
  void noAnswerInTimeEndsTheTargetRatherThanRiskADuplicate() {
    pump.offer(message("a", "code-sync", 1));
    pump.offer(message("a", "code-sync", 2));
    answerFailure(ReplyFailure.TIMEOUT);
    assertTrue(endedWith.startsWith("OVERFLOW no answer"), endedWith);
    assertEquals(1, runs.size(), "nothing is sent again");
    assertTrue(timers.isEmpty());
  }

  @Test
  void aRunIsBoundedInMessages() {
    for (int i = 0; i <= TargetPump.RUN_MESSAGES + 1; i++) {
      pump.offer(message("a", "code-sync", i));
    }
    answerAll();
    assertEquals(TargetPump.RUN_MESSAGES, runs.get(1).size());
    answerAll();
    assertEquals(1, runs.get(2).size());
  }

  @Test
  void aSupervisorThatIsGoneEndsTheTarget() {
    pump.offer(message("a", "code-sync", 1));
    answerFailure(ReplyFailure.NO_HANDLERS);
    assertEquals("LEFT gone", endedWith);
    pump.offer(message("a", "code-sync", 2));
    assertEquals(1, sent.size(), "an ended target takes nothing");
  }

  @Test
  void aClosedOrFailedSupervisorEndsTheTargetWithItsReason() {
    pump.offer(message("a", "code-sync", 1));
    answer(0, "failed");
    assertEquals("LEFT failed", endedWith);
    assertEquals(1, ends);
  }

  @Test
  void overflowEndsTheTargetOnce() {
    for (int i = 1; i <= 302; i++) {
      pump.offer(message("a", "code-sync", i));
    }
    assertTrue(endedWith.startsWith("OVERFLOW overflow: 300 messages were waiting"), endedWith);
    assertEquals(1, ends);
    answerAll();
    assertEquals(1, sent.size(), "nothing more is handed over once ended");
  }

  @Test
  void anAnswerArrivingAfterStopIsIgnored() {
    pump.offer(message("a", "code-sync", 1));
    pump.offer(message("a", "code-sync", 2));
    pump.stop();
    answerAll();
    assertEquals(1, sent.size());
    assertEquals(0, pump.delivered());
    assertEquals(0, ends, "a stop is the caller's doing: no end callback");
  }

  @Test
  void aRetryFiringAfterStopSendsNothing() {
    pump.offer(message("a", "code-sync", 1));
    answer(0, "queue-full");
    pump.stop();
    fireTimer();
    assertEquals(1, sent.size());
  }

  @Test
  void aRefusedChannelWaitsForItsRetryWhileTheOtherChannelsGoOn() {
    InboundMessage delta1 = message("a", "code-sync", 1);
    InboundMessage delta2 = message("a", "code-sync", 2);
    InboundMessage cursor = message("a", "cursor-pos", 3);
    InboundMessage here = message("a", "presence", 4);
    pump.offer(delta1);
    pump.offer(delta2);
    pump.offer(cursor);
    pump.offer(here);
    assertEquals(List.of(delta1), runs.get(0), "handed over at once; the rest waits for its answer");
    answer(0, "resend-buffer-full");
    assertEquals(List.of(cursor), runs.get(1), "the cursor does not wait for code-sync's retry");
    answerAll();
    assertEquals(List.of(here), runs.get(2));
    answerAll();
    assertEquals(3, runs.size(), "code-sync waits for its retry");
    InboundMessage delta3 = message("a", "code-sync", 5);
    pump.offer(delta3);
    assertEquals(3, runs.size());
    fireTimer();
    assertEquals(List.of(delta1, delta2, delta3), runs.get(3), "code-sync goes on in order");
    answerAll();
    assertEquals(5, pump.delivered());
    assertEquals(0, pump.waiting());
  }
}

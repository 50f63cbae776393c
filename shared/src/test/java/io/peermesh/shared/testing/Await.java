package io.peermesh.shared.testing;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Blocks a test thread on a Vert.x future, with a timeout. Never call it on an event loop. */
public final class Await {
  private Await() {}

  public static <T> T result(Future<T> future) {
    return result(future, 30);
  }

  public static <T> T result(Future<T> future, int seconds) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError("future did not complete within " + seconds + " s", e);
    }
  }

  /**
   * Evaluates {@code check} again every 20 ms (on a Vert.x timer) until it yields a value {@code done} accepts,
   * and returns that value; fails after {@code seconds}. For state that other contexts update asynchronously.
   */
  public static <T> T until(io.vertx.core.Vertx vertx, java.util.function.Supplier<Future<T>> check,
      java.util.function.Predicate<T> done, int seconds) {
    io.vertx.core.Promise<T> result = io.vertx.core.Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    new Object() {
      void attempt() {
        check.get().onComplete(ar -> {
          if (ar.succeeded() && done.test(ar.result())) {
            result.complete(ar.result());
          } else if (System.nanoTime() > deadline) {
            result.fail("condition not met within " + seconds + " s; last: "
                + (ar.succeeded() ? ar.result() : ar.cause()));
          } else {
            vertx.setTimer(20, id -> attempt());
          }
        });
      }
    }.attempt();
    return result(result.future(), seconds + 5);
  }
}

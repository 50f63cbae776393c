package io.peermesh.supervisor;

import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Many pairs requested at once, each in its own room, all connect: with links taken from the pool's stock
 * (the first ones; the rest are built when needed), and with no stock at all.
 */
class ConcurrentSetupTest {

  @Test
  void pairsRequestedAtOnceAllConnect() {
    connectFivePairsAtOnce(SupervisorHarness::new);
  }

  @Test
  void pairsRequestedAtOnceAllConnectWithNoLinksInStock() {
    connectFivePairsAtOnce(() -> new SupervisorHarness(new JsonObject(), new JsonObject().put("pool",
        new JsonObject().put("private", true).put("linksInStock", 0))));
  }

  private static void connectFivePairsAtOnce(Supplier<SupervisorHarness> harnesses) {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    try (SupervisorHarness harness = harnesses.get()) {
      List<Future<String>> all = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        all.add(harness.request("many-" + i, "many-" + i + "-a", "many-" + i + "-b", Map.of()).map(s -> s.connection()));
        all.add(harness.request("many-" + i, "many-" + i + "-b", "many-" + i + "-a", Map.of()).map(s -> s.connection()));
      }
      Await.result(Future.all(all), 60);
      for (Future<String> c : all) {
        harness.awaitState(c.result(), "connected", Duration.ofSeconds(30));
      }
    }
  }
}

package io.peermesh.supervisor;

import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Many pairs requested at once, each in its own room, all connect. */
class ConcurrentSetupTest {

  @Test
  void pairsRequestedAtOnceAllConnect() {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    try (SupervisorHarness harness = new SupervisorHarness()) {
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

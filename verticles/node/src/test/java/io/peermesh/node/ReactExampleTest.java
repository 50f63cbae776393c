package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.peermesh.shared.testing.PathCut;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The React example app (built from npm packages by bin/test) shows the indicator change on a path cut. */
class ReactExampleTest {
  /** Resolves with the indicator's data-state once {@code predicate(state)} holds. */
  private static final String AWAIT_INDICATOR = "const [wanted, negate, done] = arguments;"
      + "const check = () => { const el = document.querySelector('[data-testid=connection-status]');"
      + "  const s = el && el.dataset.state; const ok = s && (negate ? s !== wanted : s === wanted);"
      + "  ok ? done(s + '|' + el.textContent) : setTimeout(check, 25); };"
      + "check();";

  @Test
  void theIndicatorRendersAndChangesStateWhenThePathIsCut() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue(WebDriverSession.available() || System.getenv("CI") != null,
        "needs Debian chromium and chromium-driver (bin/install-deps)");
    Path root = Path.of(System.getProperty("peermesh.root", "../.."));
    assertTrue(Files.isRegularFile(root.resolve("web/react/example/dist/app.js")),
        "the example app is not built: run bin/test (it runs npm ci and npm run build:example in web/react)");
    PeerMeshNode node = TestNodes.start(TestNodes.config(false, TestNodes.uniqueClusterName(), 5851, 5851));
    Path shots = root.resolve("verticles/node/target/screenshots");
    try (WebDriverSession browser = new WebDriverSession()) {
      browser.scriptTimeout(20_000);
      browser.open("http://127.0.0.1:" + node.signalingPort() + "/react/example/index.html?room=react-room&peer=rpage");
      Await.result(node.vertx().eventBus().<SupervisorStarted>request(Addresses.Supervisor.START,
          new SupervisorRequest("react-room", "zbot", "rpage", "127.0.0.1", node.signalingPort(), null, Map.of())));
      String up;
      try {
        up = (String) browser.executeAsync(AWAIT_INDICATOR, "connected", false);
      } catch (IllegalStateException e) {
        throw new AssertionError("the indicator never showed connected; page: " + browser.execute(
            "return JSON.stringify({errors: window.__errors, root: document.getElementById('root').innerHTML})"), e);
      }
      assertTrue(up.startsWith("connected|"), up);
      browser.screenshot(shots.resolve("react-connected.png"));
      // UDP only: WebDriver talks to Chromium over TCP, and the supervisor gathers no TCP candidates.
      try (PathCut cut = new PathCut("0:65535", "")) {
        cut.cut();
        String down = (String) browser.executeAsync(AWAIT_INDICATOR, "connected", true);
        assertNotEquals("connected", down.split("\\|")[0]);
        System.out.println("MEASURED react indicator after the cut: " + down);
        browser.screenshot(shots.resolve("react-cut.png"));
        cut.restore();
        assertEquals("connected", ((String) browser.executeAsync(AWAIT_INDICATOR, "connected", false))
            .split("\\|")[0]);
      }
      StatusPage.awaitRowWithCandidates("http://127.0.0.1:" + node.signalingPort(),
          shots.resolve("react-status.png"));
    } finally {
      Await.result(node.close());
    }
  }
}

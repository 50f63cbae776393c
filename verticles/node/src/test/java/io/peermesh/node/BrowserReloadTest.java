package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A page connected to a server-side peer is replaced by a new one: after a normal reload (the demo says goodbye
 * on pagehide, so the room sees a leave and a join), or after a crash (no goodbye: the new page resumes the
 * session with the kept token, so the room sees nothing, but its peer connection is brand new). Either way the
 * supervisor must connect to the new page promptly, whichever side makes the offers.
 */
class BrowserReloadTest {
  private static final String AWAIT_CONNECTED = "const [other, done] = arguments;"
      + "const check = () => { const p = window.peermesh && window.peermesh.peer(other);"
      + "  p && p.state === 'connected' ? done(p.state) : setTimeout(check, 25); };"
      + "check();";

  /** "zbot" sorts after "browser1": the supervisor is impolite (offers); "abot" sorts first: it is polite. */
  @ParameterizedTest
  @CsvSource({"zbot, reload", "abot, reload", "zbot, crash", "abot, crash"})
  void aReplacedPageIsReconnectedPromptly(String bot, String how) throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue(WebDriverSession.available() || System.getenv("CI") != null,
        "needs Debian chromium and chromium-driver (bin/install-deps)");
    PeerMeshNode node = TestNodes.start(TestNodes.config(false, TestNodes.uniqueClusterName(), 5881, 5881));
    try (WebDriverSession browser = new WebDriverSession()) {
      String page = "http://127.0.0.1:" + node.signalingPort() + "/?room=reload-room&peer=browser1";
      browser.open(page);
      Promise<String> connected = Promise.promise();
      node.vertx().eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
        if (m.body().to().equals("connected")) {
          connected.tryComplete(m.body().connection());
        }
      });
      String connection = Await.result(node.vertx().eventBus().<SupervisorStarted>request(
          Addresses.Supervisor.START, new SupervisorRequest("reload-room", bot, "browser1", "127.0.0.1",
              node.signalingPort(), null, Map.of())).map(r -> r.body().connection()));
      Await.result(connected.future(), 30);
      assertEquals("connected", browser.executeAsync(AWAIT_CONNECTED, bot));

      if (how.equals("crash")) {
        // The page's goodbye on pagehide (forget the token, close the client) does nothing: as after a crash.
        browser.execute("window.peermesh.close = () => {}; sessionStorage.removeItem = () => {};");
      }
      long reloaded = System.nanoTime();
      browser.open(page);
      browser.scriptTimeout(60_000);
      assertEquals("connected", browser.executeAsync(AWAIT_CONNECTED, bot));
      long millis = (System.nanoTime() - reloaded) / 1_000_000;
      // After a goodbye the new page joined afresh; after a crash it resumed the session.
      String log = (String) browser.execute("return document.querySelector('[data-testid=log]').textContent");
      String expected = (how.equals("crash") ? "resumed" : "joined") + " reload-room as browser1";
      assertTrue(log.contains(expected), "the page's log: " + log);
      browser.execute("window.__got = []; window.peermesh.addEventListener('message', e => {"
          + " if (e.detail.channel === 'code-sync') window.__got.push(new TextDecoder().decode(e.detail.data)); });");
      SendAck ack = Await.result(node.vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
          new OutboundMessage("code-sync", "after the reload".getBytes(StandardCharsets.UTF_8))).map(r -> r.body()));
      assertTrue(ack.accepted());
      assertEquals("after the reload", browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => window.__got.length ? done(window.__got[0]) : setTimeout(check, 25); check();"));
      System.out.printf("MEASURED %s, %s: the new page connected again after %d ms%n", bot, how, millis);
      assertTrue(millis < 5_000, "reconnected after " + millis + " ms");
      java.nio.file.Path shots = java.nio.file.Path.of(System.getProperty("peermesh.root", "../.."), "verticles",
          "node", "target", "screenshots");
      browser.screenshot(shots.resolve("reload-" + bot + "-" + how + "-demo.png"));
      StatusPage.awaitRowWithCandidates("http://127.0.0.1:" + node.signalingPort(),
          shots.resolve("reload-" + bot + "-" + how + "-status.png"));
    } finally {
      Await.result(node.close());
    }
  }
}

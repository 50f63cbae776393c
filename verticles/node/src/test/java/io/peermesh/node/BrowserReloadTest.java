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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A user reloads the page while connected to a server-side peer: the new page resumes the signaling session
 * (the demo keeps the resume token), so the room sees no leave, but its peer connection is brand new. The
 * supervisor must notice and connect to the new page promptly, whichever side makes the offers.
 */
class BrowserReloadTest {
  private static final String AWAIT_CONNECTED = "const [other, done] = arguments;"
      + "const check = () => { const p = window.peermesh && window.peermesh.peer(other);"
      + "  p && p.state === 'connected' ? done(p.state) : setTimeout(check, 25); };"
      + "check();";

  /** "zbot" sorts after "browser1": the supervisor is impolite (offers); "abot" sorts first: it is polite. */
  @ParameterizedTest
  @ValueSource(strings = {"zbot", "abot"})
  void aReloadedPageIsReconnectedPromptly(String bot) throws Exception {
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

      long reloaded = System.nanoTime();
      browser.open(page);
      browser.scriptTimeout(60_000);
      assertEquals("connected", browser.executeAsync(AWAIT_CONNECTED, bot));
      long millis = (System.nanoTime() - reloaded) / 1_000_000;
      assertEquals(Boolean.TRUE, browser.execute("return window.peermesh.resumed === true"
          + " || sessionStorage.length > 0"), "the page resumed its session");
      browser.execute("window.__got = []; window.peermesh.addEventListener('message', e => {"
          + " if (e.detail.channel === 'code-sync') window.__got.push(new TextDecoder().decode(e.detail.data)); });");
      SendAck ack = Await.result(node.vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
          new OutboundMessage("code-sync", "after the reload".getBytes(StandardCharsets.UTF_8))).map(r -> r.body()));
      assertTrue(ack.accepted());
      assertEquals("after the reload", browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => window.__got.length ? done(window.__got[0]) : setTimeout(check, 25); check();"));
      System.out.printf("MEASURED %s: reloaded page connected again after %d ms%n", bot, millis);
      assertTrue(millis < 5_000, "reconnected after " + millis + " ms");
      java.nio.file.Path shots = java.nio.file.Path.of(System.getProperty("peermesh.root", "../.."), "verticles",
          "node", "target", "screenshots");
      browser.screenshot(shots.resolve("reload-" + bot + "-demo.png"));
      StatusPage.awaitRowWithCandidates("http://127.0.0.1:" + node.signalingPort(),
          shots.resolve("reload-" + bot + "-status.png"));
    } finally {
      Await.result(node.close());
    }
  }
}

package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two real Chromium pages in one room, each on a different node of a two-node cluster, connect through a real
 * coturn: in the test namespace Chromium gathers no host candidate on 127/8, so two browsers need a relay.
 */
class BrowserMeshTest {
  private static final String AWAIT_CONNECTED = "const [other, done] = arguments;"
      + "const check = () => { const p = window.peermesh && window.peermesh.peer(other);"
      + "  p && p.state === 'connected' ? done(p.state) : setTimeout(check, 25); };"
      + "check();";

  @Test
  void browsersOnTwoClusterNodesConnectAndExchangeCodeSync() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue(WebDriverSession.available() || System.getenv("CI") != null,
        "needs Debian chromium and chromium-driver (bin/install-deps)");
    String cluster = TestNodes.uniqueClusterName();
    String secret = "browser-mesh-turn-secret";
    io.vertx.core.json.JsonObject configA = TestNodes.config(true, cluster, 5841, 5841, 5842);
    io.vertx.core.json.JsonObject configB = TestNodes.config(true, cluster, 5842, 5841, 5842);
    for (io.vertx.core.json.JsonObject c : java.util.List.of(configA, configB)) {
      c.getJsonObject("signaling").put("turnSecret", secret).put("turnUrls",
          new io.vertx.core.json.JsonArray().add("turn:127.0.0.1:" + io.peermesh.shared.testing.Coturn.PORT
              + "?transport=udp"));
    }
    io.peermesh.shared.testing.Coturn turn = new io.peermesh.shared.testing.Coturn(secret);
    PeerMeshNode nodeA = TestNodes.start(configA);
    PeerMeshNode nodeB = TestNodes.start(configB);
    Path shots = Path.of(System.getProperty("peermesh.root", "../.."), "verticles", "node", "target", "screenshots");
    try (WebDriverSession first = new WebDriverSession(); WebDriverSession second = new WebDriverSession()) {
      first.open("http://127.0.0.1:" + nodeA.signalingPort() + "/?room=mesh-room&peer=page-one");
      second.open("http://127.0.0.1:" + nodeB.signalingPort() + "/?room=mesh-room&peer=page-two");
      assertEquals("connected", first.executeAsync(AWAIT_CONNECTED, "page-two"));
      assertEquals("connected", second.executeAsync(AWAIT_CONNECTED, "page-one"));
      second.execute("window.__got = []; window.peermesh.addEventListener('message', e => {"
          + " if (e.detail.channel === 'code-sync') window.__got.push(new TextDecoder().decode(e.detail.data)); });");
      first.execute("window.peermesh.send('code-sync', JSON.stringify({probe: 'across the cluster'}),"
          + " {to: 'page-two'});");
      Object got = second.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => { const m = window.__got.find(t => t.includes('across the cluster'));"
          + "  m ? done(m) : setTimeout(check, 25); };"
          + "check();");
      assertEquals("{\"probe\":\"across the cluster\"}", got);
      first.screenshot(shots.resolve("mesh-page-one.png"));
      second.screenshot(shots.resolve("mesh-page-two.png"));
    } finally {
      Await.result(nodeB.close());
      Await.result(nodeA.close());
      turn.close();
    }
  }
}

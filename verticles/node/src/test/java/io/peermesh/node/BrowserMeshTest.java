package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

      // 20 MiB over the files channel, SHA-256 verified by the receiving browser.
      second.execute("window.__files = []; window.peermesh.addEventListener('file', e => window.__files.push("
          + "{ok: e.detail.ok, sha256: e.detail.sha256, size: e.detail.size}));");
      first.scriptTimeout(180_000);
      second.scriptTimeout(180_000);
      long started = System.nanoTime();
      Object sent = first.executeAsync("const done = arguments[arguments.length - 1];"
          + "const data = new Uint8Array(20 * 1024 * 1024);"
          + "for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));"
          + "crypto.subtle.digest('SHA-256', data).then(d => {"
          + "  const hex = [...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join('');"
          + "  return window.peermesh.sendFile(data, {to: 'page-two', name: 'big.bin'})"
          + "    .then(r => done({hex, ok: r['page-two'].ok, sha256: r['page-two'].sha256}));"
          + "}).catch(e => done({error: String(e)}));");
      long millis = (System.nanoTime() - started) / 1_000_000;
      io.vertx.core.json.JsonObject result = (io.vertx.core.json.JsonObject) sent;
      assertEquals(Boolean.TRUE, result.getValue("ok"), "transfer result: " + result);
      Object received = second.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => window.__files.length ? done(window.__files[0]) : setTimeout(check, 25); check();");
      io.vertx.core.json.JsonObject file = (io.vertx.core.json.JsonObject) received;
      assertEquals(Boolean.TRUE, file.getValue("ok"));
      assertEquals(result.getString("hex"), file.getString("sha256"), "the receiver's checksum is the sender's");
      assertEquals(20L * 1024 * 1024, file.getLong("size"));
      System.out.printf("MEASURED 20 MiB browser to browser through coturn: %d ms (%.1f MiB/s)%n", millis,
          20_000.0 / Math.max(1, millis));
      // Each page reloads in turn and resumes its session: the other page (impolite, then polite) connects to
      // the new page at once instead of waiting out silence, grace and ICE restarts.
      for (WebDriverSession[] pages : new WebDriverSession[][] {{first, second}, {second, first}}) {
        String other = pages[0] == first ? "page-two" : "page-one";
        String self = pages[0] == first ? "page-one" : "page-two";
        String url = pages[0] == first ? "http://127.0.0.1:" + nodeA.signalingPort() + "/?room=mesh-room&peer=page-one"
            : "http://127.0.0.1:" + nodeB.signalingPort() + "/?room=mesh-room&peer=page-two";
        long reloaded = System.nanoTime();
        pages[0].open(url);
        assertEquals("connected", pages[0].executeAsync(AWAIT_CONNECTED, other));
        assertEquals("connected", pages[1].executeAsync(AWAIT_CONNECTED, self));
        long reconnectMillis = (System.nanoTime() - reloaded) / 1_000_000;
        System.out.printf("MEASURED %s reloaded: both pages connected again after %d ms%n", self, reconnectMillis);
        assertTrue(reconnectMillis < 5_000, self + " reconnected after " + reconnectMillis + " ms");
      }
      first.screenshot(shots.resolve("mesh-page-one.png"));
      second.screenshot(shots.resolve("mesh-page-two.png"));
      // Browser-to-browser links are not supervised: the page shows the cluster holds no supervised connection.
      StatusPage.screenshot("http://127.0.0.1:" + nodeA.signalingPort(), shots.resolve("mesh-status.png"));
    } finally {
      Await.result(nodeB.close());
      Await.result(nodeA.close());
      turn.close();
    }
  }
}

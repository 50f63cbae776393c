package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.RouteJoin;
import io.peermesh.shared.bus.BusMessages.RouteJoined;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two real Chromium pages that link only with their own server-side relay ({@code connect=} on the demo page,
 * the client's {@code connectTo}); the relays are routed, so the pages share an editor through the router.
 */
class BrowserRoutedTest {
  private static final String AWAIT_CONNECTED = "const [other, done] = arguments;"
      + "const check = () => { const p = window.peermesh && window.peermesh.peer(other);"
      + "  p && p.state === 'connected' ? done(p.state) : setTimeout(check, 25); };"
      + "check();";

  @Test
  void pagesBehindRoutedRelaysShareTheEditorAndNeverLinkWithEachOther() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue(WebDriverSession.available() || System.getenv("CI") != null,
        "needs Debian chromium and chromium-driver (bin/install-deps)");
    PeerMeshNode node = TestNodes.start(TestNodes.config(false, TestNodes.uniqueClusterName(), 5895, 5895));
    try (WebDriverSession alice = new WebDriverSession(); WebDriverSession bob = new WebDriverSession()) {
      String base = "http://127.0.0.1:" + node.signalingPort() + "/?room=routed-room";
      alice.open(base + "&peer=alice&connect=relay-alice");
      bob.open(base + "&peer=bob&connect=relay-bob");
      for (String[] relay : List.of(new String[] {"relay-alice", "alice"}, new String[] {"relay-bob", "bob"})) {
        SupervisorStarted started = Await.result(node.vertx().eventBus().<SupervisorStarted>request(
            Addresses.Supervisor.START, new SupervisorRequest("routed-room", relay[0], relay[1], "127.0.0.1",
                node.signalingPort(), null, Map.of())).map(r -> r.body()));
        RouteJoined joined = Await.result(node.vertx().eventBus().<RouteJoined>request(
            Addresses.Router.join(started.node()), new RouteJoin("routed-room", started.connection()))
            .map(r -> r.body()));
        assertEquals(started.connection(), joined.connection());
      }
      assertEquals("connected", alice.executeAsync(AWAIT_CONNECTED, "relay-alice"));
      assertEquals("connected", bob.executeAsync(AWAIT_CONNECTED, "relay-bob"));

      alice.execute("const e = document.querySelector('[data-testid=editor]');"
          + "e.value = 'typed by alice, routed to bob'; e.dispatchEvent(new Event('input'));");
      assertEquals("typed by alice, routed to bob", bob.executeAsync("const done = arguments[arguments.length - 1];"
          + "const e = document.querySelector('[data-testid=editor]');"
          + "const check = () => e.value ? done(e.value) : setTimeout(check, 25); check();"));
      bob.execute("const e = document.querySelector('[data-testid=editor]');"
          + "e.value = e.value + ' and back'; e.dispatchEvent(new Event('input'));");
      assertEquals("typed by alice, routed to bob and back", alice.executeAsync(
          "const done = arguments[arguments.length - 1];"
          + "const e = document.querySelector('[data-testid=editor]');"
          + "const check = () => e.value.endsWith('and back') ? done(e.value) : setTimeout(check, 25); check();"));

      // Each page holds one link, with its relay: alice and bob see each other only through the router.
      assertEquals("relay-alice", alice.execute("return window.peermesh.peers().map(p => p.peer).join();"));
      assertEquals("relay-bob", bob.execute("return window.peermesh.peers().map(p => p.peer).join();"));
    } finally {
      Await.result(node.close());
    }
  }
}

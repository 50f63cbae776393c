package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.InboundMessage;
import io.peermesh.shared.bus.BusMessages.OutboundMessage;
import io.peermesh.shared.bus.BusMessages.SendAck;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.Coturn;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A browser that allows TURN relays only ({@code relayOnly}, the demo page's {@code ?relay=1}) reaches a
 * server-side peer through a real coturn. The supervisor runs on another cluster node than the browser's
 * signaling node, and that node's status page reports the connection with a relay candidate pair.
 */
class BrowserRelayTest {

  @Test
  void relayOnlyBrowserReachesServerSidePeerThroughCoturnAcrossTheCluster() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue((WebDriverSession.available() && Coturn.installed()) || System.getenv("CI") != null,
        "needs chromium, chromium-driver and coturn (bin/install-deps)");
    String cluster = TestNodes.uniqueClusterName();
    String secret = "browser-relay-turn-secret";
    JsonObject configA = TestNodes.config(true, cluster, 5871, 5871, 5872);
    JsonObject configB = TestNodes.config(true, cluster, 5872, 5871, 5872);
    // Node A only signals; the supervisor must run on node B.
    configA.getJsonObject("node").put("roles", new JsonArray().add("signaling"));
    for (JsonObject c : java.util.List.of(configA, configB)) {
      c.getJsonObject("signaling").put("turnSecret", secret)
          .put("turnUrls", new JsonArray().add("turn:127.0.0.1:" + Coturn.PORT + "?transport=udp"));
    }
    Path shots = Path.of(System.getProperty("peermesh.root", "../.."), "verticles", "node", "target", "screenshots");
    Coturn turn = new Coturn(secret);
    PeerMeshNode nodeA = TestNodes.start(configA);
    PeerMeshNode nodeB = TestNodes.start(configB);
    try (WebDriverSession browser = new WebDriverSession()) {
      String base = "http://127.0.0.1:" + nodeA.signalingPort();
      browser.open(base + "/?room=relay-room&peer=browser1&relay=1");
      Promise<StateChange> connected = Promise.promise();
      nodeA.vertx().eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
        if (m.body().to().equals("connected")) {
          connected.tryComplete(m.body());
        }
      });
      Promise<String> fromBrowser = Promise.promise();
      Await.result(nodeA.vertx().eventBus().<InboundMessage>consumer(
          Addresses.Supervisor.inbound("relay-room", "code-sync"),
          m -> fromBrowser.tryComplete(new String(m.body().data(), StandardCharsets.UTF_8))).completion());
      SupervisorStarted started = Await.result(nodeA.vertx().eventBus().<SupervisorStarted>request(
          Addresses.Supervisor.START, new SupervisorRequest("relay-room", "zbot", "browser1", "127.0.0.1",
              nodeB.signalingPort(), null, Map.of())).map(r -> r.body()));
      assertEquals(nodeB.nodeId(), started.node(), "only node B has the supervisor role");
      assertEquals(started.connection(), Await.result(connected.future(), 60).connection());

      browser.execute("window.__got = []; window.peermesh.addEventListener('message', e => {"
          + " if (e.detail.channel === 'code-sync') window.__got.push(new TextDecoder().decode(e.detail.data)); });"
          + "window.peermesh.send('code-sync', 'from the browser via TURN', {to: 'zbot'});");
      assertEquals("from the browser via TURN", Await.result(fromBrowser.future(), 30));
      SendAck ack = Await.result(nodeA.vertx().eventBus().<SendAck>request(
          Addresses.Supervisor.send(started.connection()),
          new OutboundMessage("code-sync", "from the server-side peer via TURN".getBytes(StandardCharsets.UTF_8)))
          .map(r -> r.body()));
      assertTrue(ack.accepted());
      assertEquals("from the server-side peer via TURN", browser.executeAsync(
          "const done = arguments[arguments.length - 1];"
          + "const check = () => window.__got.length ? done(window.__got[0]) : setTimeout(check, 25); check();"));
      assertEquals("relay", browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "window.peermesh.stats().then(s => done(s.zbot.candidatePair));"), "the browser's local candidate");

      // Node A's status page reports node B's connection, and its pair goes through the relay.
      JsonObject row = StatusPage.row(base, started.connection());
      assertEquals(nodeB.nodeId(), row.getString("node"));
      assertEquals("relay", row.getString("candidateType"), "status row: " + row);
      assertTrue(turn.log().contains("ALLOCATE"), "coturn allocated a relay");
      browser.screenshot(shots.resolve("relay-demo.png"));
      assertTrue(StatusPage.awaitRowWithCandidates(base, shots.resolve("relay-status.png")).startsWith("relay ("));
    } finally {
      Await.result(nodeB.close());
      Await.result(nodeA.close());
      turn.close();
    }
  }
}

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
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Real headless Chromium running the demo page's client against a server-side peer (supervisor). */
class BrowserTest {
  /** Messages in a burst: several batch frames' worth at ~10 bytes each. */
  private static final int BURST = 3000;

  @Test
  void browserAndServerSidePeerOpenAllFiveChannelsAndPassMessagesBothWays() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue(WebDriverSession.available() || System.getenv("CI") != null,
        "needs Debian chromium and chromium-driver (bin/install-deps)");
    JsonObject config = TestNodes.config(false, TestNodes.uniqueClusterName(), 5831, 5831);
    PeerMeshNode node = TestNodes.start(config);
    Path shots = Path.of(System.getProperty("peermesh.root", "../.."), "verticles", "node", "target", "screenshots");
    try (WebDriverSession browser = new WebDriverSession()) {
      String base = "http://127.0.0.1:" + node.signalingPort();
      browser.open(base + "/?room=browser-room&peer=browser1");
      browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const wait = () => window.peermesh && window.peermesh.resumeToken ? done(true) : setTimeout(wait, 20);"
          + "wait();");
      browser.execute("window.__got = []; window.peermesh.addEventListener('message', e => window.__got.push("
          + "{from: e.detail.from, channel: e.detail.channel, text: new TextDecoder().decode(e.detail.data)}));");

      Promise<String> connected = Promise.promise();
      node.vertx().eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
        if (m.body().to().equals("connected")) {
          connected.tryComplete(m.body().connection());
        }
      });
      Set<String> atServer = ConcurrentHashMap.newKeySet();
      CountDownLatch fromBrowser = new CountDownLatch(ChannelSpec.values().length);
      for (ChannelSpec spec : ChannelSpec.values()) {
        node.vertx().eventBus().<InboundMessage>consumer(Addresses.Supervisor.inbound("browser-room", spec.label()),
            m -> {
              String text = new String(m.body().data(), StandardCharsets.UTF_8);
              if (text.equals("b->s " + spec.label()) && atServer.add(text)) {
                fromBrowser.countDown();
              }
            });
      }
      String connection = Await.result(node.vertx().eventBus().<SupervisorStarted>request(
          Addresses.Supervisor.START, new SupervisorRequest("browser-room", "zbot", "browser1", "127.0.0.1",
              node.signalingPort(), null, Map.of())).map(r -> r.body().connection()));
      assertEquals(connection, Await.result(connected.future(), 30));

      for (ChannelSpec spec : ChannelSpec.values()) {
        SendAck ack = Await.result(node.vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
            new OutboundMessage(spec.label(), ("s->b " + spec.label()).getBytes(StandardCharsets.UTF_8)))
            .map(r -> r.body()));
        assertTrue(ack.accepted(), spec.label());
        browser.execute("window.peermesh.send(arguments[0], 'b->s ' + arguments[0], {to: 'zbot'});", spec.label());
      }
      Object received = browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const want = ['code-sync','cursor-pos','ai-stream','presence','files'];"
          + "const check = () => { const got = want.filter(c => window.__got.some(m => m.from === 'zbot'"
          + "  && m.channel === c && m.text === 's->b ' + c));"
          + "  got.length === want.length ? done(got.length) : setTimeout(check, 20); };"
          + "check();");
      assertEquals(5L, ((Number) received).longValue());
      assertTrue(fromBrowser.await(30, TimeUnit.SECONDS), "the server-side peer received " + atServer);

      // Bursts both ways go in batch frames (docs/PROTOCOL.md); each message still arrives once, in order.
      List<String> burstAtServer = new CopyOnWriteArrayList<>();
      Promise<Void> burstArrived = Promise.promise();
      node.vertx().eventBus().<InboundMessage>consumer(Addresses.Supervisor.inbound("browser-room", "code-sync"),
          m -> {
            String text = new String(m.body().data(), StandardCharsets.UTF_8);
            if (text.startsWith("burst:") && burstAtServer.add(text) && burstAtServer.size() == BURST) {
              burstArrived.complete();
            }
          });
      browser.execute("window.__burst = []; window.peermesh.addEventListener('message', e => {"
          + " const t = new TextDecoder().decode(e.detail.data); if (t.startsWith('burst:')) window.__burst.push(t); });"
          + "for (let i = 0; i < arguments[0]; i++) window.peermesh.send('code-sync', 'burst:' + i, {to: 'zbot'});",
          BURST);
      List<Future<Message<SendAck>>> sends = new ArrayList<>();
      for (int i = 0; i < BURST; i++) {
        sends.add(node.vertx().eventBus().request(Addresses.Supervisor.send(connection),
            new OutboundMessage("code-sync", ("burst:" + i).getBytes(StandardCharsets.UTF_8))));
      }
      Await.result(Future.all(sends));
      assertTrue(sends.stream().allMatch(f -> f.result().body().accepted()), "every burst message accepted");
      Await.result(burstArrived.future(), 30);
      List<String> expectedBurst = IntStream.range(0, BURST).mapToObj(i -> "burst:" + i).toList();
      assertEquals(expectedBurst, burstAtServer, "the browser's burst, once each, in order");
      assertEquals(String.join(",", expectedBurst), browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => window.__burst.length >= arguments[0] ? done(window.__burst.join(','))"
          + "  : setTimeout(check, 20); check();", BURST), "the server's burst, once each, in order");
      assertEquals("an empty batch|a batch entry of 4 bytes, 3 left|data sequence numbers start at 1",
          browser.executeAsync("const done = arguments[arguments.length - 1];"
              + "import('/client/framing.js').then(f => done([[3,0,0,0,0,0,0,0,1], [3,0,0,0,0,0,0,0,1,0,0,0,4,1,2,3],"
              + "  [3,0,0,0,0,0,0,0,0,0,0,0,0]].map(b => { try { f.parseFrame(new Uint8Array(b)); return 'accepted'; }"
              + "  catch (e) { return e.message; } }).join('|')));"), "the browser client parses batches strictly");

      // Cut the path (UDP; signaling's TCP port stays) while the supervisor sends numbered code-sync messages.
      browser.execute("window.__seq = []; window.peermesh.addEventListener('message', e => {"
          + " if (e.detail.channel === 'code-sync' && e.detail.from === 'zbot') {"
          + "   const t = new TextDecoder().decode(e.detail.data); if (t.startsWith('n:')) window.__seq.push(+t.slice(2)); }"
          + "});");
      try (io.peermesh.shared.testing.PathCut cut = new io.peermesh.shared.testing.PathCut(node.signalingPort())) {
        cut.cut();
        for (int i = 0; i < 200; i++) {
          assertTrue(Await.result(node.vertx().eventBus().<SendAck>request(Addresses.Supervisor.send(connection),
              new OutboundMessage("code-sync", ("n:" + i).getBytes(StandardCharsets.UTF_8))).map(r -> r.body()))
              .accepted());
          if (i == 100) {
            Promise<Void> lost = Promise.promise();
            node.vertx().eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
              if (m.body().connection().equals(connection) && !m.body().to().equals("connected")) {
                lost.tryComplete();
              }
            });
            Await.result(lost.future(), 30);
          }
        }
        cut.restore();
      }
      browser.scriptTimeout(60_000);
      Object order = browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => window.__seq.length >= 200 ? done(window.__seq.join(',')) : setTimeout(check, 25);"
          + "check();");
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        expected.append(i == 0 ? "" : ",").append(i);
      }
      assertEquals(expected.toString(), order, "the browser got every message once, in order, across the cut");
      assertEquals("connected", browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => { const p = window.peermesh.peer('zbot');"
          + "  p && p.state === 'connected' ? done(p.state) : setTimeout(check, 25); }; check();"));

      browser.screenshot(shots.resolve("demo.png"));
      StatusPage.awaitRowWithCandidates(base, shots.resolve("status.png"));
    } finally {
      Await.result(node.close());
    }
  }
}

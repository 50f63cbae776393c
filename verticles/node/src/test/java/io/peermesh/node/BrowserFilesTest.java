package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.FileReceived;
import io.peermesh.shared.bus.BusMessages.FileSend;
import io.peermesh.shared.bus.BusMessages.FileSendResult;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.bus.BusMessages.SupervisorStarted;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Real headless Chromium and a server-side peer exchange 20 MiB files both ways with the file protocol
 * (web/client/FILES.md), each verified by the receiver's SHA-256; then the status page shows the connection's
 * per-channel counters and its selected candidate pair.
 */
class BrowserFilesTest {
  private static final int SIZE = 20 * 1024 * 1024;

  @Test
  void twentyMebibytesEachWayBetweenBrowserAndServerSidePeerAreVerified() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue(WebDriverSession.available() || System.getenv("CI") != null,
        "needs Debian chromium and chromium-driver (bin/install-deps)");
    Path target = Path.of(System.getProperty("peermesh.root", "../.."), "verticles", "node", "target");
    Path downloads = target.resolve("received-files");
    JsonObject config = TestNodes.config(false, TestNodes.uniqueClusterName(), 5861, 5861);
    config.getJsonObject("supervisor").put("files", new JsonObject().put("directory", downloads.toString()));
    PeerMeshNode node = TestNodes.start(config);
    try (WebDriverSession browser = new WebDriverSession()) {
      String base = "http://127.0.0.1:" + node.signalingPort();
      browser.open(base + "/?room=files-room&peer=browser1");
      Promise<String> connected = Promise.promise();
      node.vertx().eventBus().<StateChange>consumer(Addresses.Supervisor.STATE, m -> {
        if (m.body().to().equals("connected")) {
          connected.tryComplete(m.body().connection());
        }
      });
      Promise<FileReceived> atServer = Promise.promise();
      node.vertx().eventBus().<FileReceived>consumer(Addresses.Supervisor.filesReceived("files-room"),
          m -> atServer.tryComplete(m.body()));
      String connection = Await.result(node.vertx().eventBus().<SupervisorStarted>request(
          Addresses.Supervisor.START, new SupervisorRequest("files-room", "zbot", "browser1", "127.0.0.1",
              node.signalingPort(), null, Map.of())).map(r -> r.body().connection()));
      assertEquals(connection, Await.result(connected.future(), 30));
      browser.execute("window.__files = []; window.peermesh.addEventListener('file', e => window.__files.push("
          + "{ok: e.detail.ok, sha256: e.detail.actualSha256, size: e.detail.size, name: e.detail.name}));");

      // Browser → server-side peer.
      browser.scriptTimeout(180_000);
      long started = System.nanoTime();
      JsonObject sent = (JsonObject) browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const data = new Uint8Array(" + SIZE + ");"
          + "for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));"
          + "crypto.subtle.digest('SHA-256', data).then(d => {"
          + "  const hex = [...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join('');"
          + "  return window.peermesh.sendFile(data, {to: 'zbot', name: 'upload.bin'})"
          + "    .then(r => done({hex, ok: r.zbot.ok, sha256: r.zbot.sha256, error: String(r.zbot.error || '')}));"
          + "}).catch(e => done({error: String(e)}));");
      long upMillis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(Boolean.TRUE, sent.getValue("ok"), "browser's transfer result: " + sent);
      FileReceived received = Await.result(atServer.future(), 30);
      assertTrue(received.ok());
      assertEquals(SIZE, received.size());
      assertEquals("upload.bin", received.name());
      assertEquals(sent.getString("hex"), received.sha256(), "the supervisor's checksum is the browser's");
      assertEquals(sent.getString("hex"), sha256(Files.readAllBytes(Path.of(received.path()))),
          "the file written to disk is the one sent");

      // Server-side peer → browser.
      byte[] data = new byte[SIZE];
      new Random(42).nextBytes(data);
      String expected = sha256(data);
      started = System.nanoTime();
      FileSendResult result = Await.result(node.vertx().eventBus().<FileSendResult>request(
          Addresses.Supervisor.sendFile(connection), new FileSend("download.bin", "application/octet-stream", data),
          new DeliveryOptions().setSendTimeout(120_000)).map(r -> r.body()), 150);
      long downMillis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(result.ok(), "supervisor's transfer result: " + result);
      assertEquals(expected, result.sha256());
      JsonObject file = (JsonObject) browser.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => window.__files.length ? done(window.__files[0]) : setTimeout(check, 25); check();");
      assertEquals(Boolean.TRUE, file.getValue("ok"));
      assertEquals(expected, file.getString("sha256"), "the browser's checksum is the supervisor's");
      assertEquals("download.bin", file.getString("name"));
      System.out.printf("MEASURED 20 MiB browser to server-side peer: %d ms; server-side peer to browser: %d ms%n",
          upMillis, downMillis);

      // The status page shows the traffic per channel and the selected candidate pair.
      JsonObject row = StatusPage.row(base, connection);
      JsonObject files = row.getJsonObject("channels").getJsonObject("files");
      assertTrue(files.getLong("bytesIn") >= SIZE, "files bytes in: " + files);
      assertTrue(files.getLong("bytesOut") >= SIZE, "files bytes out: " + files);
      assertTrue(files.getLong("messagesIn") >= SIZE / 16_384, "files messages in: " + files);
      assertNotNull(row.getString("candidatePair"), "selected candidate pair: " + row);
      // Chromium in the namespace has no 127/8 host candidate: it reaches our host candidate peer-reflexive.
      assertEquals("host/prflx", row.getString("candidatePair"));
      browser.screenshot(target.resolve("screenshots").resolve("files-demo.png"));
      assertEquals("prflx (host/prflx)", StatusPage.awaitRowWithCandidates(base,
          target.resolve("screenshots").resolve("files-status.png")));

      // A closed connection leaves the status page: no stale snapshot brings it back.
      Await.result(node.vertx().eventBus().request(Addresses.Supervisor.close(connection), null));
      HttpResponse<String> after = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(base + "/status.json")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(new JsonArray(), new JsonArray(after.body()));
    } finally {
      Await.result(node.close());
    }
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}

package io.peermesh.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Debian Chromium driven through chromedriver's plain WebDriver HTTP API. Waiting happens inside
 * the page (async scripts resolve when their condition holds), bounded by the script timeout.
 */
final class WebDriverSession implements AutoCloseable {
  static final List<String> CHROMIUM_FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
      "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--disable-features=WebRtcHideLocalIpsWithMdns", "--window-size=1280,900");

  private final Process driver;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String session;
  private final Path profile;

  WebDriverSession() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    driver = new ProcessBuilder("chromedriver", "--port=" + port).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    base = "http://127.0.0.1:" + port;
    io.peermesh.shared.testing.LocalPort.awaitListening(driver, port, 20, "chromedriver");
    profile = Files.createTempDirectory("chromium-profile");
    JsonArray args = new JsonArray(new java.util.ArrayList<>(CHROMIUM_FLAGS)).add("--user-data-dir=" + profile);
    JsonObject caps = new JsonObject().put("capabilities", new JsonObject().put("alwaysMatch", new JsonObject()
        .put("browserName", "chrome")
        .put("goog:chromeOptions", new JsonObject().put("binary", "/usr/bin/chromium").put("args", args))));
    session = call("POST", "/session", caps).getJsonObject("value").getString("sessionId");
    call("POST", "/session/" + session + "/timeouts", new JsonObject().put("script", 30_000));
  }

  static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver"));
  }

  void scriptTimeout(int millis) throws Exception {
    call("POST", "/session/" + session + "/timeouts", new JsonObject().put("script", millis));
  }

  void open(String url) throws Exception {
    call("POST", "/session/" + session + "/url", new JsonObject().put("url", url));
  }

  Object execute(String script, Object... args) throws Exception {
    return call("POST", "/session/" + session + "/execute/sync", new JsonObject().put("script", script)
        .put("args", new JsonArray(List.of(args)))).getValue("value");
  }

  /** Runs {@code script}; its last argument is the callback to call (when the condition holds). */
  Object executeAsync(String script, Object... args) throws Exception {
    return call("POST", "/session/" + session + "/execute/async", new JsonObject().put("script", script)
        .put("args", new JsonArray(List.of(args)))).getValue("value");
  }

  void screenshot(Path file) throws Exception {
    String png = call("GET", "/session/" + session + "/screenshot", null).getString("value");
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(png));
  }

  private JsonObject call(String method, String path, JsonObject body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(240))
        .header("content-type", "application/json");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body.encode()));
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    JsonObject json = new JsonObject(response.body());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("WebDriver " + method + " " + path + ": " + json.encode());
    }
    return json;
  }

  @Override
  public void close() throws Exception {
    try {
      if (session != null) {
        call("DELETE", "/session/" + session, null);
      }
    } finally {
      driver.destroy();
      driver.waitFor(10, TimeUnit.SECONDS);
    }
  }
}

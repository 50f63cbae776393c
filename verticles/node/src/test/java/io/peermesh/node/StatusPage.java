package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

/** Opens /status in its own Chromium (the demo page keeps its connection) and saves a screenshot. */
final class StatusPage {
  private StatusPage() {}

  /**
   * Waits until the status page shows a connection with a selected candidate pair and channel counters, saves a
   * screenshot to {@code png} and returns that row's candidate-pair cell.
   */
  static String awaitRowWithCandidates(String base, Path png) throws Exception {
    try (WebDriverSession status = new WebDriverSession()) {
      status.open(base + "/status");
      Object shown = status.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => { const r = document.querySelector('[data-testid=status-row]');"
          + "  const c = r && r.querySelector('[data-testid=status-channels]');"
          + "  r && r.dataset.candidateType && r.dataset.state === 'connected' && c.textContent.includes('files')"
          + "    ? done(r.querySelector('[data-testid=status-candidatePair]').textContent) : setTimeout(check, 50); };"
          + "check();");
      status.screenshot(png);
      return String.valueOf(shown);
    }
  }

  /** Saves a screenshot of the status page once it has polled (it may list no connections). */
  static void screenshot(String base, Path png) throws Exception {
    try (WebDriverSession status = new WebDriverSession()) {
      status.open(base + "/status");
      status.executeAsync("const done = arguments[arguments.length - 1];"
          + "const check = () => { const s = document.querySelector('[data-testid=status-summary]');"
          + "  s && s.dataset.count !== undefined ? done(true) : setTimeout(check, 50); };"
          + "check();");
      status.screenshot(png);
    }
  }

  /** The row of {@code connection} in /status.json; fails when there is none. */
  static JsonObject row(String base, String connection) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(base + "/status.json")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    for (Object o : new JsonArray(response.body())) {
      JsonObject row = (JsonObject) o;
      if (connection.equals(row.getString("connection"))) {
        return row;
      }
    }
    throw new AssertionError("no status row for " + connection + " in " + response.body());
  }
}

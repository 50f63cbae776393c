package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.StateChange;
import io.peermesh.shared.testing.Await;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The node serves the browser client, the demo and status pages, and the live status JSON. */
class WebContentTest {

  private static String get(SignalingFixture f, HttpClient http, String path, int status) {
    return Await.result(http.request(HttpMethod.GET, f.port, "127.0.0.1", path).compose(req -> req.send())
        .compose(resp -> {
          assertEquals(status, resp.statusCode(), path);
          return resp.body();
        })).toString();
  }

  @Test
  void servesClientDemoStatusPageAndStatusJson() {
    try (SignalingFixture f = new SignalingFixture(new JsonObject())) {
      HttpClient http = f.vertx.createHttpClient();
      assertTrue(get(f, http, "/client/peermesh.js", 200).contains("export class PeerMeshClient"));
      assertTrue(get(f, http, "/", 200).contains("<html"));
      assertTrue(get(f, http, "/status", 200).contains("<html"));
      get(f, http, "/nope.js", 404);
      assertEquals(new JsonArray(), new JsonArray(get(f, http, "/status.json", 200)));
      f.vertx.eventBus().publish(Addresses.Supervisor.STATE,
          new StateChange("c-1", "room", "bot", "alice", "connecting", "connected", "up", 3, "direct"));
      f.vertx.eventBus().publish(Addresses.Supervisor.STATE,
          new StateChange("c-2", "room", "bot2", "alice", "connected", "closed", "bye", 4, "direct"));
      JsonArray rows = new JsonArray(get(f, http, "/status.json", 200));
      assertEquals(1, rows.size());
      assertEquals("connected", rows.getJsonObject(0).getString("state"));
      assertEquals("alice", rows.getJsonObject(0).getString("remote"));
      http.close();
    }
  }
}

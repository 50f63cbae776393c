package io.peermesh.signaling;

import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/** One signaling verticle on a plain (not clustered) Vert.x, with helpers to mint tokens. */
final class SignalingFixture implements AutoCloseable {
  static final String SECRET = "test-secret-that-is-long-enough-0123456789";

  final Vertx vertx = Vertx.vertx();
  final SignalingVerticle verticle = new SignalingVerticle();
  final int port;

  SignalingFixture(JsonObject signalingOverrides) {
    JsonObject signaling = new JsonObject().put("port", 0).put("jwtHs256Secret", SECRET)
        .mergeIn(signalingOverrides);
    Await.result(vertx.deployVerticle(verticle, new DeploymentOptions()
        .setConfig(new JsonObject().put("signaling", signaling).put("nodeId", "node-under-test"))));
    port = verticle.actualPort();
  }

  SignalClient client() {
    return SignalClient.connect(vertx, port);
  }

  String token(String peer, JsonArray rooms, long expiresInSeconds) {
    return token(SECRET, peer, rooms, expiresInSeconds);
  }

  String token(String secret, String peer, JsonArray rooms, long expiresInSeconds) {
    JWTAuth auth = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    JsonObject claims = new JsonObject().put("sub", peer).put("rooms", rooms)
        .put("exp", System.currentTimeMillis() / 1000 + expiresInSeconds);
    return auth.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(false));
  }

  static JsonObject join(String room, String token) {
    return new JsonObject().put("type", "join").put("v", 1).put("room", room).put("token", token);
  }

  /** Joins with a valid token for {@code room} and returns the client, already joined. */
  SignalClient joined(String room, String peer) {
    SignalClient client = client();
    client.send(join(room, token(peer, new JsonArray().add(room), 600))).await("joined");
    return client;
  }

  @Override
  public void close() {
    Await.result(vertx.close());
  }
}

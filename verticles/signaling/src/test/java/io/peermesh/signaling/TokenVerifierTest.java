package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.peermesh.shared.config.SignalingConfig;
import io.peermesh.shared.protocol.ErrorCode;
import io.peermesh.shared.protocol.ProtocolException;
import io.peermesh.shared.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token checks with HS256 and RS256 keys and an injected clock. */
class TokenVerifierTest {
  private static final long NOW = 1_800_000_000L;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Await.result(vertx.close());
  }

  private static SignalingConfig config(String secret, String publicPem, String issuer) {
    JsonObject json = new JsonObject().put("devMode", false).put("jwtIssuer", issuer);
    if (secret != null) {
      json.put("jwtHs256Secret", secret);
    }
    if (publicPem != null) {
      json.put("jwtRs256PublicKeyPem", publicPem);
    }
    return SignalingConfig.from(json);
  }

  private static String hs256(JsonObject claims) {
    JWTAuth auth = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SignalingFixture.SECRET)));
    return auth.generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

  private static ErrorCode failure(Future<?> result) {
    try {
      Await.result(result);
    } catch (AssertionError e) {
      return ((ProtocolException) e.getCause()).code();
    }
    throw new AssertionError("expected a failure");
  }

  private static JsonObject claims(String sub, String... rooms) {
    return new JsonObject().put("sub", sub).put("rooms", new JsonArray(java.util.List.of((Object[]) rooms)))
        .put("exp", NOW + 60);
  }

  @Test
  void acceptsAValidHs256TokenAndReturnsItsSubject() {
    TokenVerifier verifier = new TokenVerifier(vertx, config(SignalingFixture.SECRET, null, null), () -> NOW);
    assertEquals("alice", Await.result(verifier.verify(hs256(claims("alice", "r")), "r")).peer());
    assertEquals("bob", Await.result(verifier.verify(hs256(claims("bob", "*")), "any-room")).peer());
  }

  @Test
  void expiryIsJudgedByTheInjectedClock() {
    String token = hs256(claims("alice", "r"));
    assertEquals(ErrorCode.TOKEN_EXPIRED, failure(
        new TokenVerifier(vertx, config(SignalingFixture.SECRET, null, null), () -> NOW + 61).verify(token, "r")));
    assertEquals(ErrorCode.AUTH_FAILED, failure(new TokenVerifier(vertx, config(SignalingFixture.SECRET, null, null),
        () -> NOW).verify(hs256(claims("alice", "r").put("exp", "soon")), "r")));
  }

  @Test
  void issuerSubjectAndRoomsAreChecked() {
    TokenVerifier strict = new TokenVerifier(vertx, config(SignalingFixture.SECRET, null, "https://auth"), () -> NOW);
    assertEquals(ErrorCode.AUTH_FAILED, failure(strict.verify(hs256(claims("alice", "r")), "r")));
    assertEquals("alice", Await.result(strict.verify(hs256(claims("alice", "r").put("iss", "https://auth")), "r"))
        .peer());
    TokenVerifier verifier = new TokenVerifier(vertx, config(SignalingFixture.SECRET, null, null), () -> NOW);
    assertEquals(ErrorCode.AUTH_FAILED, failure(verifier.verify(hs256(claims("not a valid id", "r")), "r")));
    assertEquals(ErrorCode.ROOM_FORBIDDEN, failure(verifier.verify(hs256(claims("alice", "other")), "r")));
    assertEquals(ErrorCode.ROOM_FORBIDDEN,
        failure(verifier.verify(hs256(claims("alice").put("rooms", "r")), "r")));
    assertEquals(ErrorCode.AUTH_FAILED, failure(verifier.verify("", "r")));
  }

  @Test
  void acceptsRs256TokensSignedByThePrivateKeyOfTheConfiguredPublicKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    String publicPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
    String privatePem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(privatePem)));
    String token = signer.generateToken(claims("robot", "r"), new JWTOptions().setAlgorithm("RS256"));
    TokenVerifier verifier = new TokenVerifier(vertx, config(null, publicPem, null), () -> NOW);
    assertEquals("robot", Await.result(verifier.verify(token, "r")).peer());
    assertEquals(ErrorCode.AUTH_FAILED, failure(verifier.verify(hs256(claims("robot", "r")), "r")),
        "an HS256 token must not pass an RS256-only verifier");
    assertFalse(new TokenVerifier(vertx, SignalingConfig.from(new JsonObject().put("devMode", true)), () -> NOW)
        .enabled());
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}

package io.peermesh.signaling;

import io.peermesh.shared.config.SignalingConfig;
import io.peermesh.shared.protocol.ErrorCode;
import io.peermesh.shared.protocol.ProtocolException;
import io.peermesh.shared.protocol.RoomNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.auth.JWTOptions;
import java.util.function.LongSupplier;

/**
 * Checks a join's JWT: signature (HS256 secret or RS256 public key), issuer when configured, expiry against the
 * injected clock, and that the claims grant the room. Claims: {@code sub} is the peer id, {@code rooms} an
 * array of room names (or {@code "*"} for any room).
 */
final class TokenVerifier {

  /** Who the token says the client is. */
  record Identity(String peer) {}

  private final JWTAuth auth;
  private final String issuer;
  private final LongSupplier epochSeconds;

  TokenVerifier(Vertx vertx, SignalingConfig config, LongSupplier epochSeconds) {
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions().setIgnoreExpiration(true));
    if (config.jwtHs256Secret() != null && !config.jwtHs256Secret().isBlank()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.jwtHs256Secret()));
    }
    if (config.jwtRs256PublicKeyPem() != null && !config.jwtRs256PublicKeyPem().isBlank()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(config.jwtRs256PublicKeyPem()));
    }
    this.auth = options.getPubSecKeys() == null || options.getPubSecKeys().isEmpty() ? null
        : JWTAuth.create(vertx, options);
    this.issuer = config.jwtIssuer();
    this.epochSeconds = epochSeconds;
  }

  boolean enabled() {
    return auth != null;
  }

  Future<Identity> verify(String token, String room) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new ProtocolException(ErrorCode.AUTH_FAILED, "a token is required", "token", null));
    }
    Future<io.vertx.ext.auth.User> authenticated;
    try {
      authenticated = auth.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // vertx-auth-jwt throws instead of failing for some malformed claims (a non-numeric exp).
      authenticated = Future.failedFuture(e);
    }
    return authenticated
        .recover(e -> Future.failedFuture(
            new ProtocolException(ErrorCode.AUTH_FAILED, "invalid token: " + e.getMessage(), "token", null)))
        .compose(user -> check(claims(user), room));
  }

  /** vertx-auth-jwt keeps the decoded payload under the user's {@code accessToken} attribute. */
  private static JsonObject claims(io.vertx.ext.auth.User user) {
    JsonObject payload = user.attributes().getJsonObject("accessToken");
    return payload != null ? payload : user.principal();
  }

  private Future<Identity> check(JsonObject claims, String room) {
    try {
      Object exp = claims.getValue("exp");
      if (!(exp instanceof Number)) {
        throw new ProtocolException(ErrorCode.AUTH_FAILED, "the token has no exp claim", "token", null);
      }
      if (((Number) exp).longValue() <= epochSeconds.getAsLong()) {
        throw new ProtocolException(ErrorCode.TOKEN_EXPIRED, "the token expired", "token", null);
      }
      if (issuer != null && !issuer.isBlank() && !issuer.equals(claims.getValue("iss"))) {
        throw new ProtocolException(ErrorCode.AUTH_FAILED, "the token's issuer is not trusted", "token", null);
      }
      Object sub = claims.getValue("sub");
      if (!(sub instanceof String peer) || !RoomNames.isValid(peer)) {
        throw new ProtocolException(ErrorCode.AUTH_FAILED, "the token's sub is not a valid peer id", "token", null);
      }
      Object rooms = claims.getValue("rooms");
      if (!(rooms instanceof JsonArray granted) || !(granted.contains(room) || granted.contains("*"))) {
        throw new ProtocolException(ErrorCode.ROOM_FORBIDDEN, "the token does not grant room '" + room + "'",
            "room", null);
      }
      return Future.succeededFuture(new Identity(peer));
    } catch (ProtocolException e) {
      return Future.failedFuture(e);
    }
  }
}

package io.peermesh.signaling;

import io.peermesh.shared.protocol.ServerMessage.IceServer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-limited TURN credentials in the TURN REST API form coturn's {@code use-auth-secret} accepts:
 * username {@code <expiry unix seconds>:<peer id>}, password base64(HMAC-SHA1(secret, username)).
 */
final class TurnCredentials {
  private TurnCredentials() {}

  static IceServer issue(List<String> urls, String secret, String peer, long nowSeconds, long ttlSeconds) {
    String username = (nowSeconds + ttlSeconds) + ":" + peer;
    return new IceServer(urls, username, hmacSha1(secret, username));
  }

  static String hmacSha1(String secret, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 is part of every JDK", e);
    }
  }
}

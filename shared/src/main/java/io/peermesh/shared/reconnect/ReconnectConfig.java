package io.peermesh.shared.reconnect;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of the recovery ladder and backoff policy. Map keys equal the component names; absent keys
 * take the defaults below and unknown keys are rejected, so a typo cannot silently fall back to a default.
 *
 * <p>With the defaults a lost connection gets no ICE restart, 2 new connections (plus 2 relay attempts when
 * TURN is configured) and then degrades; the worst case, with relay, every attempt timing out and every
 * backoff at its ceiling, is about 46 s, well inside the 120 s {@link #DEFAULT_MAX_ELAPSED_MS} budget.
 *
 * @param graceDelayMs how long DISCONNECTED waits for libwebrtc to recover by itself before acting
 * @param iceRestartTimeoutMs deadline of one ICE restart
 * @param iceRestartAttempts ICE restarts per recovery (0 skips the rung)
 * @param relayAttempts TURN relay-only attempts per recovery (0 skips the rung)
 * @param relayAvailable whether TURN is configured; when false the relay rung is skipped entirely
 * @param newConnectionAttempts brand-new peer connection attempts per recovery (0 skips the rung)
 * @param degradedAllowed whether an exhausted ladder falls back to messages over signaling (else FAILED)
 * @param probeIntervalMs wait before the first DEGRADED probe; it doubles after every failed probe
 * @param probeMaxIntervalMs longest wait between DEGRADED probes
 * @param connectTimeoutMs deadline of a first connect, relay attempt, new connection or probe
 * @param backoffBaseMs backoff ceiling of the first retry
 * @param backoffCapMs largest backoff ceiling
 * @param backoffMultiplier growth of the ceiling per attempt
 * @param maxAttempts attempts per recovery before giving up (0 = unlimited)
 * @param maxElapsedMs time per recovery before giving up, from the loss (0 = unlimited)
 */
public record ReconnectConfig(
    long graceDelayMs,
    long iceRestartTimeoutMs,
    int iceRestartAttempts,
    int relayAttempts,
    boolean relayAvailable,
    int newConnectionAttempts,
    boolean degradedAllowed,
    long probeIntervalMs,
    long probeMaxIntervalMs,
    long connectTimeoutMs,
    long backoffBaseMs,
    long backoffCapMs,
    double backoffMultiplier,
    int maxAttempts,
    long maxElapsedMs) {

  /** 2 s: libwebrtc recovers a briefly lost path in ~60 ms, and Wi-Fi/cell handovers within a second or two. */
  public static final long DEFAULT_GRACE_DELAY_MS = 2_000;
  /** 5 s: a restart reuses the DTLS session, so only ICE checks remain; slower than 5 s means the path is bad. */
  public static final long DEFAULT_ICE_RESTART_TIMEOUT_MS = 5_000;
  /**
   * 0: an ICE restart keeps the SCTP association, whose retransmission timer doubled all through the cut; measured
   * here (bench "recover", 4.7 s cut under load), data flowed again 1.1-1.4 s after the path returned, against
   * 0.09 s for a new connection started during the cut. Deployments that prefer to keep channels may set it.
   */
  public static final int DEFAULT_ICE_RESTART_ATTEMPTS = 0;
  /** 2: a relay either works at once or the TURN server/credentials are the problem, so more tries rarely help. */
  public static final int DEFAULT_RELAY_ATTEMPTS = 2;
  /** false: TURN is not configured by default (turnUrls is empty); set it from SignalingConfig.turnConfigured(). */
  public static final boolean DEFAULT_RELAY_AVAILABLE = false;
  /** 2: a fresh connection clears corrupted DTLS/SCTP state; if two fail, WebRTC is blocked on this path. */
  public static final int DEFAULT_NEW_CONNECTION_ATTEMPTS = 2;
  /** true: slow messages over signaling beat losing the session; turn off where signaling capacity is scarce. */
  public static final boolean DEFAULT_DEGRADED_ALLOWED = true;
  /** 10 s: frequent enough to upgrade soon after the network heals, rare enough to cost little while blocked. */
  public static final long DEFAULT_PROBE_INTERVAL_MS = 10_000;
  /**
   * 5 min: probes double from probeIntervalMs up to this. Every probe is a new peer connection, and webrtc-java
   * keeps ~68 KB of each closed one, so a peer that can never do WebRTC must not be probed every 10 s all day.
   */
  public static final long DEFAULT_PROBE_MAX_INTERVAL_MS = 300_000;
  /** 10 s: a full connect gathers candidates, allocates TURN and runs DTLS; more than 10 s rarely ends well. */
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  /** 250 ms: the first retry comes quickly, while still spreading a burst of peers lost by one network blip. */
  public static final long DEFAULT_BACKOFF_BASE_MS = 250;
  /** 10 s: bounds the wait so recovery does not stall for minutes once the path is back. */
  public static final long DEFAULT_BACKOFF_CAP_MS = 10_000;
  /** 2.0: classic doubling; the ceiling reaches the 10 s cap at the seventh retry. */
  public static final double DEFAULT_BACKOFF_MULTIPLIER = 2.0;
  /** 12: above the default ladder (at most 7 attempts), so it only stops ladders configured much longer. */
  public static final int DEFAULT_MAX_ATTEMPTS = 12;
  /** 120 s: after two minutes users have left or reloaded; longer recovery only wastes server resources. */
  public static final long DEFAULT_MAX_ELAPSED_MS = 120_000;

  /** The map keys, in component order. */
  public static final List<String> KEYS = List.of(
      "graceDelayMs", "iceRestartTimeoutMs", "iceRestartAttempts", "relayAttempts", "relayAvailable",
      "newConnectionAttempts", "degradedAllowed", "probeIntervalMs", "probeMaxIntervalMs", "connectTimeoutMs",
      "backoffBaseMs", "backoffCapMs", "backoffMultiplier", "maxAttempts", "maxElapsedMs");

  public ReconnectConfig {
    atLeast("graceDelayMs", graceDelayMs, 0);
    atLeast("iceRestartTimeoutMs", iceRestartTimeoutMs, 1);
    atLeast("iceRestartAttempts", iceRestartAttempts, 0);
    atLeast("relayAttempts", relayAttempts, 0);
    atLeast("newConnectionAttempts", newConnectionAttempts, 0);
    atLeast("probeIntervalMs", probeIntervalMs, 1);
    atLeast("probeMaxIntervalMs", probeMaxIntervalMs, probeIntervalMs);
    atLeast("connectTimeoutMs", connectTimeoutMs, 1);
    atLeast("backoffBaseMs", backoffBaseMs, 1);
    atLeast("backoffCapMs", backoffCapMs, backoffBaseMs);
    if (!(backoffMultiplier >= 1.0) || Double.isInfinite(backoffMultiplier)) {
      throw new IllegalArgumentException("backoffMultiplier must be a finite number >= 1.0, was " + backoffMultiplier);
    }
    atLeast("maxAttempts", maxAttempts, 0);
    atLeast("maxElapsedMs", maxElapsedMs, 0);
    if (maxAttempts == 0 && maxElapsedMs == 0) {
      // Without any limit a peer that never comes back would keep a recovery (and its timers) alive forever.
      throw new IllegalArgumentException("maxAttempts and maxElapsedMs cannot both be 0 (unlimited)");
    }
  }

  /** All defaults. */
  public static ReconnectConfig defaults() {
    return new ReconnectConfig(DEFAULT_GRACE_DELAY_MS, DEFAULT_ICE_RESTART_TIMEOUT_MS, DEFAULT_ICE_RESTART_ATTEMPTS,
        DEFAULT_RELAY_ATTEMPTS, DEFAULT_RELAY_AVAILABLE, DEFAULT_NEW_CONNECTION_ATTEMPTS, DEFAULT_DEGRADED_ALLOWED,
        DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_MAX_INTERVAL_MS, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_BACKOFF_BASE_MS,
        DEFAULT_BACKOFF_CAP_MS,
        DEFAULT_BACKOFF_MULTIPLIER, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_ELAPSED_MS);
  }

  /**
   * Reads a config map (for example {@code JsonObject.getMap()}); absent keys take their defaults.
   *
   * @throws IllegalArgumentException on an unknown key, a value of the wrong type, or an invalid value
   */
  public static ReconnectConfig fromMap(Map<String, ?> map) {
    for (String key : map.keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown reconnect config key: " + key);
      }
    }
    return new ReconnectConfig(
        longValue(map, "graceDelayMs", DEFAULT_GRACE_DELAY_MS),
        longValue(map, "iceRestartTimeoutMs", DEFAULT_ICE_RESTART_TIMEOUT_MS),
        intValue(map, "iceRestartAttempts", DEFAULT_ICE_RESTART_ATTEMPTS),
        intValue(map, "relayAttempts", DEFAULT_RELAY_ATTEMPTS),
        boolValue(map, "relayAvailable", DEFAULT_RELAY_AVAILABLE),
        intValue(map, "newConnectionAttempts", DEFAULT_NEW_CONNECTION_ATTEMPTS),
        boolValue(map, "degradedAllowed", DEFAULT_DEGRADED_ALLOWED),
        longValue(map, "probeIntervalMs", DEFAULT_PROBE_INTERVAL_MS),
        longValue(map, "probeMaxIntervalMs", DEFAULT_PROBE_MAX_INTERVAL_MS),
        longValue(map, "connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS),
        longValue(map, "backoffBaseMs", DEFAULT_BACKOFF_BASE_MS),
        longValue(map, "backoffCapMs", DEFAULT_BACKOFF_CAP_MS),
        doubleValue(map, "backoffMultiplier", DEFAULT_BACKOFF_MULTIPLIER),
        intValue(map, "maxAttempts", DEFAULT_MAX_ATTEMPTS),
        longValue(map, "maxElapsedMs", DEFAULT_MAX_ELAPSED_MS));
  }

  /** Every key with its value (Long, Integer, Boolean or Double); {@code fromMap(toMap())} equals this. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("graceDelayMs", graceDelayMs);
    map.put("iceRestartTimeoutMs", iceRestartTimeoutMs);
    map.put("iceRestartAttempts", iceRestartAttempts);
    map.put("relayAttempts", relayAttempts);
    map.put("relayAvailable", relayAvailable);
    map.put("newConnectionAttempts", newConnectionAttempts);
    map.put("degradedAllowed", degradedAllowed);
    map.put("probeIntervalMs", probeIntervalMs);
    map.put("probeMaxIntervalMs", probeMaxIntervalMs);
    map.put("connectTimeoutMs", connectTimeoutMs);
    map.put("backoffBaseMs", backoffBaseMs);
    map.put("backoffCapMs", backoffCapMs);
    map.put("backoffMultiplier", backoffMultiplier);
    map.put("maxAttempts", maxAttempts);
    map.put("maxElapsedMs", maxElapsedMs);
    return Collections.unmodifiableMap(map);
  }

  public Duration graceDelay() {
    return Duration.ofMillis(graceDelayMs);
  }

  public Duration iceRestartTimeout() {
    return Duration.ofMillis(iceRestartTimeoutMs);
  }

  public Duration probeInterval() {
    return Duration.ofMillis(probeIntervalMs);
  }

  /** The wait after {@code failedProbes} failed probes: probeIntervalMs doubled per failure, capped. */
  public Duration probeDelay(int failedProbes) {
    long delay = probeIntervalMs;
    for (int i = 0; i < failedProbes && delay < probeMaxIntervalMs; i++) {
      delay = Math.min(probeMaxIntervalMs, delay * 2);
    }
    return Duration.ofMillis(delay);
  }

  public Duration connectTimeout() {
    return Duration.ofMillis(connectTimeoutMs);
  }

  private static void atLeast(String key, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(key + " must be >= " + min + ", was " + value);
    }
  }

  private static long longValue(Map<String, ?> map, String key, long fallback) {
    if (!map.containsKey(key)) {
      return fallback;
    }
    Object value = map.get(key);
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    // JSON readers may hand over 2000.0 for 2000; accept whole numbers only.
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) < 0x1p63) {
      return (long) n.doubleValue();
    }
    throw new IllegalArgumentException(key + " must be a whole number, was " + value);
  }

  private static int intValue(Map<String, ?> map, String key, int fallback) {
    long value = longValue(map, key, fallback);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + " is out of int range: " + value);
    }
    return (int) value;
  }

  private static boolean boolValue(Map<String, ?> map, String key, boolean fallback) {
    if (!map.containsKey(key)) {
      return fallback;
    }
    if (map.get(key) instanceof Boolean b) {
      return b;
    }
    throw new IllegalArgumentException(key + " must be true or false, was " + map.get(key));
  }

  private static double doubleValue(Map<String, ?> map, String key, double fallback) {
    if (!map.containsKey(key)) {
      return fallback;
    }
    if (map.get(key) instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalArgumentException(key + " must be a number, was " + map.get(key));
  }
}

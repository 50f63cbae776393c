package io.peermesh.supervisor.rtc;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsType;
import java.util.Map;

/** Reads the selected ICE candidate pair out of a libwebrtc stats report. */
public final class CandidatePairs {
  private CandidatePairs() {}

  /** "local/remote" candidate types of the selected pair, or null when none is selected. */
  static String selected(Map<String, RTCStats> stats) {
    String pairId = null;
    for (RTCStats s : stats.values()) {
      if (s.getType() == RTCStatsType.TRANSPORT && s.getAttributes().get("selectedCandidatePairId") != null) {
        pairId = String.valueOf(s.getAttributes().get("selectedCandidatePairId"));
      }
    }
    RTCStats pair = pairId == null ? null : stats.get(pairId);
    if (pair == null) {
      return null;
    }
    String local = candidateType(stats, pair.getAttributes().get("localCandidateId"));
    String remote = candidateType(stats, pair.getAttributes().get("remoteCandidateId"));
    return local == null || remote == null ? null : local + "/" + remote;
  }

  private static String candidateType(Map<String, RTCStats> stats, Object id) {
    RTCStats candidate = id == null ? null : stats.get(String.valueOf(id));
    Object type = candidate == null ? null : candidate.getAttributes().get("candidateType");
    return type == null ? null : String.valueOf(type).toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The pair summed up as the status page shows it: relay when either end is a TURN relay, else srflx when
   * either is server-reflexive, else prflx when either was learnt from connectivity checks, else host.
   */
  public static String summary(String pair) {
    if (pair == null) {
      return null;
    }
    if (pair.contains("relay")) {
      return "relay";
    }
    return pair.contains("srflx") ? "srflx" : pair.contains("prflx") ? "prflx" : "host";
  }
}

package io.peermesh.supervisor.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsType;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CandidatePairsTest {

  private static RTCStats stats(RTCStatsType type, String id, Map<String, Object> attributes) {
    return new RTCStats(0, type, id, attributes) { };
  }

  private static Map<String, RTCStats> report(String localType, String remoteType, boolean selected) {
    Map<String, RTCStats> report = new HashMap<>();
    report.put("T1", stats(RTCStatsType.TRANSPORT, "T1",
        selected ? Map.of("selectedCandidatePairId", "CP1") : Map.of("dtlsState", "new")));
    report.put("CP1", stats(RTCStatsType.CANDIDATE_PAIR, "CP1",
        Map.of("localCandidateId", "L1", "remoteCandidateId", "R1")));
    report.put("L1", stats(RTCStatsType.LOCAL_CANDIDATE, "L1", Map.of("candidateType", localType)));
    report.put("R1", stats(RTCStatsType.REMOTE_CANDIDATE, "R1", Map.of("candidateType", remoteType)));
    return report;
  }

  @Test
  void readsTheSelectedPairThroughTheTransport() {
    assertEquals("host/prflx", CandidatePairs.selected(report("host", "prflx", true)));
    assertEquals("relay/host", CandidatePairs.selected(report("RELAY", "host", true)));
  }

  @Test
  void noSelectedPairIsNull() {
    assertNull(CandidatePairs.selected(report("host", "host", false)));
    assertNull(CandidatePairs.selected(Map.of()));
    Map<String, RTCStats> dangling = report("host", "host", true);
    dangling.remove("R1");
    assertNull(CandidatePairs.selected(dangling));
    Map<String, RTCStats> noPair = report("host", "host", true);
    noPair.remove("CP1");
    assertNull(CandidatePairs.selected(noPair));
  }

  @Test
  void summaryNamesTheMostIndirectEnd() {
    assertNull(CandidatePairs.summary(null));
    assertEquals("relay", CandidatePairs.summary("host/relay"));
    assertEquals("srflx", CandidatePairs.summary("srflx/prflx"));
    assertEquals("prflx", CandidatePairs.summary("host/prflx"));
    assertEquals("host", CandidatePairs.summary("host/host"));
  }
}

package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.testing.SignalClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The signaling contract, run once on a single node ({@link LocalSignalingContractTest}) and once on a two-node
 * cluster with the peers on different nodes ({@link ClusteredSignalingContractTest}). Peer A talks to node A,
 * peer B to node B; in the local run both are the same node.
 */
abstract class SignalingContract {

  protected abstract Vertx clientVertx();

  protected abstract int portA();

  protected abstract int portB();

  protected abstract String mode();

  private SignalClient a() {
    return SignalClient.connect(clientVertx(), portA());
  }

  private SignalClient b() {
    return SignalClient.connect(clientVertx(), portB());
  }

  private static JsonObject msg(String type, String to) {
    return new JsonObject().put("type", type).put("to", to);
  }

  @Test
  void peersSeeEachOtherAndExchangeOfferAnswerAndCandidates() {
    try (SignalClient alice = a(); SignalClient bob = b()) {
      JsonObject aliceJoined = alice.joinDev("negotiate", "alice");
      assertTrue(aliceJoined.getJsonArray("peers").isEmpty());
      assertEquals(1, aliceJoined.getInteger("v"));
      assertTrue(aliceJoined.getString("resumeToken").startsWith("alice."));
      JsonObject bobJoined = bob.joinDev("negotiate", "bob");
      assertEquals("alice", bobJoined.getJsonArray("peers").getJsonObject(0).getString("peer"));
      assertEquals("bob", alice.await("peer-joined").getString("peer"));

      alice.send(msg("offer", "bob").put("sdp", "v=0 offer"));
      JsonObject offer = bob.await("offer");
      assertEquals("alice", offer.getString("from"));
      assertEquals("v=0 offer", offer.getString("sdp"));
      bob.send(msg("answer", "alice").put("sdp", "v=0 answer"));
      assertEquals("v=0 answer", alice.await("answer").getString("sdp"));
      bob.send(msg("candidate", "alice").put("candidate", "candidate:1 1 udp 1 127.0.0.2 5000 typ host")
          .put("sdpMid", "0").put("sdpMLineIndex", 0));
      JsonObject candidate = alice.await("candidate");
      assertEquals("bob", candidate.getString("from"));
      assertEquals("0", candidate.getString("sdpMid"));
      bob.send(msg("candidate", "alice"));
      JsonObject end = alice.await("candidate");
      assertNull(end.getString("candidate"), "end-of-candidates carries no candidate");
    }
  }

  @Test
  void leaveIsAnnouncedWithReasonLeft() {
    try (SignalClient alice = a(); SignalClient bob = b()) {
      alice.joinDev("leaving", "alice-l");
      bob.joinDev("leaving", "bob-l");
      alice.await("peer-joined");
      bob.send(new JsonObject().put("type", "leave"));
      assertEquals(1000, bob.awaitClose());
      JsonObject left = alice.await("peer-left");
      assertEquals("bob-l", left.getString("peer"));
      assertEquals("left", left.getString("reason"));
    }
  }

  @Test
  void resumeWithinGraceKeepsPeerIdAndMembershipWithoutFlapAndDeliversBufferedMessages() {
    try (SignalClient alice = a()) {
      alice.joinDev("resume", "alice-r");
      SignalClient bob = b();
      String token = bob.joinDev("resume", "bob-r").getString("resumeToken");
      alice.await("peer-joined");
      bob.drop();
      alice.send(msg("offer", "bob-r").put("sdp", "sent while bob was away"));
      alice.sync();
      // Come back through the other node: the session moves across the cluster in the clustered run.
      try (SignalClient bobAgain = a()) {
        JsonObject joined = bobAgain.send(new JsonObject().put("type", "join").put("v", 1).put("room", "resume")
            .put("resume", token)).await("joined");
        assertTrue(joined.getBoolean("resumed"));
        assertEquals("bob-r", joined.getString("peer"));
        assertEquals("alice-r", joined.getJsonArray("peers").getJsonObject(0).getString("peer"));
        assertEquals("sent while bob was away", bobAgain.await("offer").getString("sdp"));
        alice.send(msg("answer", "bob-r").put("sdp", "after resume"));
        assertEquals("after resume", bobAgain.await("answer").getString("sdp"));
        assertTrue(alice.unconsumed().stream().noneMatch(m -> m.getString("type").startsWith("peer-")),
            "alice must see no leave/join flap: " + alice.unconsumed());
      }
    }
  }

  @Test
  void aPeerThatResumedOnAnotherNodeIsReachedByAPeerThatHeardOfItsOldNode() {
    try (SignalClient alice = a()) {
      alice.joinDev("moved", "alice-moved");
      SignalClient bob = a();
      String token = bob.joinDev("moved", "bob-moved").getString("resumeToken");
      alice.await("peer-joined");
      alice.send(msg("offer", "bob-moved").put("sdp", "before the move"));
      assertEquals("before the move", bob.await("offer").getString("sdp"));
      bob.drop();
      // Bob comes back through node B: node A's word for where bob is (node A) is out of date in the clustered run.
      try (SignalClient bobAgain = b()) {
        assertTrue(bobAgain.send(new JsonObject().put("type", "join").put("v", 1).put("room", "moved")
            .put("resume", token)).await("joined").getBoolean("resumed"));
        alice.send(msg("answer", "bob-moved").put("sdp", "after the move"));
        assertEquals("after the move", bobAgain.await("answer").getString("sdp"));
        bobAgain.send(msg("candidate", "alice-moved").put("candidate", "c").put("sdpMid", "0").put("sdpMLineIndex", 0));
        assertEquals("c", alice.await("candidate").getString("candidate"));
        alice.sync();
        assertTrue(alice.unconsumed().stream().noneMatch(m -> m.getString("type").equals("error")),
            "alice's messages to the moved peer were refused: " + alice.unconsumed());
      }
    }
  }

  @Test
  void afterTheGracePeriodALostSocketIsALeaveAndItsTokenNoLongerResumes() {
    try (SignalClient alice = a()) {
      alice.joinDev("grace", "alice-g");
      SignalClient bob = b();
      String token = bob.joinDev("grace", "bob-g").getString("resumeToken");
      alice.await("peer-joined");
      bob.drop();
      JsonObject left = alice.await("peer-left");
      assertEquals("timeout", left.getString("reason"));
      try (SignalClient late = b()) {
        late.send(new JsonObject().put("type", "join").put("v", 1).put("room", "grace").put("resume", token))
            .awaitError("resume-failed");
      }
    }
  }

  @Test
  void stateReportsReachTheRoomAndSingleRecipients() {
    try (SignalClient alice = a(); SignalClient bob = b()) {
      alice.joinDev("states", "alice-s");
      bob.joinDev("states", "bob-s");
      alice.await("peer-joined");
      alice.send(new JsonObject().put("type", "state").put("state", "disconnected").put("previous", "connected")
          .put("reason", "transport-lost").put("attempt", 1));
      JsonObject state = bob.await("state");
      assertEquals("alice-s", state.getString("from"));
      assertEquals("disconnected", state.getString("state"));
      assertEquals(1, state.getInteger("attempt"));
      bob.send(new JsonObject().put("type", "relay").put("to", "alice-s").put("channel", "code-sync")
          .put("data", "AAEC"));
      JsonObject relay = alice.await("relay");
      assertEquals("code-sync", relay.getString("channel"));
      assertEquals("AAEC", relay.getString("data"));
    }
  }

  @Test
  void aPeerInAnotherRoomCannotBeAddressed() {
    try (SignalClient alice = a(); SignalClient bob = b()) {
      alice.joinDev("room-one", "alice-w");
      bob.joinDev("room-two", "bob-w");
      alice.send(msg("offer", "bob-w").put("sdp", "x")).awaitError("unknown-peer");
      assertTrue(bob.unconsumed().isEmpty());
    }
  }

  @Test
  void measuresJoinAndOfferRelayLatency() {
    List<Double> joins = new ArrayList<>();
    List<Double> relays = new ArrayList<>();
    try (SignalClient alice = a(); SignalClient bob = b()) {
      alice.joinDev("latency", "alice-m");
      bob.joinDev("latency", "bob-m");
      alice.await("peer-joined");
      for (int i = 0; i < 200; i++) {
        long sent = System.nanoTime();
        alice.send(msg("offer", "bob-m").put("sdp", "s" + i));
        JsonObject offer = bob.await("offer");
        relays.add((offer.getLong("_arrivedNanos") - sent) / 1e6);
      }
    }
    for (int i = 0; i < 40; i++) {
      try (SignalClient c = a()) {
        long sent = System.nanoTime();
        JsonObject joined = c.joinDev("join-latency-" + i, null);
        joins.add((joined.getLong("_arrivedNanos") - sent) / 1e6);
      }
    }
    System.out.printf("MEASURED [%s] join->joined median %.3f ms (n=%d); offer relay median %.3f ms (n=%d)%n",
        mode(), median(joins), joins.size(), median(relays), relays.size());
    assertFalse(relays.isEmpty());
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}

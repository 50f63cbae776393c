package io.peermesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.peermesh.shared.protocol.ErrorCode;
import io.peermesh.shared.protocol.ProtocolException;
import io.peermesh.shared.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The directory's compare-and-set updates, on local maps that record every call: on a cluster each call is a
 * round trip (~0.4 ms on two nodes here), so a join's cost is the number of calls it makes.
 */
class RoomDirectoryTest {
  private Vertx vertx;
  private final List<String> calls = new ArrayList<>();
  private AsyncMap<String, String> sessions;
  private AsyncMap<String, String> rosters;
  private RoomDirectory directory;
  private AsyncMap<String, String> rostersUnrecorded;
  /** Runs once, before the next replaceIfPresent: another node's write that wins the race. */
  private Runnable beforeReplace;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    rostersUnrecorded = Await.result(vertx.sharedData().<String, String>getAsyncMap("r"));
    rosters = recorded("rosters", rostersUnrecorded);
    sessions = recorded("sessions", Await.result(vertx.sharedData().<String, String>getAsyncMap("s")));
    directory = new RoomDirectory(Future.succeededFuture(rosters), Future.succeededFuture(sessions));
  }

  @AfterEach
  void tearDown() {
    Await.result(vertx.close());
  }

  @Test
  void aNewSessionIsClaimedWithOneCall() {
    Await.result(directory.claimSession("ann", new RoomDirectory.Session("r1", "n1", "h1"), old -> false));
    assertEquals(List.of("sessions.putIfAbsent"), calls);
    assertEquals(new RoomDirectory.Session("r1", "n1", "h1"), Await.result(directory.session("ann")));
  }

  @Test
  void aSessionHeldByALiveNodeIsNotTakenAndStaysAsItWas() {
    claim("ann", "n1", "h1");
    calls.clear();
    ProtocolException e = failure(directory.claimSession("ann", new RoomDirectory.Session("r1", "n2", "h2"),
        old -> false));
    assertEquals(ErrorCode.PEER_ID_IN_USE, e.code());
    assertEquals(List.of("sessions.putIfAbsent"), calls, "the value putIfAbsent found decides: no read");
    assertEquals("n1", Await.result(directory.session("ann")).node());
  }

  @Test
  void aSessionOfAGoneNodeIsReplacedWithoutAReadFirst() {
    claim("ann", "n1", "h1");
    calls.clear();
    Await.result(directory.claimSession("ann", new RoomDirectory.Session("r1", "n2", "h2"),
        old -> old.node().equals("n1")));
    assertEquals(List.of("sessions.putIfAbsent", "sessions.replaceIfPresent"), calls);
    assertEquals(new RoomDirectory.Session("r1", "n2", "h2"), Await.result(directory.session("ann")));
  }

  @Test
  void aRoomsFirstMemberCostsOneCallAndTheNextTwo() {
    assertEquals(Map.of("ann", "n1"), Await.result(directory.putMember("r1", "ann", "n1", 2)).peers());
    assertEquals(List.of("rosters.putIfAbsent"), calls);
    calls.clear();
    assertEquals(List.of("ann", "bob"),
        List.copyOf(Await.result(directory.putMember("r1", "bob", "n2", 2)).peers().keySet()), "join order kept");
    assertEquals(List.of("rosters.putIfAbsent", "rosters.replaceIfPresent"), calls);
  }

  @Test
  void aFullRoomRefusesANewMemberAndWritesNothing() {
    Await.result(directory.putMember("r1", "ann", "n1", 1));
    calls.clear();
    assertEquals(ErrorCode.ROOM_FULL, failure(directory.putMember("r1", "bob", "n1", 1)).code());
    assertEquals(List.of("rosters.putIfAbsent"), calls);
    assertEquals(Map.of("ann", "n1"), Await.result(directory.roster("r1")).peers());
    // A member already in it may move (a resume on another node).
    assertEquals(Map.of("ann", "n2"), Await.result(directory.putMember("r1", "ann", "n2", 1)).peers());
  }

  @Test
  void changesThatRefuseAnAbsentKeyReadItFirst() {
    // Moving a session that does not exist fails as before, after one read and no write.
    assertEquals(ErrorCode.RESUME_FAILED, failure(directory.moveSession("ann", "h1", "n2")).code());
    assertEquals(List.of("sessions.get"), calls);
    claim("ann", "n1", "h1");
    Await.result(directory.moveSession("ann", "h1", "n2"));
    assertEquals("n2", Await.result(directory.session("ann")).node());
    assertEquals(ErrorCode.RESUME_FAILED, failure(directory.moveSession("ann", "other", "n3")).code());
  }

  @Test
  void removalsReadFirstAndTheLastMemberTakesTheRoomWithIt() {
    Await.result(directory.putMember("r1", "ann", "n1", 5));
    Await.result(directory.putMember("r1", "bob", "n1", 5));
    assertEquals(false, Await.result(directory.removeMember("r1", "ann", "n2")));
    assertEquals(2, Await.result(directory.roster("r1")).peers().size(), "a peer moved to another node stays");
    calls.clear();
    assertEquals(true, Await.result(directory.removeMember("r1", "ann", "n1")));
    assertEquals(List.of("rosters.get", "rosters.replaceIfPresent"), calls);
    Await.result(directory.removeMember("r1", "bob", "n1"));
    assertNull(Await.result(rosters.get("r1")));
    claim("ann", "n1", "h1");
    assertEquals(false, Await.result(directory.dropSession("ann", s -> s.node().equals("n2"))),
        "another node's claim is kept, and the caller hears so");
    assertEquals("n1", Await.result(directory.session("ann")).node());
    assertEquals(true, Await.result(directory.dropSession("ann", s -> s.resumeHash().equals("h1"))));
    assertNull(Await.result(directory.session("ann")));
    assertEquals(false, Await.result(directory.dropSession("ann", s -> true)), "nothing left to drop");
  }

  @Test
  void aRaceLostToAnotherNodeIsReadAgainAndBothMembersLand() {
    Await.result(directory.putMember("r1", "ann", "n1", 5));
    // Another node adds cid between this node's putIfAbsent and its replace.
    beforeReplace = () -> Await.result(rostersUnrecorded.put("r1",
        "{\"peers\":{\"ann\":\"n1\",\"cid\":\"n2\"}}"));
    calls.clear();
    RoomDirectory.Roster roster = Await.result(directory.putMember("r1", "bob", "n1", 5));
    assertEquals(List.of("ann", "cid", "bob"), List.copyOf(roster.peers().keySet()));
    assertEquals(List.of("rosters.putIfAbsent", "rosters.replaceIfPresent", "rosters.get",
        "rosters.replaceIfPresent"), calls);
  }

  private void claim(String peer, String node, String hash) {
    Await.result(directory.claimSession(peer, new RoomDirectory.Session("r1", node, hash), old -> false));
  }

  private static ProtocolException failure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().join();
    } catch (CompletionException e) {
      return assertInstanceOf(ProtocolException.class, e.getCause());
    }
    throw new AssertionError("expected a failure");
  }

  /** {@code map}, recording each call as "name.method" (the read-only helpers of the test included). */
  @SuppressWarnings("unchecked")
  private AsyncMap<String, String> recorded(String name, AsyncMap<String, String> map) {
    return (AsyncMap<String, String>) Proxy.newProxyInstance(AsyncMap.class.getClassLoader(),
        new Class<?>[] {AsyncMap.class}, (proxy, method, args) -> {
          calls.add(name + "." + method.getName());
          if (method.getName().equals("replaceIfPresent") && beforeReplace != null) {
            Runnable race = beforeReplace;
            beforeReplace = null;
            race.run();
          }
          try {
            return method.invoke(map, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}

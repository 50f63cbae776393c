package io.peermesh.airelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Answers written to a (local) async map as they stream, and rebuilt from it as another relay would. */
class AiArchiveTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final AsyncMap<String, String> map = Await.result(vertx.sharedData().getAsyncMap("test-answers"));
  private final AsyncMap<String, String> histories = Await.result(vertx.sharedData().getAsyncMap("test-history"));
  private final AiArchive archive = new AiArchive(vertx, map, histories, 60_000);

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  /** Runs on the relay's context, as the relay does. */
  private <T> T on(Supplier<Future<T>> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(result));
    return Await.result(result.future());
  }

  private JsonObject header(String id) {
    String h = Await.result(map.get("room\nalice\n" + id));
    return h == null ? null : new JsonObject(h);
  }

  private static JsonObject json(byte[] piece) {
    return new JsonObject(new String(piece, StandardCharsets.UTF_8));
  }

  @Test
  void aFinishedAnswerIsWrittenInChunksAndRebuiltPieceForPiece() {
    AiStream stream = new AiStream("room", "alice", "q1", "c1");
    on(() -> {
      for (int i = 0; i < 150; i++) {
        stream.addText("p" + i + " ", 3);
        archive.changed(stream);
      }
      stream.end(new AiReply.Done("q1", 150, "stop"), 0);
      archive.changed(stream);
      return Future.succeededFuture();
    });
    JsonObject header = Await.until(vertx, () -> Future.succeededFuture(header("q1")),
        h -> h != null && h.getBoolean("ended"), 10);
    assertEquals(151, header.getInteger("pieces"));
    assertEquals(3, header.getInteger("chunks"), "64 + 64 + 23");
    AiStream restored = on(() -> archive.restore("room", "alice", "q1", "c2", 0));
    assertTrue(restored.ended());
    assertEquals(151, restored.size());
    List<byte[]> original = stream.pieces(0, 200);
    List<byte[]> copy = restored.pieces(0, 200);
    for (int i = 0; i < 151; i++) {
      assertArrayEquals(original.get(i), copy.get(i), "piece " + i);
    }
    assertEquals("c2", restored.connection);
  }

  @Test
  void anAnswerCutOffEndsInterruptedAtThePieceTheClientAsksForOrAfterWhatWasWritten() {
    AiStream stream = new AiStream("room", "alice", "q2", "c1");
    on(() -> {
      for (int i = 0; i < 10; i++) {
        stream.addText("p" + i + " ", 3);
        archive.changed(stream);
      }
      return Future.succeededFuture();
    });
    // Fewer than a chunk: written by the flush timer, the answer still under way.
    JsonObject header = Await.until(vertx, () -> Future.succeededFuture(header("q2")),
        h -> h != null && h.getInteger("pieces") == 10, 10);
    assertEquals(false, header.getBoolean("ended"));

    AiStream fromFive = on(() -> archive.restore("room", "alice", "q2", "c2", 5));
    assertEquals(11, fromFive.size());
    JsonObject last = json(fromFive.pieces(10, 1).get(0));
    assertEquals("error", last.getString("type"));
    assertEquals("ai-interrupted", last.getString("code"));
    assertEquals(10, last.getInteger("n"));

    // The client holds pieces the archive never got: the end comes at the one it asks for, so it is not dropped.
    AiStream fromFourteen = on(() -> archive.restore("room", "alice", "q2", "c2", 14));
    assertEquals(15, fromFourteen.size());
    assertEquals(14, json(fromFourteen.pieces(14, 1).get(0)).getInteger("n"));
    assertEquals(11, fromFourteen.pieces(0, 100).size(), "the unknown pieces are left out, not sent empty");
    assertEquals(5, fromFourteen.after(0, 5));
    assertEquals(15, fromFourteen.after(0, 11), "past the unknown ones to the end");
    assertEquals(15, fromFourteen.after(12, 1), "from inside the gap, the next given is the end");
    assertEquals(1, fromFourteen.pieces(12, 64).size());

    // A client's from costs nothing, however far it reaches.
    AiStream far = on(() -> archive.restore("room", "alice", "q2", "c2", 1_000_000_000_000L));
    assertEquals(11, far.pieces(0, 100).size());
    assertEquals(far.size(), far.after(0, 11));

    // Written back (as the relay that restored it does), it stays ended there at the same number.
    on(() -> {
      archive.changed(fromFourteen);
      return Future.succeededFuture();
    });
    Await.until(vertx, () -> Future.succeededFuture(header("q2")), h -> h.getBoolean("ended"), 10);
    AiStream again = on(() -> archive.restore("room", "alice", "q2", "c3", 0));
    assertTrue(again.ended());
    assertEquals(15, again.size());
    assertEquals("ai-interrupted", json(again.pieces(14, 1).get(0)).getString("code"));
    assertEquals(11, again.pieces(0, 100).size());
  }

  @Test
  void nothingIsRestoredWithoutAHeaderOrWithAChunkMissing() {
    assertNull(on(() -> archive.restore("room", "alice", "never", "c1", 0)));
    Await.result(map.put("room\nalice\nq3", new JsonObject().put("pieces", 70).put("chunks", 2).put("ended", true)
        .encode()));
    Await.result(map.put("room\nalice\nq3#0", "[]"));
    assertNull(on(() -> archive.restore("room", "alice", "q3", "c1", 0)), "chunk 1 expired");
  }

  @Test
  void aConversationIsCopiedWholeAndReadBack() {
    assertEquals(List.of(), on(() -> archive.loadHistory("room", "alice")));
    List<AiHistory.Turn> turns = List.of(new AiHistory.Turn("hi", "hello"), new AiHistory.Turn("é?", "✓"));
    on(() -> {
      archive.saveHistory("room", "alice", turns);
      return Future.succeededFuture();
    });
    assertEquals(turns, Await.until(vertx, () -> archive.loadHistory("room", "alice"), t -> !t.isEmpty(), 10));
    assertEquals(List.of(), on(() -> archive.loadHistory("room", "bob")));
  }
}

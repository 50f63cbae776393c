package io.peermesh.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness in its tiny configuration: checks the output's shape, not the figures. */
class BenchSmokeTest {

  @Test
  void smokeRunPrintsATableAndWritesJsonWithEveryRowComplete(@TempDir Path dir) throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    List<Row> rows = BenchMain.run(true);
    assertTrue(rows.size() >= 19, "rows: " + rows.size());
    // Every figure of issue #5 is measured, none left as "not measured".
    for (String figure : List.of("setup, 1 pair", "throughput", "rtt p50", "recover: cut path detected",
        "recover: restore", "churn:", "signal: join", "signal: offer", "signal: sockets one node holds",
        "signal: relay messages", "signal: sockets a clustered node holds", "density: supervised connections",
        "density: memory per connection",
        "density: past the limit")) {
      assertTrue(rows.stream().anyMatch(r -> r.figure().startsWith(figure) && r.met() != null),
          "no measured row for " + figure);
    }
    // Rows #5 names no target for (reported, met null) are measured too.
    for (String figure : List.of("route rtt p50", "route throughput", "ai: prompt → first piece",
        "ai: prompt → whole answer", "signal: join → joined p50, a node of a 2-node cluster")) {
      assertTrue(rows.stream().anyMatch(r -> r.figure().startsWith(figure) && Double.isFinite(r.ours())
          && r.ours() > 0 && Double.isFinite(r.baseline()) && r.baseline() > 0), "no measured row for " + figure);
    }
    for (Row row : rows) {
      assertFalse(row.figure().isBlank());
      assertFalse(row.target().isBlank());
      if (row.met() != null && memory(row)) {
        // Memory grown by a handful of connections is within collection noise: it may come out at or below 0.
        assertTrue(Double.isFinite(row.ours()), row.figure() + " has no figure");
        assertTrue(Double.isFinite(row.baseline()), row.figure() + " has no baseline");
      } else if (row.met() != null) {
        assertTrue(Double.isFinite(row.ours()) && row.ours() > 0, row.figure() + " has no figure");
        assertTrue(Double.isFinite(row.baseline()) && row.baseline() > 0, row.figure() + " has no baseline");
      } else {
        assertFalse(row.note().isBlank(), row.figure() + " is not measured and says nothing");
      }
    }
    String table = Report.markdown(rows);
    System.out.println(table);
    assertTrue(table.startsWith("| figure | ours | baseline | ratio | target | met | note |"));
    assertEquals(rows.size() + 2, table.split("\n").length);
    Path file = Report.write(dir, "smoke", rows);
    JsonObject json = new JsonObject(Files.readString(file));
    assertEquals(rows.size(), json.getJsonArray("rows").size());
    assertEquals(json, new JsonObject(Files.readString(dir.resolve("latest.json"))));
    assertNotNull(json.getJsonArray("rows").getJsonObject(0).getValue("ratio"));
  }

  private static boolean memory(Row row) {
    return row.unit().equals("KB") || row.unit().equals("MB");
  }
}

package io.peermesh.bench;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The density section in a JVM of its own, with the harness's fixed, pre-touched heap: prints {@code rows N}
 * and then each row as {@code row <json>} on stdout.
 */
public final class DensityMain {
  private DensityMain() {}

  public static void main(String[] args) throws Exception {
    List<Row> rows = BenchMain.densityRows(args.length > 0 && args[0].equals("smoke"));
    System.out.println("rows " + rows.size());
    rows.forEach(row -> System.out.println("row " + row.toJson().encode()));
    System.out.flush();
    System.exit(0);
  }

  /** Runs the section in a child JVM (inheriting the network namespace) and returns its rows. */
  static List<Row> inChildJvm(boolean smoke) throws Exception {
    try (ChildJvm child = new ChildJvm(List.of("-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"), DensityMain.class,
        smoke ? "smoke" : "full")) {
      int count = Integer.parseInt(child.expect("rows", 1_200)[0]);
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        rows.add(Row.fromJson(new JsonObject(child.expectLine("row", 60))));
      }
      return rows;
    }
  }
}

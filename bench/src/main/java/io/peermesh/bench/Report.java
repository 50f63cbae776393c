package io.peermesh.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

/** Prints the rows as a Markdown table and writes them as JSON (one file per run, plus latest.json). */
final class Report {
  private Report() {}

  static String markdown(List<Row> rows) {
    StringBuilder out = new StringBuilder();
    out.append("| figure | ours | baseline | ratio | target | met | note |\n");
    out.append("|---|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      out.append("| ").append(row.figure())
          .append(" | ").append(format(row.ours(), row.unit()))
          .append(" | ").append(format(row.baseline(), row.unit()))
          .append(row.baselineName().isEmpty() ? "" : " (" + row.baselineName() + ")")
          .append(" | ").append(Double.isFinite(row.ratio()) ? String.format(Locale.ROOT, "%.2f×", row.ratio()) : "–")
          .append(" | ").append(row.target())
          .append(" | ").append(row.met() == null ? "–" : row.met() ? "yes" : "**no**")
          .append(" | ").append(row.note() == null ? "" : row.note())
          .append(" |\n");
    }
    return out.toString();
  }

  static Path write(Path dir, String mode, List<Row> rows) throws IOException {
    Files.createDirectories(dir);
    JsonArray array = new JsonArray();
    rows.forEach(r -> array.add(r.toJson()));
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    JsonObject doc = new JsonObject().put("mode", mode).put("at", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("rows", array);
    Path file = dir.resolve("bench-" + stamp + "-" + mode + ".json");
    Files.writeString(file, doc.encodePrettily());
    if (!mode.equals("part")) {
      // A run of some sections only (--only) is not the suite's latest result.
      Files.writeString(dir.resolve("latest.json"), doc.encodePrettily());
    }
    return file;
  }

  private static String format(double value, String unit) {
    if (!Double.isFinite(value)) {
      return "–";
    }
    String number = Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%.0f", value)
        : String.format(Locale.ROOT, "%.3g", value);
    return unit.isEmpty() ? number : number + " " + unit;
  }
}

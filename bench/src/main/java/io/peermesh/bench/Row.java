package io.peermesh.bench;

import io.vertx.core.json.JsonObject;

/**
 * One line of the report: our figure, the baseline measured in the same run, their ratio, the target and
 * whether it is met. {@code lowerIsBetter} decides the ratio's direction in the target check.
 */
record Row(String figure, String unit, double ours, double baseline, String baselineName, String target,
    Boolean met, String note) {

  double ratio() {
    return baseline == 0 || Double.isNaN(baseline) ? Double.NaN : ours / baseline;
  }

  /** A row for a figure this run did not measure, saying why. */
  static Row notMeasured(String figure, String target, String why) {
    return new Row(figure, "", Double.NaN, Double.NaN, "", target, null, why);
  }

  /** The inverse of {@link #toJson} (figures that were not finite come back as NaN). */
  static Row fromJson(JsonObject json) {
    return new Row(json.getString("figure"), json.getString("unit"), number(json.getDouble("ours")),
        number(json.getDouble("baseline")), json.getString("baselineName"), json.getString("target"),
        json.getBoolean("met"), json.getString("note"));
  }

  private static double number(Double value) {
    return value == null ? Double.NaN : value;
  }

  JsonObject toJson() {
    return new JsonObject().put("figure", figure).put("unit", unit).put("ours", finite(ours))
        .put("baseline", finite(baseline)).put("baselineName", baselineName).put("ratio", finite(ratio()))
        .put("target", target).put("met", met).put("note", note);
  }

  private static Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }
}

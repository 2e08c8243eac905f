package io.plasmavmc.bench;

import java.util.Collection;
import java.util.Locale;

/** The p50 (nearest rank) and the largest of a few samples: a handful of migrations shows no p95. */
record Spread(double p50, double max, int count) {
  static Spread of(Collection<? extends Number> samples) {
    double[] sorted = samples.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    if (sorted.length == 0) {
      return new Spread(Double.NaN, Double.NaN, 0);
    }
    return new Spread(sorted[Math.max(0, (int) Math.ceil(sorted.length * 0.5) - 1)], sorted[sorted.length - 1], sorted.length);
  }

  /** "p50 / max" with the unit; "–" without samples. */
  String text(String unit) {
    return count == 0 ? "–" : number(p50) + " / " + number(max) + " " + unit;
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, value < 10 ? "%.1f" : "%,.0f", value);
  }
}

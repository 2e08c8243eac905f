package io.plasmavmc.bench;

import java.util.Collection;
import java.util.Locale;

/**
 * p50 and p95 (nearest rank) of latency samples in milliseconds: the fleet's figures are asked for
 * at p95 (the host layer's {@code Percentiles} gives p99, which a few dozen samples cannot show).
 */
record Latencies(double p50, double p95, int count) {
  static Latencies of(Collection<Double> samples) {
    double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (sorted.length == 0) {
      return new Latencies(Double.NaN, Double.NaN, 0);
    }
    return new Latencies(sorted[rank(sorted.length, 0.50)], sorted[rank(sorted.length, 0.95)], sorted.length);
  }

  private static int rank(int count, double quantile) {
    return Math.max(0, (int) Math.ceil(count * quantile) - 1);
  }

  /** "p50 / p95 ms" as the README's tables write figures; "–" without samples. */
  String text() {
    return count == 0 ? "–" : millis(p50) + " / " + millis(p95) + " ms";
  }

  private static String millis(double value) {
    return String.format(Locale.ROOT, value < 10 ? "%.1f" : "%,.0f", value);
  }
}

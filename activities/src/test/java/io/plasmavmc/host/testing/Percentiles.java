package io.plasmavmc.host.testing;

import java.util.Arrays;
import java.util.Collection;

/** Median and 99th percentile (nearest rank) of benchmark samples, in the samples' unit. */
public record Percentiles(double p50, double p99, int count) {

  public static Percentiles of(double[] samples) {
    double[] sorted = samples.clone();
    Arrays.sort(sorted);
    if (sorted.length == 0) {
      return new Percentiles(Double.NaN, Double.NaN, 0);
    }
    return new Percentiles(sorted[sorted.length / 2],
        sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)], sorted.length);
  }

  public static Percentiles of(Collection<Double> samples) {
    return of(samples.stream().mapToDouble(Double::doubleValue).toArray());
  }
}

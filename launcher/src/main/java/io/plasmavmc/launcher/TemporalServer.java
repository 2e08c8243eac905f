package io.plasmavmc.launcher;

/** The Temporal server the local stack runs beside its worker and gateway. */
public interface TemporalServer extends AutoCloseable {
  /** host:port of its frontend (gRPC). */
  String address();

  /** What runs and where, for the start-up banner. */
  String summary();

  @Override
  void close();
}

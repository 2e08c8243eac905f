package io.plasmavmc.launcher;

/** The Temporal server the local stack runs beside its worker and gateway. */
public interface TemporalServer extends AutoCloseable {
  /** host:port of its frontend (gRPC). */
  String address();

  /** True if workflow histories outlive the server process (a SQLite file), false for the in-memory server. */
  boolean keepsHistory();

  /** What runs and where, for the start-up banner. */
  String summary();

  @Override
  void close();
}

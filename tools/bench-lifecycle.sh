#!/usr/bin/env bash
# Prints the lifecycle figures measured through the gRPC API on real QEMU against Temporal's dev
# server, in a JVM of its own (so its memory figures are PlasmaVMC's, not Maven's). Options are
# Java system properties:
#   -Druns=25 (cold, at most 1000), -Dwarm=N (warm lifecycles, e.g. 1500; at most 10000),
#   -Dfleet=100 (0: none; at most 1000), -DgracefulRuns=25, -DfleetStart=false (the fleet paused)
# Ends by itself once the figures are printed, in bounded time: every call has a deadline and each
# fleet phase one of its own (2 minutes plus 2 s a VM). Every QEMU it started is stopped at its end,
# on Ctrl-C or SIGTERM too (a shutdown hook); one killed outright (SIGKILL) leaves its QEMUs to the
# next run, which ends them first (its run directories live under $TMPDIR/plasmavmc-bench-runs).
set -euo pipefail
cd "$(dirname "$0")/.."
# A reactor build (no `mvn install`): launcher/target/classpath names the sibling modules' jars in their target/.
mvn -B -q -pl launcher -am -DskipTests package
CP="launcher/target/test-classes:launcher/target/classes:$(cat launcher/target/classpath)"
# Ctrl-C reaches the JVM as well as the filter (one process group): its shutdown hook stops the QEMUs.
java -cp "$CP" -Dlogback.configurationFile=/dev/null "$@" io.plasmavmc.bench.LifecycleBenchmark 2>&1 \
  | grep --line-buffered -v -E '^(SLF4J|[0-9:.]+ (INFO|WARN))'

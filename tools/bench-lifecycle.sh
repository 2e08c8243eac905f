#!/usr/bin/env bash
# Prints the lifecycle figures measured through the gRPC API on real QEMU against Temporal's dev
# server, in a JVM of its own (so its memory figures are PlasmaVMC's, not Maven's). Options are
# Java system properties:
#   -Druns=25 (cold), -Dwarm=N (warm lifecycles, e.g. 1500), -Dfleet=100 (0: none), -DgracefulRuns=25
# Ends by itself once the figures are printed (the JVM exits when its benchmark returns).
set -euo pipefail
cd "$(dirname "$0")/.."
# A reactor build (no `mvn install`): launcher/target/classpath names the sibling modules' jars in their target/.
mvn -B -q -pl launcher -am -DskipTests package
CP="launcher/target/test-classes:launcher/target/classes:$(cat launcher/target/classpath)"
java -cp "$CP" -Dlogback.configurationFile=/dev/null "$@" io.plasmavmc.bench.LifecycleBenchmark 2>&1 \
  | grep -v -E '^(SLF4J|[0-9:.]+ (INFO|WARN))'

#!/usr/bin/env bash
# Prints the lifecycle figures measured through the gRPC API on real QEMU, in a JVM of its own
# (so its memory figures are PlasmaVMC's, not Maven's). Options are Java system properties:
#   -Dtemporal=dev|in-memory|both (default both: one after the other, each in a fresh JVM)
#   -Druns=25 (cold), -Dwarm=N (warm lifecycles, e.g. 1500), -Dfleet=100 (0: none), -DgracefulRuns=25
# Ends by itself once the figures are printed (each JVM exits when its benchmark returns).
set -euo pipefail
cd "$(dirname "$0")/.."
# A reactor build (no `mvn install`): launcher/target/classpath names the sibling modules' jars in their target/.
mvn -B -q -pl launcher -am -DskipTests package
CP="launcher/target/test-classes:launcher/target/classes:$(cat launcher/target/classpath)"
servers=(dev in-memory)
props=()
for arg in "$@"; do
  case "$arg" in
    -Dtemporal=both) ;;
    -Dtemporal=*) servers=("${arg#-Dtemporal=}") ;;
    *) props+=("$arg") ;;
  esac
done
for server in "${servers[@]}"; do
  java -cp "$CP" -Dlogback.configurationFile=/dev/null "${props[@]}" -Dtemporal="$server" io.plasmavmc.bench.LifecycleBenchmark 2>&1 \
    | grep -v -E '^(SLF4J|[0-9:.]+ (INFO|WARN))'
done

#!/usr/bin/env bash
# Prints the host layer's figures measured on real QEMU: spawn, query-status, powerdown, quit
# (HostBenchmark); VMs made from images: overlays, seeds, snapshots, disk use (ImageBenchmark).
# BENCHMARKS names the ones to run (default both). Options are Java system properties: -Druns=25.
# Ends by itself once the figures are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
# A reactor build (no `mvn install`): the class path names the sibling modules' jars in their target/.
mvn -B -q -pl activities -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="activities/target/test-classes:activities/target/classes:$(cat activities/target/bench.classpath)"
for benchmark in ${BENCHMARKS:-HostBenchmark ImageBenchmark}; do
  java -cp "$CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn "$@" "io.plasmavmc.host.bench.$benchmark"
done

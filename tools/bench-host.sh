#!/usr/bin/env bash
# Prints the host layer's figures (spawn, query-status, powerdown, quit) measured on real QEMU.
# Options are Java system properties: -Druns=25. Ends by itself once the figures are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
# A reactor build (no `mvn install`): the class path names the sibling modules' jars in their target/.
mvn -B -q -pl activities -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="activities/target/test-classes:activities/target/classes:$(cat activities/target/bench.classpath)"
java -cp "$CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn "$@" io.plasmavmc.host.bench.HostBenchmark

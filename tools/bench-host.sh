#!/usr/bin/env bash
# Prints the host layer's figures (spawn, query-status, powerdown, quit) measured on real QEMU.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl activities -am install -DskipTests
mvn -B -q -pl activities test-compile exec:java -Dexec.mainClass=io.plasmavmc.host.bench.HostBenchmark \
  -Dexec.classpathScope=test -Dorg.slf4j.simpleLogger.defaultLogLevel=warn "$@"

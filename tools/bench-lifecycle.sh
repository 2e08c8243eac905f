#!/usr/bin/env bash
# Prints the lifecycle figures measured through the gRPC API (embedded Temporal, real QEMU).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests
mvn -B -q -pl launcher test-compile exec:java -Dexec.mainClass=io.plasmavmc.bench.LifecycleBenchmark \
  -Dexec.classpathScope=test -Dlogback.configurationFile=/dev/null "$@" 2>&1 | grep -v -E '^(SLF4J|[0-9:.]+ (INFO|WARN))'

#!/usr/bin/env bash
# Prints what a lifecycle test run costs beyond the guest's own boot and power-off, and how soon
# readiness is noticed after the guest's marker, on real QEMU and Temporal's dev server, in a JVM
# of its own. Options are Java system properties: -Diterations=15. Ends by itself once the figures are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
# A reactor build (no `mvn install`): launcher/target/classpath names the sibling modules' jars in their target/.
mvn -B -q -pl launcher -am -DskipTests package
CP="launcher/target/test-classes:launcher/target/classes:$(cat launcher/target/classpath)"
java -cp "$CP" -Dlogback.configurationFile=/dev/null "$@" io.plasmavmc.bench.LifecycleTestBenchmark 2>&1 \
  | grep -v -E '^(SLF4J|[0-9:.]+ (INFO|WARN))'

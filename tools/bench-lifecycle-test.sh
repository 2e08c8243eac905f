#!/usr/bin/env bash
# Prints what a lifecycle test run costs beyond the guest's own boot and power-off, and how soon
# readiness is noticed after the guest's marker (LifecycleTestBenchmark); a run on an image at a
# concurrency above 1 and many VMs booted from one image at once, with the disk they use
# (ImageRunBenchmark); on real QEMU and Temporal's dev server, each in a JVM of its own. BENCHMARKS
# names the ones to run (default both). Options are Java system properties: -Diterations=15
# (-Diterations=40 -Dconcurrency=8 -Dvms=50 for ImageRunBenchmark). Ends by itself once the figures
# are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
# The stack's own logs (and the stack traces of failures the workflows expect, such as an import's
# "no image of that name yet") are left out.
# A reactor build (no `mvn install`): launcher/target/classpath names the sibling modules' jars in their target/.
mvn -B -q -pl launcher -am -DskipTests package
CP="launcher/target/test-classes:launcher/target/classes:$(cat launcher/target/classpath)"
for benchmark in ${BENCHMARKS:-LifecycleTestBenchmark ImageRunBenchmark}; do
  java -cp "$CP" -Dlogback.configurationFile=/dev/null "$@" "io.plasmavmc.bench.$benchmark" 2>&1 \
    | grep -v -E '^(SLF4J|[0-9:.]+ (INFO|WARN)|io\.temporal\.failure\.|\s+at |\s+\.\.\. [0-9]+ more)'
done

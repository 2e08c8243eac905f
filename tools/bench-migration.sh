#!/usr/bin/env bash
# Prints live-migration figures (MigrationBenchmark): a 128 MiB and a 512 MiB guest migrated back
# and forth between two host workers on this machine, idle and while rewriting their memory, and a
# drain of a host holding 20 running guests; on real QEMU (TCG) and Temporal's dev server. Options
# are Java system properties, e.g. a trial: tools/bench-migration.sh -Ddrain=4 -Drepeats=2
# (defaults: -DsmallMib=128 -DlargeMib=512 -Drepeats=5 -DdirtyMib=<a quarter of the guest>
# -DlargeDowntimeMs=2000 -DbandwidthMibps=1024 -Ddrain=20 -DdrainMib=128 -Dboots=4). The test
# guest comes from PLASMAVMC_GUEST_DIR if set (it is built there if missing or of another version),
# else from the usual cache. Exits 1 when a migration of an idle guest failed, the drain left
# something wrong, or a QEMU is left; ends by itself once the figures are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
# A reactor build (no `mvn install`): launcher/target/classpath names the sibling modules' jars in their target/.
mvn -B -q -pl launcher -am -DskipTests package
CP="launcher/target/test-classes:launcher/target/classes:$(cat launcher/target/classpath)"
# The stack's own logs (and the stack traces of failures the workflows expect) are left out.
java -cp "$CP" -Dlogback.configurationFile=/dev/null "$@" io.plasmavmc.bench.MigrationBenchmark 2>&1 \
  | grep -v -E '^(SLF4J|[0-9:.]+ (INFO|WARN)|(Caused by: )?io\.temporal\.failure\.|\s+at |\s+\.\.\. [0-9]+ (more|common frames omitted))'

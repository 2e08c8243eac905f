#!/usr/bin/env bash
# Prints the fleet figures (FleetBenchmark): CreateVm one at a time on the dev server (SQLite) and
# on the production topology on this machine (ClusterHarness: PostgreSQL, Temporal's server, three
# hosts in network namespaces, two gateways), placement's time from the VMs' histories; then on the
# cluster N VMs created side by side through both gateways (failures, spread per host), GetVm and
# ListVms with them all in the fleet, and their deletion. VMs are the test guest's kernel, 64 MiB,
# 1 vCPU, TCG, left paused (start=false). Needs root and what ClusterEndToEndTest needs
# (tools/install-deps.sh --test) and the test guest (tools/guest/build.sh). Options are Java
# system properties:
#   -Dvms=300 (the fleet, over 3 hosts), -Dclients=30 (client threads), -Dsamples=50 (CreateVm one
#   at a time, on each stack, after -Dwarmup=5), -DgetSamples=300, -DlistSamples=20 (per page size)
# Ends by itself once the figures are printed; exits 1 if any call failed or a QEMU was left.
# Every QEMU is ended at the end, on Ctrl-C too (shutdown hooks); a run killed outright is cleaned
# up by the next one. The cluster's logs stay in launcher/target/cluster-logs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# A reactor build (no `mvn install`): launcher/target/classpath names the sibling modules' jars in their target/.
mvn -B -q -pl launcher -am -DskipTests package
# Absolute: the cluster's workers and gateways are JVMs started with this class path in directories of their own.
CP="$ROOT/launcher/target/test-classes:$ROOT/launcher/target/classes:$(cat launcher/target/classpath)"
# From launcher/, as Surefire runs ClusterEndToEndTest: the cluster's logs go to launcher/target/cluster-logs.
cd launcher
java -cp "$CP" -Dlogback.configurationFile=/dev/null "$@" io.plasmavmc.bench.FleetBenchmark 2>&1 \
  | grep -v -E '^(SLF4J|[0-9:.]+ (INFO|WARN))'

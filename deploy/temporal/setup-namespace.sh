#!/bin/sh
# Once the server answers: creates the namespace PlasmaVMC uses (where missing) and registers the
# search attributes its VM and host workflows set (VmName, VmState, VmHost, HostState), so no worker
# races to add them.
# Waits at most PLASMAVMC_INIT_TIMEOUT seconds (default 180) for the server and the namespace, then
# gives up with exit code 1 and says what it waited for: a job that waited forever would hold the
# gateway back without a word. With the TLS overlay the `temporal` CLI takes its TLS settings from
# the TEMPORAL_TLS_* variables of its environment.
set -eu
: "${TEMPORAL_ADDRESS:?}"
NAMESPACE="${PLASMAVMC_NAMESPACE:-default}"
RETENTION="${PLASMAVMC_RETENTION:-30d}"
TIMEOUT="${PLASMAVMC_INIT_TIMEOUT:-180}"
DEADLINE=$(( $(date +%s) + TIMEOUT ))

# give_up WHAT: the message and exit code of a wait that ran out of time.
give_up() {
  echo "temporal-init: gave up after ${TIMEOUT} s waiting for $1 at $TEMPORAL_ADDRESS;" \
       "look at the server's log (docker compose logs temporal) and its TLS settings, then" \
       "run this job again (docker compose up -d), or raise PLASMAVMC_INIT_TIMEOUT" >&2
  exit 1
}

until temporal operator cluster health --address "$TEMPORAL_ADDRESS" 2>/dev/null | grep -q SERVING; do
  [ "$(date +%s)" -lt "$DEADLINE" ] || give_up "the Temporal server to report SERVING"
  echo "temporal-init: waiting for Temporal at $TEMPORAL_ADDRESS"; sleep 2
done
if ! temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION" --address "$TEMPORAL_ADDRESS"
fi
# A new namespace reaches every frontend's cache within seconds; until then it is "not found".
until temporal operator search-attribute list -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  [ "$(date +%s)" -lt "$DEADLINE" ] || give_up "namespace $NAMESPACE to be served"
  sleep 1
done
for attribute in VmName VmState VmHost HostState; do
  if ! temporal operator search-attribute list -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" | grep -qw "$attribute"; then
    temporal operator search-attribute create -n "$NAMESPACE" --name "$attribute" --type Keyword --address "$TEMPORAL_ADDRESS"
  fi
done
echo "temporal-init: namespace $NAMESPACE ready with VmName, VmState, VmHost, HostState"

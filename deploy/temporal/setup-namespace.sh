#!/bin/sh
# Once the server answers: creates the namespace PlasmaVMC uses (where missing) and registers the
# search attributes its VM workflows set (VmName, VmState, VmHost), so no worker races to add them.
set -eu
: "${TEMPORAL_ADDRESS:?}"
NAMESPACE="${PLASMAVMC_NAMESPACE:-default}"
RETENTION="${PLASMAVMC_RETENTION:-30d}"

until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do
  echo "waiting for Temporal at $TEMPORAL_ADDRESS"; sleep 2
done
if ! temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION" --address "$TEMPORAL_ADDRESS"
fi
# A new namespace reaches every frontend's cache within seconds; until then it is "not found".
until temporal operator search-attribute list -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do sleep 1; done
for attribute in VmName VmState VmHost; do
  if ! temporal operator search-attribute list -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" | grep -qw "$attribute"; then
    temporal operator search-attribute create -n "$NAMESPACE" --name "$attribute" --type Keyword --address "$TEMPORAL_ADDRESS"
  fi
done
echo "namespace $NAMESPACE ready with VmName, VmState, VmHost"

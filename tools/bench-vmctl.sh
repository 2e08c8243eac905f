#!/usr/bin/env bash
# How long a user waits for vmctl: the wall time of whole `vmctl list` and `vmctl get` processes,
# JVM start included, against a running gateway (./plasmavmc up); prints p50 and p95 and exits.
#
#   bash tools/bench-vmctl.sh [--runs N] [--fleet N] [--server HOST:PORT] [--vmctl [LABEL=]COMMAND]...
#
# --runs N          timed runs of each command (default 30), after 2 untimed ones
# --fleet N         also time `list` with N more VMs (64 MiB, no kernel: QEMU stays paused), deleted at the end
# --server          the gateway (default $PLASMAVMC_SERVER, else 127.0.0.1:9090)
# --vmctl [LABEL=]COMMAND   a vmctl to time (repeatable; default ./vmctl), e.g. an older build's java command line
# VMs are created and deleted with ./vmctl; `get` asks for a VM of its own, bench-vmctl-get.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS=30
FLEET=0
SERVER="${PLASMAVMC_SERVER:-127.0.0.1:9090}"
VMCTLS=()
while (( $# )); do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --fleet) FLEET="$2"; shift 2 ;;
    --server) SERVER="$2"; shift 2 ;;
    --vmctl) VMCTLS+=("$2"); shift 2 ;;
    *) echo "bench-vmctl: unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
(( ${#VMCTLS[@]} )) || VMCTLS=("$ROOT/vmctl")
export PLASMAVMC_SERVER="$SERVER"
VMCTL=("$ROOT/vmctl")

created=()
cleanup() {
  for vm in "${created[@]}"; do
    "${VMCTL[@]}" delete "$vm" >/dev/null 2>&1 || echo "bench-vmctl: could not delete $vm" >&2
  done
}
trap cleanup EXIT

create() {
  "${VMCTL[@]}" create "$1" --memory 64 --no-network --accel tcg >/dev/null
  created+=("$1")
}

# Prints "P50 P95" in milliseconds of RUNS runs of the command line given.
time_runs() {
  local samples=() start end i
  for i in 1 2; do "$@" >/dev/null || { echo "bench-vmctl: failed: $*" >&2; exit 1; }; done
  for (( i = 0; i < RUNS; i++ )); do
    start=${EPOCHREALTIME/./}
    "$@" >/dev/null || { echo "bench-vmctl: failed: $*" >&2; exit 1; }
    end=${EPOCHREALTIME/./}
    samples+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk -v n="$RUNS" '
    { v[NR] = $1 }
    END { p50 = int((n * 50 + 99) / 100); p95 = int((n * 95 + 99) / 100); printf "%d %d\n", v[p50], v[p95] }'
}

vms() {
  "${VMCTL[@]}" list | tail -n +2 | wc -l
}

# ./vmctl makes its class-data archive after its first successful list or get; time it with it.
await_archive() {
  local jar="$ROOT/cli/target/vmctl.jar" archive="$ROOT/cli/target/vmctl.jsa" waited=0
  until [[ "$archive" -nt "$jar" ]]; do
    (( waited++ < 600 )) || { echo "bench-vmctl: no class-data archive after 60 s; timing without it" >&2; return; }
    sleep 0.1
  done
}

report() {
  local what="$1" vmctl="$2" label="./vmctl"
  shift 2
  if [[ "$vmctl" =~ ^([A-Za-z0-9_.-]+)=(.*)$ ]]; then
    label="${BASH_REMATCH[1]}"
    vmctl="${BASH_REMATCH[2]}"
  fi
  read -ra command <<<"$vmctl"
  read -r p50 p95 < <(time_runs "${command[@]}" "$@")
  printf '%-34s %8s %8s   %s\n' "$what" "$p50" "$p95" "$label"
}

echo "bench-vmctl: $RUNS runs each against $SERVER; $(java -version 2>&1 | head -1); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %8s %8s   %s\n' "COMMAND" "P50 ms" "P95 ms" "VMCTL"
before=$(vms)
await_archive
for vmctl in "${VMCTLS[@]}"; do
  report "list ($before VMs)" "$vmctl" list
done
create bench-vmctl-get
for (( i = 1; i <= FLEET; i++ )); do
  create "bench-vmctl-$i"
done
for vmctl in "${VMCTLS[@]}"; do
  (( FLEET == 0 )) || report "list ($(vms) VMs)" "$vmctl" list
  report "get" "$vmctl" get bench-vmctl-get
done

#!/usr/bin/env bash
# Tests the install path of Temporal's CLI as a fresh Debian machine would take it: the machine's
# own Go (/usr/local/go, ~/go/bin, anything on PATH beyond Debian's system directories) and any
# installed `temporal` are hidden, Go's caches and the CLI's install directory are the test's own.
# tools/install-temporal.sh must then find or install a Debian Go (golang-1.23-go from
# bookworm-backports on Debian 12), fetch the Go toolchain the CLI's module needs through the
# module proxy, build the CLI, and `temporal server start-dev` must serve (cluster health SERVING,
# the namespace there). Also, where no Go can be had at all (Debian's hidden in a mount namespace,
# apt not allowed), install-temporal.sh must exit 1 and say what to do. Ends with the plain line
# 'N passed, N failed'.
#
# With --keep, where the project has no CLI yet (a new machine, as in CI), the CLI this test builds
# goes where the project looks for it (~/.cache/plasmavmc), so that the machine builds it once;
# otherwise into a directory of the test's own.
#
# Bounded: the install gets PLASMAVMC_FRESH_TIMEOUT seconds (default 2400), the server 60 s.
# Go's module and build caches of this test are kept in $PLASMAVMC_FRESH_STATE (default
# ~/.cache/plasmavmc/fresh-install) so that a second run is warm (the CLI is still built, from
# cached packages); delete that directory for a cold run. Measured on 2 cores, another build
# running beside it: cold 8 min (apt golang-1.23-go, the go1.26.3 toolchain and 205 modules from
# the proxy, about 1,750 packages compiled: 463 s), warm 15 s (the CLI linked again: 12 s).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${PLASMAVMC_FRESH_STATE:-$HOME/.cache/plasmavmc/fresh-install}"
LIMIT="${PLASMAVMC_FRESH_TIMEOUT:-2400}"
work=$(mktemp -d /tmp/plasmavmc-fresh.XXXXXX)
project_cache="${PLASMAVMC_CACHE:-$HOME/.cache/plasmavmc}"
cli_cache="$work/cache"
if [[ "${1:-}" == "--keep" && ! -x "$project_cache/bin/temporal" ]]; then
  cli_cache="$project_cache"
fi
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Two checks: the install path on a machine without Go, and the refusal where no Go can be had.
passed=0
verdict() {
  if [[ "$1" == passed ]]; then
    echo "fresh-install: PASSED: $2"
    echo "$((passed + 1)) passed, 0 failed"
    exit 0
  fi
  echo "fresh-install: FAILED: $2" >&2
  echo "$passed passed, 1 failed"
  exit 1
}


# Debian's own directories only: a Go found there is a Debian package's (golang-go), as on a fresh machine.
fresh_path="/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
for hidden in go temporal; do
  if found=$(PATH="$fresh_path" command -v "$hidden" 2>/dev/null) && [[ "$found" != /usr/bin/* && "$found" != /bin/* ]]; then
    verdict failed "$found is on the test's PATH ($fresh_path): cannot hide this machine's $hidden"
  fi
done
# Where no Go can be had (none on PATH, Debian's hidden by an empty directory mounted over it in a
# mount namespace of its own, apt not allowed), install-temporal.sh must exit 1 saying what to do.
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
  said=$(unshare -m bash -c 'for d in /usr/lib/go-1.*; do [[ -d "$d" ]] && mount -t tmpfs none "$d"; done
    exec env -i HOME="$HOME" PATH='"$fresh_path"' PLASMAVMC_CACHE='"$work/none"' PLASMAVMC_NO_APT=1 bash '"$ROOT"'/tools/install-temporal.sh' 2>&1) \
    && verdict failed "install-temporal.sh exited 0 without any Go: $said"
  [[ "$said" == *"no Temporal CLI and no Go to build it with"* && "$said" == *"binary on PATH"* ]] \
    || verdict failed "install-temporal.sh without any Go did not say what to do: $said"
  echo "fresh-install: without any Go, install-temporal.sh exits 1 and says: ${said##*ERROR: }"
  passed=1
else
  echo "fresh-install: no mount namespace here (unshare -m refused): the check of a machine without any Go is left out"
fi

mkdir -p "$STATE/gopath" "$STATE/gocache"
# warm: an earlier run of this test filled the caches (its marker); cold: they were empty or deleted.
state_was=$( [[ -f "$STATE/warm" ]] && echo warm || echo cold )
echo "fresh-install: PATH=$fresh_path; GOPATH=$STATE/gopath, GOCACHE=$STATE/gocache ($state_was); CLI into $cli_cache"
echo "fresh-install: the machine's own Go hidden: $(command -v go || echo none) (PATH=$fresh_path: $(PATH="$fresh_path" command -v go || echo 'no go'))"

start=$SECONDS
if ! env -i HOME="$HOME" USER="${USER:-root}" LANG=C.UTF-8 PATH="$fresh_path" \
      GOPATH="$STATE/gopath" GOMODCACHE="$STATE/gopath/pkg/mod" GOCACHE="$STATE/gocache" \
      PLASMAVMC_CACHE="$cli_cache" DEBIAN_FRONTEND=noninteractive \
      timeout --kill-after=30 "$LIMIT" bash "$ROOT/tools/install-temporal.sh"; then
  verdict failed "tools/install-temporal.sh failed or ran past ${LIMIT} s (see its lines above)"
fi
install_seconds=$((SECONDS - start))
touch "$STATE/warm"
cli="$cli_cache/bin/temporal"
[[ -x "$cli" ]] || verdict failed "install-temporal.sh exited 0 but $cli is missing"
version=$("$cli" --version | head -1)
[[ "$version" == *"Server 1.31"* && "$version" == *"UI 2.49"* ]] || verdict failed "the CLI built is not server 1.31 / UI 2.49: $version"
echo "fresh-install: built $version in $install_seconds s ($state_was caches)"

# A port nothing listens on (bash's /dev/tcp: no other tool needed).
port=""
for candidate in $(shuf -i 20000-45000 -n 20); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || verdict failed "no free port found for the dev server"
"$cli" server start-dev --ip 127.0.0.1 --port "$port" --headless --db-filename "$work/temporal.db" \
  --search-attribute VmName=Keyword > "$work/server.log" 2>&1 &
server_pid=$!
started=$(date +%s%N)
until "$cli" operator cluster health --address "127.0.0.1:$port" 2>/dev/null | grep -q SERVING; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -n 20 "$work/server.log" >&2
    verdict failed "temporal server start-dev exited before it served (its log's end above)"
  fi
  if (( ($(date +%s%N) - started) / 1000000000 > 60 )); then
    tail -n 20 "$work/server.log" >&2
    verdict failed "temporal server start-dev did not report SERVING on 127.0.0.1:$port within 60 s"
  fi
  sleep 0.2
done
"$cli" operator namespace describe -n default --address "127.0.0.1:$port" >/dev/null \
  || verdict failed "the dev server serves, but not the default namespace"
verdict passed "on a PATH without this machine's Go: CLI built in $install_seconds s ($state_was caches), $version; \
dev server SERVING on 127.0.0.1:$port $((($(date +%s%N) - started) / 1000000)) ms after its start"

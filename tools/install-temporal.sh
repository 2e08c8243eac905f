#!/usr/bin/env bash
# Makes Temporal's CLI (which contains the real dev server with SQLite persistence and the Web UI)
# available to PlasmaVMC: a `temporal` already on PATH is used as it is; otherwise the CLI is built
# from the Go module proxy into ~/.cache/plasmavmc (once; later runs find it) and linked as
# ~/.cache/plasmavmc/bin/temporal, where the launcher and the tests look for it.
# Without Go, or when the proxy refuses every version, it says so and exits 0: `./plasmavmc up` then
# falls back to Temporal's in-memory server (state lost on restart), while the tests fail loudly.
set -euo pipefail

CACHE="${PLASMAVMC_CACHE:-$HOME/.cache/plasmavmc}"
LINK="$CACHE/bin/temporal"
# v1.5.1 is the newest tag whose go.mod has no replace directive (go install refuses those);
# it brings Temporal server 1.29 and UI 2.42. v1.4.1 is the fallback.
VERSIONS=(v1.5.1 v1.4.1)

if command -v temporal >/dev/null 2>&1; then
  echo "install-temporal: using $(command -v temporal) ($(temporal --version 2>/dev/null | head -1))"
  exit 0
fi
if [[ -x "$LINK" ]]; then
  echo "install-temporal: using $LINK ($("$LINK" --version 2>/dev/null | head -1))"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-temporal: WARNING: no 'temporal' on PATH and no Go to build it with;" \
       "./plasmavmc up will fall back to Temporal's in-memory server (state lost on restart)" >&2
  exit 0
fi

for version in "${VERSIONS[@]}"; do
  dir="$CACHE/temporal-cli-$version"
  log="$CACHE/temporal-cli-$version.build.log"
  mkdir -p "$dir" "$CACHE/bin"
  echo "install-temporal: building Temporal CLI $version with $(go version | cut -d' ' -f3) into $dir"
  echo "install-temporal: this takes a few minutes on 2 cores (about 1,400 Go packages); log: $log"
  start=$SECONDS
  # Pure Go (modernc SQLite): no cgo needed. -v names each package as it is built: count them as progress.
  if CGO_ENABLED=0 GOBIN="$dir" GOFLAGS=-trimpath go install -v "github.com/temporalio/cli/cmd/temporal@$version" 2>&1 \
      | tee "$log" | awk -v t0="$(date +%s)" '{ n++; if (n % 200 == 0) { printf "install-temporal:   %d packages built (%d s)\n", n, systime() - t0; fflush() } }'
  then
    if [[ -x "$dir/temporal" ]]; then
      ln -sfn "$dir/temporal" "$LINK"
      echo "install-temporal: built in $((SECONDS - start)) s: $LINK ($("$LINK" --version | head -1))"
      exit 0
    fi
  fi
  echo "install-temporal: building $version failed (last lines of $log):" >&2
  tail -n 5 "$log" >&2 || true
done
echo "install-temporal: WARNING: could not build Temporal's CLI (${VERSIONS[*]} refused or failed; see the logs in $CACHE);" \
     "./plasmavmc up will fall back to Temporal's in-memory server (state lost on restart)" >&2
exit 0

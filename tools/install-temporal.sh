#!/usr/bin/env bash
# Makes Temporal's CLI (the real dev server with SQLite persistence and the Web UI) available to
# PlasmaVMC, and says what it does:
# - a `temporal` already on PATH is used as it is;
# - otherwise the CLI is built once from the Go module proxy through the project's own Go module
#   tools/temporal-cli (see its README: the current CLI, whose go.mod carries a replace directive that
#   `go install` refuses) into ~/.cache/plasmavmc/temporal-cli-<version>-<hash> and linked as
#   ~/.cache/plasmavmc/bin/temporal, where the launcher and the tests look for it. A later run finds it.
# - Go: the `go` on PATH, else a Debian Go in /usr/lib/go-1.NN, else (as root or with sudo, on
#   Debian 12) golang-1.23-go from bookworm-backports, the backports source added where missing.
#   Any Go >= 1.21 then fetches the toolchain tools/temporal-cli/go.mod asks for from the module
#   proxy by itself (GOTOOLCHAIN=auto), so Debian's older Go is enough to start with.
# With --server also Temporal's server and its SQL schema tool, from the same module and so the same
# go.temporal.io/server version as the CLI and the production compose (1.31.0): `temporal-server`
# and `temporal-sql-tool` built into ~/.cache/plasmavmc/temporal-server-<version>-<hash>/ beside a
# copy of the module's PostgreSQL schemas (schema/postgresql/v12, what the compose's admin-tools
# image applies), linked as ~/.cache/plasmavmc/bin/temporal-server and temporal-sql-tool. The cluster
# tests (launcher's io.plasmavmc.cluster) run them; `./plasmavmc test` asks for them. Most of their
# packages are the CLI's (its dev server is the same server), so after the CLI they build in about a
# minute; a later run finds them.
# Exit code 0 when what was asked for is there, 1 when it cannot be had (the message says why and
# what to do): `./plasmavmc up` then refuses to start.
# Environment: PLASMAVMC_CACHE (default ~/.cache/plasmavmc), PLASMAVMC_NO_APT=1 (never install packages).
set -euo pipefail

WITH_SERVER=0
case "${1:-}" in
  --server) WITH_SERVER=1 ;;
  "") ;;
  -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
  *) echo "install-temporal: unknown option $1 (usage: install-temporal.sh [--server])" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODULE="$ROOT/tools/temporal-cli"
CACHE="${PLASMAVMC_CACHE:-$HOME/.cache/plasmavmc}"
LINK="$CACHE/bin/temporal"
# The oldest Go that switches to a newer toolchain by itself (GOTOOLCHAIN, Go 1.21).
MIN_GO_MINOR=21

say() { echo "install-temporal: $*"; }
fail() {
  echo "install-temporal: ERROR: $*" >&2
  echo "install-temporal: without Temporal's CLI './plasmavmc up' refuses to start; Temporal's own \`temporal\` binary on PATH" \
       "(server 1.31 or newer) serves as well" >&2
  exit 1
}

# link_server: the server and the SQL tool of $server_dir as $CACHE/bin/temporal-server and temporal-sql-tool.
link_server() {
  mkdir -p "$CACHE/bin"
  ln -sfn "$server_dir/temporal-server" "$CACHE/bin/temporal-server"
  ln -sfn "$server_dir/temporal-sql-tool" "$CACHE/bin/temporal-sql-tool"
  say "using $CACHE/bin/temporal-server and temporal-sql-tool (Temporal server $server_version; PostgreSQL schemas in $server_dir/schema)"
}

# Temporal's CLI: the one on PATH, or this module's build in the cache; otherwise it is built below.
cli_ok=0
if command -v temporal >/dev/null 2>&1; then
  found=$(temporal --version 2>/dev/null | head -1)
  say "using $(command -v temporal) ($found), found on PATH"
  [[ "$found" == *"Server 1.31."* ]] || say "note: that is not Temporal server 1.31, which docker-compose.yml runs and" \
    "tools/temporal-cli builds; take it off PATH to have this script build that one"
  cli_ok=1
fi

# The CLI's version (from go.mod) and a hash of everything the build depends on name the build:
# a change of the module, its go.sum or the cliext stand-in builds anew.
cli_version=$(awk '$1 == "github.com/temporalio/cli" { print $2; exit } $1 == "require" && $2 == "github.com/temporalio/cli" { print $3; exit }' "$MODULE/go.mod")
[[ -n "$cli_version" ]] || fail "cannot read the Temporal CLI's version from $MODULE/go.mod"
hash=$(cd "$MODULE" && cat go.mod go.sum cliext/go.mod cliext/*.go | sha256sum | cut -c1-12)
dir="$CACHE/temporal-cli-$cli_version-$hash"
if (( ! cli_ok )) && [[ -x "$dir/temporal" ]]; then
  mkdir -p "$CACHE/bin"
  ln -sfn "$dir/temporal" "$LINK"
  say "using $LINK ($("$LINK" --version 2>/dev/null | head -1))"
  cli_ok=1
fi
if (( ! cli_ok )) && [[ -e "$LINK" ]]; then
  say "$LINK is $("$LINK" --version 2>/dev/null | head -1 || echo 'not runnable'), not the CLI of $MODULE ($cli_version): building that"
fi

# The server's build is named like the CLI's: its version (go.mod) and a hash of go.mod and go.sum.
server_version=$(awk '$1 == "go.temporal.io/server" { print $2; exit }' "$MODULE/go.mod")
[[ -n "$server_version" ]] || fail "cannot read Temporal server's version from $MODULE/go.mod"
server_hash=$(cd "$MODULE" && cat go.mod go.sum | sha256sum | cut -c1-12)
server_dir="$CACHE/temporal-server-$server_version-$server_hash"
server_ok=1
if (( WITH_SERVER )); then
  server_ok=0
  if [[ -x "$server_dir/temporal-server" && -x "$server_dir/temporal-sql-tool" && -d "$server_dir/schema/postgresql/v12" ]]; then
    link_server
    server_ok=1
  fi
fi
if (( cli_ok && server_ok )); then
  exit 0
fi

# go_minor GO: the minor version of that Go (1.NN), or nothing if it does not run.
go_minor() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p'; }

# find_go: prints the path of a Go >= 1.MIN_GO_MINOR: on PATH, else Debian's versioned packages, newest first.
find_go() {
  local candidate minor
  for candidate in $(command -v go 2>/dev/null) $(ls -d /usr/lib/go-1.*/bin/go 2>/dev/null | sort -t. -k2 -n -r); do
    minor=$(go_minor "$candidate")
    if [[ -n "$minor" ]] && (( minor >= MIN_GO_MINOR )); then
      echo "$candidate"
      return 0
    fi
    [[ -n "$minor" ]] && say "$candidate is Go 1.$minor: too old to fetch a newer toolchain (Go 1.$MIN_GO_MINOR or newer needed)" >&2
  done
  return 1
}

# install_go: installs a Go >= 1.21 with apt: golang-1.23-go from bookworm-backports on Debian 12
# (adding that source where missing), Debian's golang-go where it is new enough (Debian 13 and later).
install_go() {
  if [[ "${PLASMAVMC_NO_APT:-}" == 1 ]]; then
    say "not installing Go: PLASMAVMC_NO_APT=1" >&2
    return 1
  fi
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      say "not installing Go: not root and no sudo" >&2
      return 1
    fi
    sudo="sudo"
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "not installing Go: no apt-get here (not Debian or Ubuntu)" >&2
    return 1
  fi
  local codename=""
  [[ -r /etc/os-release ]] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [[ "$codename" == bookworm ]]; then
    if ! grep -rqsE '(^|\s)bookworm-backports(\s|$)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      say "adding Debian's bookworm-backports to apt's sources (/etc/apt/sources.list.d/bookworm-backports.sources):" \
          "Debian 12's own Go (1.19) is too old; backports has golang-1.23-go"
      printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: bookworm-backports" "Components: main" \
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" | $sudo tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
    fi
    say "installing golang-1.23-go from bookworm-backports (apt-get; into /usr/lib/go-1.23)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends -t bookworm-backports golang-1.23-go >/dev/null
  else
    say "installing Debian's golang-go (apt-get)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends golang-go >/dev/null
  fi
}

if ! GO=$(find_go); then
  wanted=$( (( cli_ok )) && echo "Temporal's server" || echo "Temporal's CLI" )
  say "no Go 1.$MIN_GO_MINOR or newer on PATH or in /usr/lib/go-1.*: installing one to build $wanted"
  if ! install_go || ! GO=$(find_go); then
    if (( cli_ok )); then
      echo "install-temporal: ERROR: no Go to build Temporal's server and SQL tool with (Go 1.$MIN_GO_MINOR or newer needed;" \
           "Debian 12: apt-get install -t bookworm-backports golang-1.23-go, after adding bookworm-backports to apt's sources);" \
           "the cluster tests need them" >&2
      exit 1
    fi
    fail "no Temporal CLI and no Go to build it with (Go 1.$MIN_GO_MINOR or newer needed; Debian 12: apt-get install" \
         "-t bookworm-backports golang-1.23-go, after adding bookworm-backports to apt's sources; or put a 'temporal' on PATH," \
         "or point PLASMAVMC_TEMPORAL at one)"
  fi
fi

# go_build LOG OUTPUT PACKAGE [LDFLAGS]: builds one main package of the module, printing progress
# from the log every 30 s; returns the build's exit status.
go_build() {
  local log=$1 output=$2 package=$3 ldflags=${4:-} start=$SECONDS build
  # GOTOOLCHAIN=auto: Debian's Go sets 'local' in its go.env, which would refuse the module's newer Go.
  # Pure Go (modernc SQLite, pgx): no cgo. -v names each package as it is built: counted as progress.
  (cd "$MODULE" && GOTOOLCHAIN=auto CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath" \
    exec "$GO" build -v -o "$output" -ldflags "$ldflags" "$package") >> "$log" 2>&1 < /dev/null &
  build=$!
  while kill -0 "$build" 2>/dev/null; do
    for _ in $(seq 30); do kill -0 "$build" 2>/dev/null || break; sleep 1; done
    kill -0 "$build" 2>/dev/null && say "  $(grep -cv '^go: downloading' "$log" || true) packages built, $(grep -c '^go: downloading' "$log" || true) modules downloaded ($((SECONDS - start)) s)"
  done
  wait "$build"
}

needed=$(sed -n 's/^toolchain go//p; s/^go \([0-9.]*\)$/\1/p' "$MODULE/go.mod" | tail -1)
mkdir -p "$CACHE/bin"

if (( ! cli_ok )); then
  mkdir -p "$dir"
  log="$dir.build.log"
  : > "$log"
  say "building Temporal CLI $cli_version (tools/temporal-cli) with $GO ($("$GO" env GOVERSION)); its module asks for Go $needed," \
      "which Go fetches from the module proxy by itself when the one here is older"
  say "this takes several minutes on 2 cores the first time (about 1,700 Go packages; later builds reuse Go's cache); log: $log"
  start=$SECONDS
  if go_build "$log" "$dir/temporal" github.com/temporalio/cli/cmd/temporal \
       "-X github.com/temporalio/cli/internal/temporalcli.Version=${cli_version#v} -X github.com/temporalio/cli/internal/temporalcli.buildInfo=PlasmaVMC-tools-temporal-cli" \
     && [[ -x "$dir/temporal" ]]; then
    ln -sfn "$dir/temporal" "$LINK"
    say "built in $((SECONDS - start)) s: $LINK ($("$LINK" --version | head -1))"
  else
    echo "install-temporal: the build failed; the end of $log:" >&2
    tail -n 15 "$log" >&2 || true
    rm -rf "$dir"
    fail "could not build Temporal's CLI $cli_version from $MODULE (the log's end is above; a proxy that refuses a module or" \
         "a network failure shows there)"
  fi
fi

if (( ! server_ok )); then
  # Built into a directory of its own, moved into place only whole: a build cut short leaves no
  # half of it for the next run to take.
  partial="$server_dir.partial"
  rm -rf "$partial"
  mkdir -p "$partial"
  log="$server_dir.build.log"
  : > "$log"
  say "building Temporal server $server_version and its SQL schema tool (go.temporal.io/server/cmd/server, cmd/tools/sql," \
      "from tools/temporal-cli) with $GO ($("$GO" env GOVERSION)); log: $log"
  say "after the CLI most packages come from Go's build cache (about 10 new ones); on a cold cache it takes as long as the CLI"
  start=$SECONDS
  if go_build "$log" "$partial/temporal-server" go.temporal.io/server/cmd/server \
     && go_build "$log" "$partial/temporal-sql-tool" go.temporal.io/server/cmd/tools/sql; then
    # The schemas the compose's admin-tools image applies (/etc/temporal/schema there): the module's own.
    module_dir=$(cd "$MODULE" && GOTOOLCHAIN=auto GOFLAGS=-mod=readonly "$GO" list -m -f '{{.Dir}}' go.temporal.io/server)
    mkdir -p "$partial/schema"
    cp -R "$module_dir/schema/postgresql" "$partial/schema/"
    chmod -R u+w "$partial/schema"
    rm -rf "$server_dir"
    mv "$partial" "$server_dir"
    say "built in $((SECONDS - start)) s: $server_dir"
    link_server
  else
    echo "install-temporal: the build failed; the end of $log:" >&2
    tail -n 15 "$log" >&2 || true
    rm -rf "$partial"
    echo "install-temporal: ERROR: could not build Temporal server $server_version from $MODULE; the cluster tests need it" >&2
    exit 1
  fi
fi

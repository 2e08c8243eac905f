#!/usr/bin/env bash
# Prints the classpath of the launcher, building the project first when it is missing or older
# than the sources. Used by ./plasmavmc (./vmctl builds and runs the cli module alone).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STAMP="$ROOT/launcher/target/classpath"
if [[ ! -f "$STAMP" ]] || [[ -n "$(find "$ROOT" -path "$ROOT/*/target" -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.proto' -o -name '*.xml' -o -name '*.properties' \) -newer "$STAMP" -print -quit)" ]]; then
  echo "plasmavmc: building (mvn install -DskipTests)..." >&2
  (cd "$ROOT" && mvn -B -q install -DskipTests >&2)
  touch "$STAMP"
fi
echo "$ROOT/launcher/target/classes:$(cat "$STAMP")"

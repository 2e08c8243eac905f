#!/usr/bin/env bash
# Prints the shape of the code: each module's size, the biggest main-code files, and which module's
# main code imports which (io.plasmavmc packages only), so the rooms of shared/DESIGN.md can be
# checked against what the code does. Run it on any commit: `git stash; bash tools/house.sh`, or in
# a checkout of an older one.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=$(sed -n 's|.*<module>\(.*\)</module>.*|\1|p' pom.xml)
echo "== modules (main code: files, lines)"
for m in $modules; do
  [[ -d "$m/src/main/java" ]] || continue
  files=$(find "$m/src/main/java" -name '*.java' | wc -l)
  lines=$(find "$m/src/main/java" -name '*.java' -print0 | xargs -0 cat | wc -l)
  printf '  %-12s %4d files %6d lines\n' "$m" "$files" "$lines"
done

echo "== biggest main-code files (lines)"
find . -path '*/src/main/java/*' -name '*.java' -not -path '*/target/*' -print0 | xargs -0 wc -l | grep -v ' total$' \
  | sort -rn | head -10 | sed 's|\./||; s|/src/main/java/io/plasmavmc/| |' | awk '{printf "  %5d  %s  %s\n", $1, $2, $3}'

echo "== who imports whom (main code; a module's own packages left out)"
declare -A owner=([io.plasmavmc.api.v1]=proto)   # proto's code is generated into target/
for m in $modules; do
  [[ -d "$m/src/main/java" ]] || continue
  while read -r pkg; do owner[$pkg]=$m; done < <(find "$m/src/main/java" -name '*.java' -exec sed -n 's/^package \(.*\);/\1/p' {} + | sort -u)
done
for m in $modules; do
  [[ -d "$m/src/main/java" ]] || continue
  used=$(find "$m/src/main/java" -name '*.java' -exec sed -n 's/^import \(static \)\{0,1\}\(io\.plasmavmc\.[a-z0-9.]*\)\.[A-Z].*/\2/p' {} + | sort -u \
    | while read -r pkg; do if [[ -n "${owner[$pkg]:-}" && "${owner[$pkg]}" != "$m" ]]; then echo "${owner[$pkg]}"; fi; done | sort | uniq -c \
    | awk '{printf "%s(%d) ", $2, $1}')
  printf '  %-12s -> %s\n' "$m" "${used:-nothing of ours}"
done
echo "  (N) = imported packages of that module"

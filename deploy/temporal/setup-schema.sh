#!/bin/sh
# Creates Temporal's two PostgreSQL databases (temporal, temporal_visibility) where missing and
# brings their schemas to the version of this admin-tools image. Every step is idempotent, so the
# job runs at each `docker compose up`, and an upgrade of the images upgrades the schemas.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT="${DB_PORT:-5432}"
# The admin-tools image's schemas; the cluster tests run this script natively with the same
# server version's schemas from Go's module cache (tools/install-temporal.sh --server).
SCHEMA="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

# Bounded like the namespace job's waits (PLASMAVMC_INIT_TIMEOUT, default 180 s): then exit 1, saying why.
DEADLINE=$(( $(date +%s) + ${PLASMAVMC_INIT_TIMEOUT:-180} ))
until nc -z -w 5 "$POSTGRES_SEEDS" "$PORT"; do
  if [ "$(date +%s)" -ge "$DEADLINE" ]; then
    echo "schema: gave up waiting for PostgreSQL at $POSTGRES_SEEDS:$PORT; see docker compose logs postgresql" >&2
    exit 1
  fi
  echo "schema: waiting for PostgreSQL at $POSTGRES_SEEDS:$PORT"; sleep 1
done

for db in temporal:temporal temporal_visibility:visibility; do
  name="${db%%:*}"
  dir="${db##*:}"
  sql="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -p $PORT -u $POSTGRES_USER --db $name"
  echo "schema: $name"
  $sql create
  $sql setup-schema -v 0.0
  $sql update-schema -d "$SCHEMA/$dir/versioned"
done
echo "schema: done"

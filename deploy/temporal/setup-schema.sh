#!/bin/sh
# One-shot (temporalio/admin-tools): creates Temporal's two databases on PostgreSQL and brings
# their schemas to the version of this admin-tools image. Safe to run again (an upgrade of the
# Temporal images runs it again to apply new schema versions before the server starts).
set -eu
: "${POSTGRES_SEEDS:?}" "${DB_PORT:=5432}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"

echo "[temporal-schema] waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT}"
i=0
until nc -z -w 2 "$POSTGRES_SEEDS" "$DB_PORT"; do
  i=$((i + 1)); [ "$i" -ge 60 ] && { echo "PostgreSQL did not come up"; exit 1; }
  sleep 2
done

SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12
for db in temporal temporal_visibility; do
  case "$db" in temporal) dir="$SCHEMA_ROOT/temporal/versioned" ;; *) dir="$SCHEMA_ROOT/visibility/versioned" ;; esac
  tool="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -p $DB_PORT -u $POSTGRES_USER --db $db"
  # An existing, initialised database only needs the pending versions.
  if $tool update-schema -d "$dir" >/dev/null 2>&1; then
    echo "[temporal-schema] $db: up to date"
    continue
  fi
  echo "[temporal-schema] $db: creating"
  $tool create || true  # already there (created by a run that stopped half way)
  $tool setup-schema -v 0.0
  $tool update-schema -d "$dir"
done
echo "[temporal-schema] done"

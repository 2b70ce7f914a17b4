#!/bin/sh
# One-shot (temporalio/admin-tools): the namespace BoxFlow uses and its custom search attributes
# (domain/search-attributes.ts). Idempotent: what exists already is left alone.
set -eu
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NS="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_RETENTION:-720h}" # 30 days of closed order histories

echo "[temporal-register] waiting for $ADDRESS"
i=0
until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -ge 60 ] && { echo "Temporal did not become healthy"; exit 1; }
  sleep 2
done

temporal operator namespace describe --address "$ADDRESS" -n "$NS" >/dev/null 2>&1 \
  || temporal operator namespace create --address "$ADDRESS" -n "$NS" --retention "$RETENTION"

# Keep in step with domain/search-attributes.ts.
for attr in BoxflowOrderStatus:Keyword BoxflowOrderType:Keyword BoxflowCarrier:Keyword BoxflowCarriers:KeywordList BoxflowAtRisk:Bool; do
  name="${attr%%:*}"; type="${attr#*:}"
  if temporal operator search-attribute list --address "$ADDRESS" -n "$NS" | grep -qw "$name"; then
    echo "[temporal-register] $name exists"
  else
    temporal operator search-attribute create --address "$ADDRESS" -n "$NS" --name "$name" --type "$type"
  fi
done
echo "[temporal-register] namespace $NS ready"

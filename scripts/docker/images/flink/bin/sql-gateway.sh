#!/usr/bin/env bash
# Look-alike of Flink's bin/sql-gateway.sh: `start-foreground [-Dkey=value ...]` runs the SQL Gateway
# (org.apache.flink.table.gateway.SqlGateway, jar in opt/) with config.yaml from FLINK_CONF_DIR.
set -euo pipefail
# shellcheck source=scripts/docker/images/flink/bin/config.sh
. "$(dirname "$0")/config.sh"
if [ "${1:-}" != start-foreground ]; then
  echo "Usage: sql-gateway.sh start-foreground [-Dkey=value ...] (the lab image runs in the foreground only)" >&2
  exit 1
fi
shift
exec "$FLINK_BIN_DIR/flink-console.sh" sql-gateway "$@"

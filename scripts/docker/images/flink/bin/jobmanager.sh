#!/usr/bin/env bash
# Look-alike of Flink's bin/jobmanager.sh: `start-foreground [args]` runs the session cluster's
# JobManager with the memory settings BashJavaUtils derives from config.yaml (and -D arguments),
# as the real script does. Daemon mode (start/stop) is not reproduced: containers run in the foreground.
set -euo pipefail
# shellcheck source=scripts/docker/images/flink/bin/config.sh
. "$(dirname "$0")/config.sh"
if [ "${1:-}" != start-foreground ]; then
  echo "Usage: jobmanager.sh start-foreground [args] (the lab image runs in the foreground only)" >&2
  exit 1
fi
shift
args=(--configDir "$FLINK_CONF_DIR" "$@")
mapfile -t params < <(bash_java_utils GET_JM_RESOURCE_PARAMS "$@" | tail -n 2)
[ "${#params[@]}" -eq 2 ] || { echo "[ERROR] could not compute the JobManager's memory settings" >&2; exit 1; }
export JVM_ARGS="${JVM_ARGS:-} ${params[0]}"
# shellcheck disable=SC2206 # the dynamic parameters are a word list (-D key=value pairs)
dynamic=(${params[1]})
exec "$FLINK_BIN_DIR/flink-console.sh" standalonesession "${args[@]}" "${dynamic[@]}"

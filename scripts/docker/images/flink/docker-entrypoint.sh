#!/usr/bin/env bash
# Look-alike of the official flink image's /docker-entrypoint.sh (2.2): prepare the configuration
# (jobmanager.rpc.address from JOB_MANAGER_RPC_ADDRESS or `hostname -f`, the fixed blob and query
# ports, TASK_MANAGER_NUMBER_OF_TASK_SLOTS, then FLINK_PROPERTIES with all whitespace removed and
# ${VAR} expanded) and dispatch `help`, `jobmanager`, `taskmanager` or any other command
# (pass-through). The configuration is merged into conf/config.yaml by BashJavaUtils
# UPDATE_AND_GET_FLINK_CONFIGURATION, as the official image does. Not reproduced: jemalloc preloading,
# ENABLE_BUILT_IN_PLUGINS, `standalone-job` and `history-server`.
COMMAND_JOBMANAGER=jobmanager
COMMAND_TASKMANAGER=taskmanager
COMMAND_HELP=help

# shellcheck source=/dev/null
. /opt/flink/bin/config.sh

if [ "$(id -u)" = 0 ]; then
  echo "Warning: running as root; the image is meant to run as the flink user (uid 9999)." >&2
fi

prepare_configuration() {
  local props=("-Djobmanager.rpc.address=${JOB_MANAGER_RPC_ADDRESS:-$(hostname -f)}" "-Dblob.server.port=6124" "-Dquery.server.port=6125")
  if [ -n "${TASK_MANAGER_NUMBER_OF_TASK_SLOTS:-}" ]; then
    props+=("-Dtaskmanager.numberOfTaskSlots=$TASK_MANAGER_NUMBER_OF_TASK_SLOTS")
  fi
  if [ -n "${FLINK_PROPERTIES:-}" ]; then
    local line key value
    while IFS= read -r line; do
      line=$(printf '%s' "$line" | tr -d '[:space:]')
      [ -n "$line" ] || continue
      key=${line%%:*}
      value=$(printf '%s' "${line#*:}" | envsubst)
      props+=("-D$key=$value")
    done <<<"$FLINK_PROPERTIES"
  fi
  local merged
  if merged=$(bash_java_utils UPDATE_AND_GET_FLINK_CONFIGURATION "${props[@]}"); then
    printf '%s\n' "$merged" >"$FLINK_CONF_DIR/config.yaml" ||
      echo "Warning: $FLINK_CONF_DIR/config.yaml is not writable; starting with it unchanged." >&2
  fi
}

args=("$@")
case "${args[0]:-$COMMAND_HELP}" in
  "$COMMAND_HELP")
    echo "Usage: $(basename "$0") (${COMMAND_JOBMANAGER}|${COMMAND_TASKMANAGER}|${COMMAND_HELP})"
    exit 0
    ;;
  "$COMMAND_JOBMANAGER")
    prepare_configuration
    echo "Starting Job Manager"
    exec "$FLINK_HOME/bin/jobmanager.sh" start-foreground "${args[@]:1}"
    ;;
  "$COMMAND_TASKMANAGER")
    prepare_configuration
    echo "Starting Task Manager"
    exec "$FLINK_HOME/bin/taskmanager.sh" start-foreground "${args[@]:1}"
    ;;
  *)
    prepare_configuration
    exec "${args[@]}"
    ;;
esac

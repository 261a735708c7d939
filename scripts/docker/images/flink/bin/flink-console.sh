#!/usr/bin/env bash
# Look-alike of Flink's bin/flink-console.sh: runs one Flink process in the foreground with the
# console logging config (log4j-console.properties: stdout, so `docker logs` shows it, plus a log
# file under log/), the JVM options of config.yaml and the JVM_ARGS the role script computed.
#   flink-console.sh (standalonesession|taskexecutor|sql-gateway) [args...]
set -euo pipefail
# shellcheck source=scripts/docker/images/flink/bin/config.sh
. "$(dirname "$0")/config.sh"

service=${1:-}
shift || true
classpath=$(flink_classpath)
FLINK_FLAT_CONF=$(flink_flat_config) || exit 1
case "$service" in
  standalonesession)
    class=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
    role_opts=$(read_config env.java.opts.jobmanager)
    ;;
  taskexecutor)
    class=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
    role_opts=$(read_config env.java.opts.taskmanager)
    ;;
  sql-gateway)
    class=org.apache.flink.table.gateway.SqlGateway
    role_opts=$(read_config env.java.opts.sql-gateway)
    # The gateway jar stays in opt/, as in the distribution; sql-gateway.sh finds it there.
    gateway_jar=$(find "$FLINK_OPT_DIR" -maxdepth 1 -name 'flink-sql-gateway-*.jar' | head -1)
    [ -n "$gateway_jar" ] || { echo "[ERROR] no flink-sql-gateway jar in $FLINK_OPT_DIR" >&2; exit 1; }
    classpath="$classpath:$gateway_jar"
    ;;
  *)
    echo "Usage: flink-console.sh (standalonesession|taskexecutor|sql-gateway) [args]" >&2
    exit 1
    ;;
esac

mkdir -p "$FLINK_LOG_DIR"
log="$FLINK_LOG_DIR/flink-$(id -un 2>/dev/null || id -u)-$service-0-$(hostname).log"
log_setting=(
  "-Dlog.file=$log"
  "-Dlog4j.configuration=file:$FLINK_CONF_DIR/log4j-console.properties"
  "-Dlog4j.configurationFile=file:$FLINK_CONF_DIR/log4j-console.properties"
  "-Dlogback.configurationFile=file:$FLINK_CONF_DIR/logback-console.xml"
)
all_opts=$(read_config env.java.opts.all)
echo "Starting $service as a console application on host $(hostname)."
# shellcheck disable=SC2086 # JVM_ARGS and the env.java.opts.* values are word lists, as in Flink's scripts
exec java ${JVM_ARGS:-} $all_opts $role_opts "${log_setting[@]}" -classpath "$classpath" "$class" "$@"

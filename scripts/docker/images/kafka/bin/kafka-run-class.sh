#!/usr/bin/env bash
# Look-alike of Kafka's bin/kafka-run-class.sh: runs a class on /opt/kafka/libs with the variables the
# real script honours (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS, KAFKA_LOG4J_OPTS,
# KAFKA_JMX_OPTS/JMX_PORT, LOG_DIR) and its -name/-loggc/-daemon options. No set -e: like the original,
# it only assembles a command line and execs java.
base_dir=$(cd "$(dirname "$0")/.." && pwd)

daemon_mode=false
while [ $# -gt 0 ]; do
  case "$1" in
    -name) shift 2 ;;  # names the daemon's console file in the original; nothing to name here
    -loggc) shift ;;   # GC logging is off unless KAFKA_GC_LOG_OPTS asks for it
    -daemon) daemon_mode=true; shift ;;
    *) break ;;
  esac
done

LOG_DIR=${LOG_DIR:-$base_dir/logs}
mkdir -p "$LOG_DIR" 2>/dev/null || true

# Defaults of the original script: a small heap for tools; brokers get theirs from kafka-server-start.sh.
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx256M}
KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}
if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
  # Tools log to stderr only (the image's tools-log4j config), so their stdout stays parseable.
  if [ -f "$base_dir/config/tools-log4j2.yaml" ]; then
    KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml"
  else
    KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/config/tools-log4j.properties"
  fi
fi
if [ -n "${JMX_PORT:-}" ] && [ -z "${KAFKA_JMX_OPTS:-}" ]; then
  KAFKA_JMX_OPTS="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false -Dcom.sun.management.jmxremote.port=$JMX_PORT"
fi

# shellcheck disable=SC2086 # the *_OPTS variables are word lists, as in the original
if [ "$daemon_mode" = true ]; then
  nohup java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} ${KAFKA_JMX_OPTS:-} \
    -Dkafka.logs.dir="$LOG_DIR" $KAFKA_LOG4J_OPTS -cp "$base_dir/libs/*" ${KAFKA_OPTS:-} "$@" \
    >"$LOG_DIR/kafka.out" 2>&1 </dev/null &
else
  exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} ${KAFKA_JMX_OPTS:-} \
    -Dkafka.logs.dir="$LOG_DIR" $KAFKA_LOG4J_OPTS -cp "$base_dir/libs/*" ${KAFKA_OPTS:-} "$@"
fi

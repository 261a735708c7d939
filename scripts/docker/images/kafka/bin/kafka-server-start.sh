#!/usr/bin/env bash
# Look-alike of Kafka's bin/kafka-server-start.sh: the broker (kafka.Kafka) with the server logging
# config and the original's 1 GiB default heap, unless KAFKA_HEAP_OPTS / KAFKA_LOG4J_OPTS say otherwise.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
base_dir=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
  if [ -f "$base_dir/config/log4j2.yaml" ]; then
    export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/log4j2.yaml"
  else
    export KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/config/log4j.properties"
  fi
fi
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
extra_args=(-name kafkaServer -loggc)
if [ "${1:-}" = "-daemon" ]; then
  extra_args+=(-daemon)
  shift
fi
exec "$base_dir/bin/kafka-run-class.sh" "${extra_args[@]}" kafka.Kafka "$@"

#!/usr/bin/env bash
# Look-alike of ZooKeeper's bin/zkServer.sh (with zkEnv.sh) for the lab image: `start-foreground`
# runs QuorumPeerMain on $ZOOCFGDIR/zoo.cfg with the original's JVM settings (ZK_SERVER_HEAP MB,
# default 1000, then JVMFLAGS / SERVER_JVMFLAGS, so a user -Xmx wins); `status` asks the running
# server with the `srvr` four-letter word (allowed by default) and prints its Mode; `version` prints
# the jar's version. Daemon start/stop (`start`, `stop`, `restart`) are not reproduced.
ZOOBINDIR=$(cd "$(dirname "$0")" && pwd)
ZOOKEEPER_PREFIX=$(dirname "$ZOOBINDIR")
ZOOCFGDIR=${ZOOCFGDIR:-$ZOOKEEPER_PREFIX/conf}
ZOOCFG=${ZOOCFG:-zoo.cfg}
ZOOCFG="$ZOOCFGDIR/$ZOOCFG"
ZOO_LOG_DIR=${ZOO_LOG_DIR:-$ZOOKEEPER_PREFIX/logs}
ZK_SERVER_HEAP=${ZK_SERVER_HEAP:-1000}
# The config dir comes first: logback.xml is found on the classpath there.
CLASSPATH="$ZOOCFGDIR:$ZOOKEEPER_PREFIX/lib/*"

client_port() {
  local port
  port=$(sed -n 's/^[[:space:]]*clientPort[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$ZOOCFG" | tail -1)
  if [ -z "$port" ]; then
    # Dynamic-config form: server.N=host:peer:election[:role];[addr:]clientPort
    port=$(sed -n 's/^server\.[0-9]*=.*;\(.*:\)\{0,1\}\([0-9]*\)[[:space:]]*$/\2/p' "$ZOOCFG" | head -1)
  fi
  echo "${port:-2181}"
}

case "${1:-}" in
  start-foreground)
    echo "ZooKeeper JMX enabled by default" >&2
    echo "Using config: $ZOOCFG" >&2
    # shellcheck disable=SC2086 # JVMFLAGS and SERVER_JVMFLAGS are word lists, as in the original
    exec java "-Dzookeeper.log.dir=$ZOO_LOG_DIR" "-Dzookeeper.log.file=zookeeper-$(id -un)-server-$(hostname).log" \
      -XX:+HeapDumpOnOutOfMemoryError -XX:OnOutOfMemoryError='kill -9 %p' \
      -cp "$CLASSPATH" "-Xmx${ZK_SERVER_HEAP}m" ${SERVER_JVMFLAGS:-} ${JVMFLAGS:-} \
      org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZOOCFG"
    ;;
  status)
    echo "Using config: $ZOOCFG" >&2
    port=$(client_port)
    echo "Client port found: $port. Client address: localhost." >&2
    # shellcheck disable=SC2016 # $0 is the inner shell's argument (the port)
    answer=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0 && printf srvr >&3 && cat <&3' "$port" 2>/dev/null) || true
    mode=$(printf '%s\n' "$answer" | sed -n 's/^Mode: //p')
    if [ -z "$mode" ]; then
      echo "Error contacting service. It is probably not running." >&2
      exit 1
    fi
    echo "Mode: $mode"
    ;;
  version)
    # shellcheck disable=SC2086
    exec java -cp "$CLASSPATH" ${JVMFLAGS:-} org.apache.zookeeper.version.VersionInfoMain
    ;;
  *)
    echo "Usage: $0 {start-foreground|status|version}" >&2
    exit 1
    ;;
esac

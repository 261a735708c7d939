# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016
# Shared settings and helpers for scripts/services/{install,services}.sh. Sourced, not executed.
#
# Everything this writes lives OUTSIDE the repository:
#   SVC_CACHE_DIR  jars + private Maven repo  (default ${XDG_CACHE_HOME:-$HOME/.cache}/tidb-cdc-pipeline/services)
#   SVC_RUN_DIR    configs, data, logs, pids  (default ${TMPDIR:-/tmp}/tidb-cdc-pipeline-services)

SVC_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SVC_REPO_ROOT="$(cd "$SVC_SCRIPT_DIR/../.." && pwd)"

SVC_CACHE_DIR="${SVC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tidb-cdc-pipeline/services}"
SVC_RUN_DIR="${SVC_RUN_DIR:-${TMPDIR:-/tmp}/tidb-cdc-pipeline-services}"
SVC_MAVEN_REPO="${SVC_MAVEN_REPO:-$SVC_CACHE_DIR/m2}"
SVC_HOST=127.0.0.1
SVC_START_TIMEOUT="${SVC_START_TIMEOUT:-120}"

# Pinned distributions: one committed POM each (scripts/services/poms/<dist>.pom.xml).
SVC_KAFKA_DIST=kafka-4.3.1    # KRaft broker
SVC_KAFKA_ZK_DIST=kafka-3.9.2 # ZooKeeper-mode broker + the ZooKeeper 3.8.4 server it bundles
SVC_FLINK_DIST=flink-2.2.1    # JobManager, TaskManager, SQL Gateway, Kafka SQL connector 5.0.0-2.2

# Loopback ports (all overridable).
SVC_KAFKA_PORT="${SVC_KAFKA_PORT:-19092}"
SVC_KAFKA_CONTROLLER_PORT="${SVC_KAFKA_CONTROLLER_PORT:-19093}"
SVC_ZK_PORT="${SVC_ZK_PORT:-21810}"
SVC_KAFKA_ZK_PORT="${SVC_KAFKA_ZK_PORT:-19192}"
SVC_FLINK_REST_PORT="${SVC_FLINK_REST_PORT:-18081}"
SVC_FLINK_GATEWAY_PORT="${SVC_FLINK_GATEWAY_PORT:-18083}"
SVC_FLINK_RPC_PORT="${SVC_FLINK_RPC_PORT:-16123}"
SVC_FLINK_BLOB_PORT="${SVC_FLINK_BLOB_PORT:-16124}"
SVC_FLINK_TM_RPC_PORT="${SVC_FLINK_TM_RPC_PORT:-16125}"
SVC_MARIADB_PORT="${SVC_MARIADB_PORT:-13306}"
# MariaDB (a MySQL-protocol stand-in for TiDB's SQL port): Debian's mariadb-server package, not Maven.
# The root password is for these loopback test servers only.
SVC_MARIADB_ROOT_PASSWORD="${SVC_MARIADB_ROOT_PASSWORD:-svc-test-root}"

# Heap sizes (all overridable).
SVC_KAFKA_HEAP="${SVC_KAFKA_HEAP:-512m}"
SVC_ZK_HEAP="${SVC_ZK_HEAP:-256m}"
SVC_FLINK_JM_HEAP="${SVC_FLINK_JM_HEAP:-768m}"
SVC_FLINK_TM_PROCESS_SIZE="${SVC_FLINK_TM_PROCESS_SIZE:-1536m}"
SVC_FLINK_TM_SLOTS="${SVC_FLINK_TM_SLOTS:-4}"
SVC_FLINK_GATEWAY_HEAP="${SVC_FLINK_GATEWAY_HEAP:-768m}"

svc_log() { printf '[services] %s\n' "$*" >&2; }
svc_die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}
svc_now() { date +%s.%N; }
svc_elapsed() { awk -v a="$1" -v b="$(svc_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Refuse to put caches or runtime state inside the checkout.
svc_assert_outside_repo() {
  local p repo
  repo="$(realpath -m "$SVC_REPO_ROOT")"
  for p in "$SVC_CACHE_DIR" "$SVC_RUN_DIR" "$SVC_MAVEN_REPO"; do
    case "$(realpath -m "$p")/" in
      "$repo/"*) svc_die "$p is inside the repository; point SVC_CACHE_DIR/SVC_RUN_DIR/SVC_MAVEN_REPO elsewhere" ;;
    esac
    mkdir -p "$p"
  done
}

svc_require_java() {
  command -v java >/dev/null || svc_die "java not found (JDK 17+ required)"
  local v
  v="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2 }')"
  [[ "${v%%.*}" -ge 17 ]] 2>/dev/null || svc_die "Java 17+ required, found specification version '$v'"
}

svc_lib_dir() { printf '%s/%s/lib' "$SVC_CACHE_DIR" "$1"; }

# ---- processes ---------------------------------------------------------------------------------
# Every JVM we start carries -Dtidb.cdc.pipeline.service=<tag> (mariadbd: the ignored option
# --loose-tidb-cdc-pipeline-service=<tag>) so a pid file is only trusted when the process behind it
# really is ours (no killing of recycled pids).

svc_pid_alive() { # pidfile tag
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1" 2>/dev/null)"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" |
    grep -Eq -- "(-Dtidb\.cdc\.pipeline\.service|--loose-tidb-cdc-pipeline-service)=$2 "
}

svc_spawn() { # pidfile tag outfile cmd...
  local pidfile="$1" tag="$2" out="$3"
  shift 3
  # Runs in the service's run dir (relative paths land there), in its own session, detached from the
  # caller's stdin/stdout; fds 8/9 are the services/install locks: the daemon must not inherit them.
  (cd "$(dirname "$pidfile")" && exec setsid nohup "$@" >"$out" 2>&1 </dev/null 8>&- 9>&-) &
  echo $! >"$pidfile"
  svc_log "started $tag (pid $!)"
}

svc_kill() { # pidfile tag
  local pidfile="$1" tag="$2" pid
  if ! svc_pid_alive "$pidfile" "$tag"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    [[ -d "/proc/$pid" ]] || break
    sleep 0.2
  done
  if [[ -d "/proc/$pid" ]]; then
    svc_log "$tag (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  svc_log "stopped $tag (pid $pid)"
}

svc_port_open() { (exec 3<>"/dev/tcp/$SVC_HOST/$1") 2>/dev/null; }

svc_assert_port_free() { # port what
  if svc_port_open "$1"; then
    svc_die "port $SVC_HOST:$1 ($2) is already in use by something this script did not start"
  fi
}

# wait_until <timeout-s> <description> <pidfile> <tag> <command...>: polls the command every 0.5 s,
# fails early if the process died.
svc_wait_until() {
  local timeout="$1" what="$2" pidfile="$3" tag="$4" t0
  shift 4
  t0="$(svc_now)"
  while ! "$@" >/dev/null 2>&1; do
    if ! svc_pid_alive "$pidfile" "$tag"; then
      svc_die "$tag died while waiting for: $what (see logs under $(dirname "$pidfile"))"
    fi
    if awk -v a="$t0" -v b="$(svc_now)" -v t="$timeout" 'BEGIN { exit !(b - a > t) }'; then
      svc_die "timed out after ${timeout}s waiting for: $what (see logs under $(dirname "$pidfile"))"
    fi
    sleep 0.5
  done
}

# ---- protocol probes (no client libraries needed) ----------------------------------------------

# Kafka Metadata v0 request over /dev/tcp. Succeeds when the broker answers with >= 1 broker;
# prints "<correlation-id> <broker-count>". Metadata v0 is accepted by 2.x, 3.x and 4.x brokers.
svc_kafka_metadata() { # port
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    # size=19 | api_key=3 (Metadata) | api_version=0 | correlation_id=7 | client_id="probe" | topics=[] (all)
    printf "\x00\x00\x00\x13\x00\x03\x00\x00\x00\x00\x00\x07\x00\x05probe\x00\x00\x00\x00" >&3
    head -c 12 <&3 | od -An -tu1 -v
  ' "$SVC_HOST" "$1" | awk '{ for (i = 1; i <= NF; i++) b[n++] = $i }
    END {
      if (n < 12) exit 1
      corr = b[7] + 256 * (b[6] + 256 * (b[5] + 256 * b[4]))
      brokers = b[11] + 256 * (b[10] + 256 * (b[9] + 256 * b[8]))
      if (corr != 7 || brokers < 1 || brokers > 1000) exit 1
      print corr, brokers
    }'
}

# Kafka ApiVersions v0: succeeds when error_code == 0.
svc_kafka_apiversions() { # port
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    # size=15 | api_key=18 (ApiVersions) | api_version=0 | correlation_id=9 | client_id="probe"
    printf "\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x09\x00\x05probe" >&3
    head -c 10 <&3 | od -An -tu1 -v
  ' "$SVC_HOST" "$1" | awk '{ for (i = 1; i <= NF; i++) b[n++] = $i }
    END { if (n < 10 || b[7] != 9 || b[8] != 0 || b[9] != 0) exit 1 }'
}

svc_kafka_ready() { svc_kafka_apiversions "$1" && svc_kafka_metadata "$1"; }

# ZooKeeper four-letter word "srvr" (whitelisted by default); succeeds when the server reports a Mode.
svc_zk_4lw() { # port word: a ZooKeeper four-letter-word command over /dev/tcp
  timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1; printf "$2" >&3; cat <&3' "$SVC_HOST" "$1" "$2"
}
svc_zk_srvr() { svc_zk_4lw "$1" srvr; }
svc_zk_ready() { svc_zk_srvr "$1" | grep -q '^Mode: '; }

svc_flink_ready() { # rest-port: >= 1 TaskManager with free slots
  curl -sf --max-time 3 "http://$SVC_HOST:$1/overview" |
    grep -Eq '"taskmanagers":[1-9][0-9]*,.*"slots-available":[1-9]'
}
# MariaDB: `mariadb-admin ping` over TCP with the test root password (exit 0 = the server answers).
svc_mariadb_ready() { # port
  mariadb-admin --no-defaults --protocol=tcp -h "$SVC_HOST" -P "$1" -uroot -p"$SVC_MARIADB_ROOT_PASSWORD" \
    --connect-timeout=3 ping >/dev/null 2>&1
}

svc_gateway_ready() { curl -sf --max-time 3 "http://$SVC_HOST:$1/v1/info" | grep -q '"productName"'; }

# JDK 17 module flags Flink's own scripts add from config.yaml's env.java.opts.all.
SVC_FLINK_JVM_OPENS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

# svc_single_status <name> <pidfile> <port> <ready-check...>: one line on a single-process
# service (ready / running but not ready / stopped); exit 0 only when ready.
svc_single_status() {
  local name=$1 pidfile=$2 port=$3
  shift 3
  if svc_pid_alive "$pidfile" "$name"; then
    if "$@" >/dev/null 2>&1; then
      echo "$name: ready (pid $(cat "$pidfile"), $SVC_HOST:$port)"
      return 0
    fi
    echo "$name: running but not ready (pid $(cat "$pidfile"))"
    return 1
  fi
  echo "$name: stopped"
  return 1
}

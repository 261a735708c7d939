#!/usr/bin/env bash
# Resolve the jars of the local test services from Maven Central into the cache (outside the repo).
#
#   scripts/services/install.sh [all|kafka|kafka-zk|zookeeper|flink]...   (default: all)
#
# Idempotent: each distribution is (re)built only when its committed POM changed (sha256 stamp) or its
# lib dir is missing; a warm run does not start Maven at all. Resolution goes through a private Maven
# repository under the cache (SVC_MAVEN_REPO), then `dependency:copy-dependencies` into a fresh lib dir
# that replaces the old one atomically. Extra Maven flags (e.g. `-s settings.xml`, `-o`): SVC_MAVEN_ARGS.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

svc_install_dist() { # dist
  local dist="$1" pom stamp want have lib tmp t0 n size
  pom="$SVC_SCRIPT_DIR/poms/$dist.pom.xml"
  [[ -f "$pom" ]] || svc_die "no POM for $dist at $pom"
  lib="$(svc_lib_dir "$dist")"
  stamp="$SVC_CACHE_DIR/$dist/.installed"
  want="$(sha256sum "$pom" | cut -c1-64)"
  have="$(cat "$stamp" 2>/dev/null || true)"
  if [[ "$want" == "$have" && -d "$lib" ]]; then
    svc_log "$dist: up to date ($(find "$lib" -name '*.jar' | wc -l) jars, $(du -sh "$lib" | cut -f1)) in $lib"
    return 0
  fi
  command -v mvn >/dev/null || svc_die "mvn not found (Maven 3.8+ required)"
  t0="$(svc_now)"
  tmp="$SVC_CACHE_DIR/$dist/lib.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  svc_log "$dist: resolving $pom (Maven repo $SVC_MAVEN_REPO)"
  # shellcheck disable=SC2086
  if ! mvn -B -q -Dmaven.repo.local="$SVC_MAVEN_REPO" ${SVC_MAVEN_ARGS:-} -f "$pom" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
    >"$SVC_CACHE_DIR/$dist/mvn.log" 2>&1; then
    tail -40 "$SVC_CACHE_DIR/$dist/mvn.log" >&2
    rm -rf "$tmp"
    svc_die "$dist: Maven resolution failed (full log: $SVC_CACHE_DIR/$dist/mvn.log)"
  fi
  rm -rf "$lib"
  mv "$tmp" "$lib"
  echo "$want" >"$stamp"
  n="$(find "$lib" -name '*.jar' | wc -l)"
  size="$(du -sh "$lib" | cut -f1)"
  svc_log "$dist: installed $n jars ($size) into $lib in $(svc_elapsed "$t0") s"
}

# MariaDB comes from Debian (apt), not Maven: installed when missing and running as root.
svc_install_mariadb() {
  if [[ -x /usr/sbin/mariadbd || -n "$(command -v mariadbd 2>/dev/null)" ]] &&
    command -v mariadb-install-db >/dev/null && command -v mariadb-admin >/dev/null; then
    svc_log "mariadb: $(/usr/sbin/mariadbd --version 2>/dev/null || mariadbd --version) (Debian package)"
    return 0
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    svc_die "mariadb: mariadbd/mariadb-install-db/mariadb-admin not found; install Debian's mariadb-server as root (apt-get install -y mariadb-server) and retry"
  fi
  command -v apt-get >/dev/null || svc_die "mariadb: not installed and apt-get not found; install a MariaDB server (mariadbd, mariadb-install-db, mariadb-admin) by hand"
  local t0
  t0="$(svc_now)"
  svc_log "mariadb: installing Debian's mariadb-server (apt-get)"
  mkdir -p "$SVC_CACHE_DIR/mariadb"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server mariadb-client; } \
    >"$SVC_CACHE_DIR/mariadb/apt.log" 2>&1; then
    tail -20 "$SVC_CACHE_DIR/mariadb/apt.log" >&2
    svc_die "mariadb: apt-get install mariadb-server failed (log: $SVC_CACHE_DIR/mariadb/apt.log)"
  fi
  svc_log "mariadb: installed in $(svc_elapsed "$t0") s"
}

main() {
  local targets=("$@") t dists=() d seen=" "
  [[ ${#targets[@]} -gt 0 ]] || targets=(all)
  for t in "${targets[@]}"; do
    case "$t" in
      all) dists+=("$SVC_KAFKA_DIST" "$SVC_KAFKA_ZK_DIST" "$SVC_FLINK_DIST") ;;
      kafka) dists+=("$SVC_KAFKA_DIST") ;;
      kafka-zk | zookeeper) dists+=("$SVC_KAFKA_ZK_DIST") ;;
      flink) dists+=("$SVC_FLINK_DIST") ;;
      mariadb) dists+=(mariadb) ;;
      *) svc_die "unknown target '$t' (expected all|kafka|kafka-zk|zookeeper|flink|mariadb)" ;;
    esac
  done
  svc_assert_outside_repo
  # Serialise concurrent installs (e.g. parallel test workers) on one cache.
  exec 9>"$SVC_CACHE_DIR/.install.lock"
  flock -w 900 9 || svc_die "timed out waiting for $SVC_CACHE_DIR/.install.lock"
  local t0
  t0="$(svc_now)"
  for d in "${dists[@]}"; do
    [[ "$seen" == *" $d "* ]] && continue
    seen+="$d "
    if [[ "$d" == mariadb ]]; then
      svc_install_mariadb
      continue
    fi
    mkdir -p "$SVC_CACHE_DIR/$d"
    svc_install_dist "$d"
  done
  svc_log "install done in $(svc_elapsed "$t0") s (cache: $SVC_CACHE_DIR)"
}

main "$@"

#!/usr/bin/env bash
# A Docker engine and the local look-alike images for the lab stack's container test
# (test/integration/lab-containers.test.ts). No image registry is reachable here, so every image is
# built locally: a Debian base by debootstrap (+ a headless JRE 17) imported with `docker import`,
# then images FROM it that present the interface of the official `zookeeper`, `apache/kafka` and
# `flink` images, and a TiCDC stand-in running the project's TiCDC Open API emulator.
#
#   scripts/docker/setup.sh            install docker.io if missing, start dockerd if no engine answers,
#                                      build the images that are missing or out of date
#   scripts/docker/setup.sh --check    exit 0 when the engine answers and every image is up to date
#   scripts/docker/setup.sh --images   print the images (tag and recipe) and exit
#
# Idempotent: each image carries a label with the hash of its recipe (its files here, its POM, the
# base it is built on); an image whose label matches is not rebuilt, so a warm run takes seconds.
# Everything it writes lives outside the repository:
#   LAB_DOCKER_CACHE  rootfs tarball, build contexts, logs   (${XDG_CACHE_HOME:-$HOME/.cache}/tidb-cdc-pipeline/docker)
#   LAB_DOCKER_RUN    dockerd's log when this script started it (${TMPDIR:-/tmp}/tidb-cdc-pipeline-docker)
#   SVC_CACHE_DIR     the Maven repository and jars shared with scripts/services (reused, not copied)
# See scripts/docker/README.md for the images and how they differ from the official ones.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
# The Maven cache, the pinned Flink POM and the install lock of scripts/services are shared.
# shellcheck source=scripts/services/lib.sh
source "$REPO_ROOT/scripts/services/lib.sh"

LAB_DOCKER_CACHE="${LAB_DOCKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tidb-cdc-pipeline/docker}"
LAB_DOCKER_RUN="${LAB_DOCKER_RUN:-${TMPDIR:-/tmp}/tidb-cdc-pipeline-docker}"
# The engine's socket; DOCKER_HOST=unix:///path is honoured, as by the docker CLI and the test.
case "${DOCKER_HOST:-}" in
  unix://*) LAB_DOCKER_SOCKET="${DOCKER_HOST#unix://}" ;;
  "") LAB_DOCKER_SOCKET=/var/run/docker.sock ;;
  *) echo "[lab-images] ERROR: DOCKER_HOST=$DOCKER_HOST: only unix:// sockets are supported" >&2 && exit 1 ;;
esac
LAB_DEBIAN_SUITE="${LAB_DEBIAN_SUITE:-bookworm}"
LAB_DEBIAN_MIRROR="${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Certificates the host trusts beyond Debian's bundle (Debian's place for local CAs). Containers
# download connector jars over HTTPS; behind a TLS-inspecting egress proxy they need the same trust.
LAB_EXTRA_CA_DIR="${LAB_EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"

IMAGE_PREFIX=tidb-cdc-pipeline-lab
RECIPE_LABEL=io.tidb-cdc-pipeline.lab.recipe
# What the dev stack runs (Pulumi.dev.yaml and its ZooKeeper-mode variant): the tags must match the
# official images' tags, because the test maps `<official>:<tag>` to `$IMAGE_PREFIX/<name>:<tag>`.
KAFKA_VERSIONS=(4.3.1 3.9.2)
ZOOKEEPER_VERSION=3.9.5
FLINK_VERSION=2.2.1
TICDC_VERSION=v8.5.7
# Packages of the base: a headless JRE 17 (what the zookeeper and flink java17 images run), the
# tools the lab's commands and health checks call (bash, curl, wget, sha256sum, mktemp, chroot), gosu
# for the zookeeper entrypoint, gettext-base (envsubst) for the flink entrypoint, libstdc++ for Node.
BASE_PACKAGES=openjdk-17-jre-headless,ca-certificates,curl,wget,netcat-openbsd,procps,gosu,gettext-base,libstdc++6
BASE_TAG="$IMAGE_PREFIX/base:$LAB_DEBIAN_SUITE-jre17"

log() { printf '[lab-images] %s\n' "$*" >&2; }
die() {
  printf '[lab-images] ERROR: %s\n' "$*" >&2
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
sha() { sha256sum | cut -c1-16; }

# Hash of files (paths and contents), for recipes.
hash_files() {
  local f
  for f in "$@"; do
    printf '%s\n' "${f#"$REPO_ROOT"/}"
    cat "$f"
  done | sha
}

assert_outside_repo() {
  local p repo
  repo="$(realpath -m "$REPO_ROOT")"
  for p in "$LAB_DOCKER_CACHE" "$LAB_DOCKER_RUN"; do
    case "$(realpath -m "$p")/" in
      "$repo/"*) die "$p is inside the repository; point LAB_DOCKER_CACHE/LAB_DOCKER_RUN elsewhere" ;;
    esac
    mkdir -p "$p"
  done
}

# ---- the engine ---------------------------------------------------------------------------------

# Debian's CLI matches Debian's engine; any other docker CLI on PATH negotiates the API version too.
docker_cli() {
  if [[ -x /usr/bin/docker ]]; then echo /usr/bin/docker; else command -v docker || true; fi
}

engine_answers() {
  curl -sf --max-time 3 --unix-socket "$LAB_DOCKER_SOCKET" http://localhost/_ping >/dev/null 2>&1
}

install_docker() {
  if command -v dockerd >/dev/null 2>&1 || [[ -x /usr/sbin/dockerd ]]; then return 0; fi
  [[ "$(id -u)" -eq 0 ]] || die "dockerd is not installed; as root: apt-get install -y docker.io (or run this script as root)"
  command -v apt-get >/dev/null || die "dockerd is not installed and apt-get is missing; install a Docker engine by hand"
  local t0
  t0="$(now)"
  log "installing Debian's docker.io (apt-get)"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io; } \
    >"$LAB_DOCKER_CACHE/apt-docker.log" 2>&1; then
    tail -20 "$LAB_DOCKER_CACHE/apt-docker.log" >&2
    die "apt-get install docker.io failed (log: $LAB_DOCKER_CACHE/apt-docker.log)"
  fi
  log "docker.io installed in $(elapsed "$t0") s"
}

# No systemd here (nor on CI): when nothing answers on the socket, start dockerd ourselves, in its
# own session so it outlives this script, logging to a file under /tmp.
start_engine() {
  if engine_answers; then
    log "Docker engine answers on $LAB_DOCKER_SOCKET"
    return 0
  fi
  [[ "$(id -u)" -eq 0 ]] || die "no Docker engine answers on $LAB_DOCKER_SOCKET and starting dockerd needs root"
  local dockerd t0
  dockerd="$(command -v dockerd || echo /usr/sbin/dockerd)"
  mkdir -p "$LAB_DOCKER_RUN"
  t0="$(now)"
  log "starting $dockerd (log: $LAB_DOCKER_RUN/dockerd.log)"
  (setsid nohup "$dockerd" --host="unix://$LAB_DOCKER_SOCKET" >>"$LAB_DOCKER_RUN/dockerd.log" 2>&1 </dev/null 8>&- 9>&- &
    echo $! >"$LAB_DOCKER_RUN/dockerd.pid")
  for _ in $(seq 1 120); do
    engine_answers && break
    if ! kill -0 "$(cat "$LAB_DOCKER_RUN/dockerd.pid")" 2>/dev/null; then
      tail -25 "$LAB_DOCKER_RUN/dockerd.log" >&2
      die "dockerd exited during start-up (log: $LAB_DOCKER_RUN/dockerd.log)"
    fi
    sleep 0.5
  done
  engine_answers || die "dockerd did not answer within 60 s (log: $LAB_DOCKER_RUN/dockerd.log)"
  log "dockerd (pid $(cat "$LAB_DOCKER_RUN/dockerd.pid")) answers after $(elapsed "$t0") s"
}

# ---- images -------------------------------------------------------------------------------------

image_recipe() { # tag -> the recipe label of the local image, empty when there is none
  "$DOCKER" image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true
}

# docker build with the classic builder: it takes FROM images from the local store and never pulls
# (BuildKit would try to resolve the base in a registry). Old builds of the tag are pruned after.
build_image() { # tag recipe context [build-arg...]
  local tag="$1" recipe="$2" context="$3" t0
  shift 3
  local args=()
  for a in "$@"; do args+=(--build-arg "$a"); done
  t0="$(now)"
  if ! DOCKER_BUILDKIT=0 "$DOCKER" build --pull=false --label "$RECIPE_LABEL=$recipe" -t "$tag" \
    "${args[@]}" "$context" >"$LAB_DOCKER_CACHE/logs/build-${tag//[\/:]/_}.log" 2>&1; then
    tail -30 "$LAB_DOCKER_CACHE/logs/build-${tag//[\/:]/_}.log" >&2
    die "docker build $tag failed (log: $LAB_DOCKER_CACHE/logs/build-${tag//[\/:]/_}.log)"
  fi
  "$DOCKER" image prune -f --filter "label=$RECIPE_LABEL" >/dev/null 2>&1 || true
  # The context is a copy of what is now in the image.
  rm -rf "$context"
  log "built $tag in $(elapsed "$t0") s ($("$DOCKER" image inspect --format '{{ .Size }}' "$tag" | awk '{ printf "%d MB", $1 / 1e6 }'))"
}

# Runtime classpath of a POM into a directory, through the Maven repository scripts/services uses
# (so jars it already has are not downloaded again), under its install lock.
resolve_pom() { # pom output-dir
  local pom="$1" out="$2" t0
  t0="$(now)"
  command -v mvn >/dev/null || die "mvn not found (Maven resolves the images' jars from Maven Central)"
  rm -rf "$out"
  mkdir -p "$out" "$SVC_CACHE_DIR"
  (
    exec 9>"$SVC_CACHE_DIR/.install.lock"
    flock -w 900 9 || die "timed out waiting for $SVC_CACHE_DIR/.install.lock"
    # shellcheck disable=SC2086 # SVC_MAVEN_ARGS is a word list
    mvn -B -q -Dmaven.repo.local="$SVC_MAVEN_REPO" ${SVC_MAVEN_ARGS:-} -f "$pom" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out" \
      >"$LAB_DOCKER_CACHE/logs/mvn-$(basename "$pom" .pom.xml).log" 2>&1
  ) || {
    tail -30 "$LAB_DOCKER_CACHE/logs/mvn-$(basename "$pom" .pom.xml).log" >&2
    die "Maven could not resolve $pom"
  }
  log "resolved $(basename "$pom"): $(find "$out" -name '*.jar' | wc -l) jars in $(elapsed "$t0") s"
}

new_context() { # name -> a fresh, empty build context directory
  local dir="$LAB_DOCKER_CACHE/build/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

base_recipe() {
  local cas=()
  if [[ -d "$LAB_EXTRA_CA_DIR" ]]; then
    mapfile -t cas < <(find "$LAB_EXTRA_CA_DIR" -maxdepth 1 -name '*.crt' | LC_ALL=C sort)
  fi
  {
    echo "base v1 $LAB_DEBIAN_SUITE $BASE_PACKAGES"
    hash_files "${cas[@]}"
  } | sha
}

# debootstrap (minbase + the packages above) into a rootfs tarball, cached; then `docker import`.
build_base() {
  local recipe tarball rootfs t0
  recipe="$(base_recipe)"
  if [[ "$(image_recipe "$BASE_TAG")" == "$recipe" ]]; then
    log "$BASE_TAG: up to date"
    BASE_RECIPE="$recipe"
    return 0
  fi
  tarball="$LAB_DOCKER_CACHE/base/rootfs-$recipe.tar"
  if [[ ! -s "$tarball" ]]; then
    [[ "$(id -u)" -eq 0 ]] || die "building the base rootfs (debootstrap) needs root"
    if ! command -v debootstrap >/dev/null 2>&1; then
      log "installing debootstrap (apt-get)"
      { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap; } \
        >"$LAB_DOCKER_CACHE/logs/apt-debootstrap.log" 2>&1 || die "apt-get install debootstrap failed"
    fi
    t0="$(now)"
    rootfs="$LAB_DOCKER_CACHE/base/rootfs.tmp"
    rm -rf "$rootfs" "$LAB_DOCKER_CACHE"/base/rootfs-*.tar
    mkdir -p "$rootfs"
    log "debootstrap $LAB_DEBIAN_SUITE (minbase + $BASE_PACKAGES) from $LAB_DEBIAN_MIRROR"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$LAB_DEBIAN_SUITE" "$rootfs" "$LAB_DEBIAN_MIRROR" \
      >"$LAB_DOCKER_CACHE/logs/debootstrap.log" 2>&1 || {
      tail -30 "$LAB_DOCKER_CACHE/logs/debootstrap.log" >&2
      die "debootstrap failed (log: $LAB_DOCKER_CACHE/logs/debootstrap.log)"
    }
    if compgen -G "$LAB_EXTRA_CA_DIR/*.crt" >/dev/null; then
      mkdir -p "$rootfs/usr/local/share/ca-certificates"
      cp "$LAB_EXTRA_CA_DIR"/*.crt "$rootfs/usr/local/share/ca-certificates/"
      chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates in the rootfs failed"
      log "trusting the host's extra CA certificates from $LAB_EXTRA_CA_DIR"
    fi
    # Temurin's JAVA_HOME, which the official images set; the JRE itself is Debian's.
    mkdir -p "$rootfs/opt/java"
    ln -sfn /usr/lib/jvm/java-17-openjdk-amd64 "$rootfs/opt/java/openjdk"
    # Package caches and docs only make the image bigger.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
      "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
    tar -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
    log "base rootfs built in $(elapsed "$t0") s ($(du -h "$tarball" | cut -f1))"
  fi
  t0="$(now)"
  "$DOCKER" import \
    --change "ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV JAVA_HOME=/opt/java/openjdk" \
    --change "ENV LANG=C.UTF-8" \
    --change "LABEL $RECIPE_LABEL=$recipe" \
    --change 'CMD ["bash"]' \
    "$tarball" "$BASE_TAG" >/dev/null
  "$DOCKER" image prune -f --filter "label=$RECIPE_LABEL" >/dev/null 2>&1 || true
  log "imported $BASE_TAG in $(elapsed "$t0") s"
  BASE_RECIPE="$recipe"
}

# The recipe of an image: the base's, this script's, and the files that go into it.
recipe_of() { # name files...
  local name="$1"
  shift
  { echo "$name $BASE_RECIPE"; hash_files "$SCRIPT_DIR/setup.sh" "$@"; } | sha
}

files_under() { find "$@" -type f | LC_ALL=C sort; }

build_zookeeper() {
  local tag="$IMAGE_PREFIX/zookeeper:$ZOOKEEPER_VERSION" pom="$SCRIPT_DIR/poms/zookeeper-$ZOOKEEPER_VERSION.pom.xml"
  local recipe ctx files
  mapfile -t files < <(files_under "$SCRIPT_DIR/images/zookeeper" "$pom")
  recipe="$(recipe_of zookeeper "${files[@]}")"
  if [[ "$(image_recipe "$tag")" == "$recipe" ]]; then
    log "$tag: up to date"
    return 0
  fi
  ctx="$(new_context "zookeeper-$ZOOKEEPER_VERSION")"
  cp -r "$SCRIPT_DIR/images/zookeeper/." "$ctx/"
  mkdir -p "$ctx/apache-zookeeper-bin"
  mv "$ctx/bin" "$ctx/apache-zookeeper-bin/bin"
  resolve_pom "$pom" "$ctx/apache-zookeeper-bin/lib"
  # Native TLS libraries for other platforms are dead weight on linux/amd64.
  find "$ctx/apache-zookeeper-bin/lib" \( -name '*-osx-*.jar' -o -name '*-windows-*.jar' -o -name '*-linux-aarch_64.jar' \) \
    -delete
  build_image "$tag" "$recipe" "$ctx" "BASE_IMAGE=$BASE_TAG" "ZOOKEEPER_VERSION=$ZOOKEEPER_VERSION"
}

# bin/ wrappers of one Kafka line: `name class` pairs. Each is checked against the jars below, so a
# class that moved between releases fails the build instead of the health check.
kafka_tools() { # version
  case "$1" in
    3.*)
      echo "kafka-storage.sh kafka.tools.StorageTool"
      echo "kafka-broker-api-versions.sh kafka.admin.BrokerApiVersionsCommand"
      echo "kafka-topics.sh org.apache.kafka.tools.TopicCommand"
      echo "kafka-console-consumer.sh org.apache.kafka.tools.consumer.ConsoleConsumer"
      echo "kafka-console-producer.sh kafka.tools.ConsoleProducer"
      ;;
    *)
      echo "kafka-storage.sh kafka.tools.StorageTool"
      echo "kafka-broker-api-versions.sh org.apache.kafka.tools.BrokerApiVersionsCommand"
      echo "kafka-topics.sh org.apache.kafka.tools.TopicCommand"
      echo "kafka-console-consumer.sh org.apache.kafka.tools.consumer.ConsoleConsumer"
      echo "kafka-console-producer.sh org.apache.kafka.tools.ConsoleProducer"
      ;;
  esac
}

build_kafka() { # version
  local version="$1" tag="$IMAGE_PREFIX/kafka:$1" pom="$SCRIPT_DIR/poms/kafka-$1.pom.xml"
  local recipe ctx files name class line
  mapfile -t files < <(files_under "$SCRIPT_DIR/images/kafka" "$pom")
  recipe="$(recipe_of "kafka-$version" "${files[@]}")"
  if [[ "$(image_recipe "$tag")" == "$recipe" ]]; then
    log "$tag: up to date"
    return 0
  fi
  ctx="$(new_context "kafka-$version")"
  cp "$SCRIPT_DIR/images/kafka/Dockerfile" "$ctx/"
  mkdir -p "$ctx/opt-kafka/bin" "$ctx/opt-kafka/config" "$ctx/etc-kafka-docker"
  cp "$SCRIPT_DIR/images/kafka/bin/"*.sh "$ctx/opt-kafka/bin/"
  resolve_pom "$pom" "$ctx/opt-kafka/libs"
  while read -r name class; do
    # unzip fails for every jar without the class, hence the `|| true` under pipefail.
    { unzip -l "$ctx/opt-kafka/libs/*.jar" "${class//.//}.class" 2>/dev/null || true; } | grep -qF "${class//.//}.class" ||
      die "kafka $version: no class $class on the classpath (for bin/$name)"
    # shellcheck disable=SC2016 # the $(...) and "$@" belong to the generated script
    printf '#!/usr/bin/env bash\n# Look-alike of Kafka %s bin/%s: runs %s.\nexec "$(dirname "$0")/kafka-run-class.sh" %s "$@"\n' \
      "$version" "$name" "$class" "$class" >"$ctx/opt-kafka/bin/$name"
  done < <(kafka_tools "$version")
  cp "$SCRIPT_DIR/images/kafka/docker/run" "$ctx/etc-kafka-docker/"
  case "$version" in
    3.*)
      line=3.9
      cp "$SCRIPT_DIR/images/kafka/docker/log4j.properties" "$SCRIPT_DIR/images/kafka/docker/tools-log4j.properties" \
        "$ctx/opt-kafka/config/"
      cp "$SCRIPT_DIR/images/kafka/docker/log4j.properties" "$SCRIPT_DIR/images/kafka/docker/tools-log4j.properties" \
        "$ctx/etc-kafka-docker/"
      ;;
    *)
      line=4
      cp "$SCRIPT_DIR/images/kafka/docker/log4j2.yaml" "$SCRIPT_DIR/images/kafka/docker/tools-log4j2.yaml" \
        "$ctx/opt-kafka/config/"
      cp "$SCRIPT_DIR/images/kafka/docker/log4j2.yaml" "$SCRIPT_DIR/images/kafka/docker/tools-log4j2.yaml" \
        "$ctx/etc-kafka-docker/"
      ;;
  esac
  cp "$SCRIPT_DIR/images/kafka/docker/server-$line.properties" "$ctx/etc-kafka-docker/server.properties"
  build_image "$tag" "$recipe" "$ctx" "BASE_IMAGE=$BASE_TAG" "KAFKA_VERSION=$version"
}

build_flink() {
  local tag="$IMAGE_PREFIX/flink:$FLINK_VERSION-java17" dist="flink-$FLINK_VERSION"
  local pom="$REPO_ROOT/scripts/services/poms/$dist.pom.xml" recipe ctx files lib
  mapfile -t files < <(files_under "$SCRIPT_DIR/images/flink" "$pom")
  recipe="$(recipe_of flink "${files[@]}")"
  if [[ "$(image_recipe "$tag")" == "$recipe" ]]; then
    log "$tag: up to date"
    return 0
  fi
  # The classpath scripts/services assembles for its host Flink (no flink-dist on Maven Central).
  "$REPO_ROOT/scripts/services/install.sh" flink
  lib="$(svc_lib_dir "$dist")"
  ctx="$(new_context "$dist")"
  cp "$SCRIPT_DIR/images/flink/Dockerfile" "$SCRIPT_DIR/images/flink/docker-entrypoint.sh" "$ctx/"
  mkdir -p "$ctx/opt-flink/lib" "$ctx/opt-flink/opt" "$ctx/opt-flink/log" "$ctx/opt-flink/plugins"
  cp -r "$SCRIPT_DIR/images/flink/bin" "$SCRIPT_DIR/images/flink/conf" "$ctx/opt-flink/"
  cp "$lib"/*.jar "$ctx/opt-flink/lib/"
  # The official image has no connector in lib/: the lab downloads it at start (components/flink/jars.ts).
  rm -f "$ctx"/opt-flink/lib/flink-sql-connector-*.jar
  # As in the distribution, the gateway's jar lives in opt/ (bin/sql-gateway.sh adds it).
  mv "$ctx"/opt-flink/lib/flink-sql-gateway-*.jar "$ctx/opt-flink/opt/"
  build_image "$tag" "$recipe" "$ctx" "BASE_IMAGE=$BASE_TAG" "FLINK_VERSION=$FLINK_VERSION"
}

build_ticdc() {
  local tag="$IMAGE_PREFIX/ticdc:$TICDC_VERSION" recipe ctx files node swagger esbuild app
  node="$(command -v node)" || die "node not found (the TiCDC stand-in runs the emulator on the host's Node)"
  swagger="$(cd "$REPO_ROOT/.." && pwd)/shared/ticdc-swagger/swagger.json"
  [[ -f "$swagger" ]] || die "the TiCDC swagger is missing at $swagger (the emulator checks its traffic against it)"
  esbuild="$REPO_ROOT/node_modules/.bin/esbuild"
  [[ -x "$esbuild" ]] || die "esbuild not found at $esbuild: run npm ci first"
  mapfile -t files < <(files_under "$SCRIPT_DIR/images/ticdc" "$REPO_ROOT/test/emulator/ticdc" "$REPO_ROOT/test/lab/ticdc" \
    "$REPO_ROOT/package-lock.json" "$swagger")
  recipe="$({ recipe_of ticdc "${files[@]}"; "$node" --version; } | sha)"
  if [[ "$(image_recipe "$tag")" == "$recipe" ]]; then
    log "$tag: up to date"
    return 0
  fi
  ctx="$(new_context "ticdc-$TICDC_VERSION")"
  cp "$SCRIPT_DIR/images/ticdc/Dockerfile" "$SCRIPT_DIR/images/ticdc/cdc" "$ctx/"
  cp "$node" "$ctx/node"
  # The bundle keeps the repository's relative layout: the emulator reads the swagger from
  # ../shared next to the repository, resolved from its own directory.
  app="$ctx/app"
  mkdir -p "$app/repo/test/lab/ticdc" "$app/shared/ticdc-swagger"
  cp "$swagger" "$app/shared/ticdc-swagger/"
  "$esbuild" "$REPO_ROOT/test/lab/ticdc/cdc-server.ts" --bundle --platform=node --target=node20 --format=cjs \
    --log-level=warning --outfile="$app/repo/test/lab/ticdc/cdc-server.cjs" ||
    die "esbuild could not bundle test/lab/ticdc/cdc-server.ts"
  build_image "$tag" "$recipe" "$ctx" "BASE_IMAGE=$BASE_TAG" "TICDC_VERSION=$TICDC_VERSION"
}

all_tags() {
  echo "$BASE_TAG"
  echo "$IMAGE_PREFIX/zookeeper:$ZOOKEEPER_VERSION"
  local v
  for v in "${KAFKA_VERSIONS[@]}"; do echo "$IMAGE_PREFIX/kafka:$v"; done
  echo "$IMAGE_PREFIX/flink:$FLINK_VERSION-java17"
  echo "$IMAGE_PREFIX/ticdc:$TICDC_VERSION"
}

main() {
  local mode="${1:-build}" t0 v
  case "$mode" in
    build | --check | --images) ;;
    *) die "usage: $0 [--check|--images]" ;;
  esac
  assert_outside_repo
  mkdir -p "$LAB_DOCKER_CACHE/logs" "$LAB_DOCKER_CACHE/base" "$LAB_DOCKER_CACHE/build"
  t0="$(now)"
  if [[ "$mode" == --check ]]; then
    engine_answers || die "no Docker engine answers on $LAB_DOCKER_SOCKET"
  else
    install_docker
    start_engine
  fi
  DOCKER="$(docker_cli)"
  [[ -n "$DOCKER" ]] || die "no docker CLI found"
  if [[ "$mode" == --images ]]; then
    while read -r v; do printf '%s %s\n' "$v" "$(image_recipe "$v")"; done < <(all_tags)
    return 0
  fi
  if [[ "$mode" == --check ]]; then
    while read -r v; do
      [[ -n "$(image_recipe "$v")" ]] || die "image $v is missing: run scripts/docker/setup.sh"
    done < <(all_tags)
    log "engine and images present"
    return 0
  fi
  # One setup at a time (parallel test runs would build the same images).
  exec 7>"$LAB_DOCKER_CACHE/.setup.lock"
  flock -w 1800 7 || die "timed out waiting for $LAB_DOCKER_CACHE/.setup.lock"
  build_base
  build_zookeeper
  for v in "${KAFKA_VERSIONS[@]}"; do build_kafka "$v"; done
  build_flink
  build_ticdc
  log "lab images ready in $(elapsed "$t0") s: $(all_tags | tr '\n' ' ')"
}

main "$@"

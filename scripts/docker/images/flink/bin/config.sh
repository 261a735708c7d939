# shellcheck shell=bash
# Shared by the look-alike launchers (sourced): locations, the flat-key config reader and the classpath.
# Flink's own bin/config.sh does much more (daemons, HA masters, Hadoop classpaths); the lab image only
# needs what `<role>.sh start-foreground` uses.
FLINK_BIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FLINK_HOME=${FLINK_HOME:-$(dirname "$FLINK_BIN_DIR")}
FLINK_LIB_DIR=${FLINK_LIB_DIR:-$FLINK_HOME/lib}
FLINK_OPT_DIR=${FLINK_OPT_DIR:-$FLINK_HOME/opt}
FLINK_CONF_DIR=${FLINK_CONF_DIR:-$FLINK_HOME/conf}
FLINK_LOG_DIR=${FLINK_LOG_DIR:-$FLINK_HOME/log}
FLINK_PLUGINS_DIR=${FLINK_PLUGINS_DIR:-$FLINK_HOME/plugins}
export FLINK_HOME FLINK_BIN_DIR FLINK_LIB_DIR FLINK_OPT_DIR FLINK_CONF_DIR FLINK_LOG_DIR FLINK_PLUGINS_DIR

# Value of a configuration key, unquoted; empty when absent. Read from the flattened configuration
# (`key: value` lines), which Flink's own config.sh gets the same way: BashJavaUtils
# UPDATE_AND_GET_FLINK_CONFIGURATION -flatten, so nested and flat config.yaml files read alike.
# A file that is flat already (no indented lines, no `key:` opening a mapping; what the lab stack
# uploads) is read as it is, which saves a JVM start. Set FLINK_FLAT_CONF once (flink_flat_config)
# to avoid one per key.
flink_flat_config() {
  local file="$FLINK_CONF_DIR/config.yaml"
  if [ -f "$file" ] && ! grep -qE '^[[:space:]]+[^[:space:]#]|^[^#[:space:]][^:]*:[[:space:]]*$' "$file"; then
    cat "$file"
  else
    bash_java_utils UPDATE_AND_GET_FLINK_CONFIGURATION -flatten
  fi
}

read_config() { # key
  local line value
  line=$(printf '%s\n' "${FLINK_FLAT_CONF:-$(flink_flat_config)}" | grep -E "^${1//./\\.}:" | tail -1) || true
  value=${line#*:}
  value=$(printf '%s' "$value" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
  case "$value" in
    \"*\") value=${value:1:${#value}-2} ;;
    \'*\') value=${value:1:${#value}-2} ;;
  esac
  printf '%s' "$value"
}

# lib/*.jar sorted, as Flink's constructFlinkClassPath orders them (there is no flink-dist to put last).
flink_classpath() {
  local jar cp=""
  while IFS= read -r jar; do cp="$cp${cp:+:}$jar"; done < <(find "$FLINK_LIB_DIR" -maxdepth 1 -name '*.jar' | LC_ALL=C sort)
  printf '%s' "$cp"
}

# BashJavaUtils (in flink-runtime here; bin/bash-java-utils.jar in the distribution): prints the
# BASH_JAVA_UTILS_EXEC_RESULT lines of a command such as GET_TM_RESOURCE_PARAMS.
bash_java_utils() { # command args...
  local out
  out=$(java -Dlog4j2.configurationFile=file:/dev/null -cp "$(flink_classpath)" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$@" --configDir "$FLINK_CONF_DIR" 2>&1) || {
    echo "[ERROR] BashJavaUtils $1 failed:" >&2
    printf '%s\n' "$out" >&2
    return 1
  }
  printf '%s\n' "$out" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

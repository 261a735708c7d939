/**
 * Connector jars: Maven coordinates → download URLs, and the POSIX shell that fetches and verifies
 * them when a Flink container or pod starts. Pure: the scripts are data, run by `sh`/`bash` in the
 * Flink image (curl, sha256sum and mktemp are all there) and by the tests against a local server.
 */
import type { MavenArtifact } from "../config";

/** `<artifactId>-<version>.jar`: the file name Maven publishes and Flink finds in lib/. */
export function jarFileName(artifact: MavenArtifact): string {
    return `${artifact.artifactId}-${artifact.version}.jar`;
}

/** `<repository>/<group path>/<artifactId>/<version>/<artifactId>-<version>.jar`. */
export function mavenJarUrl(repository: string, artifact: MavenArtifact): string {
    const base = repository.replace(/\/+$/, "");
    const groupPath = artifact.groupId.split(".").join("/");
    return `${base}/${groupPath}/${artifact.artifactId}/${artifact.version}/${jarFileName(artifact)}`;
}

/**
 * One shell word holding exactly `value`: single quotes keep everything literal, and a single
 * quote inside is written as `'\''` (close, escaped quote, reopen). Works in sh, dash and bash.
 */
export function shellQuote(value: string): string {
    if (value.includes("\0")) {
        // No shell can carry a NUL byte in a word; refuse rather than truncate silently.
        throw new Error("cannot quote a string containing a NUL byte for the shell");
    }
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface FetchJarsOptions {
    /** Maven repository base URL (settings.flink.mavenRepository). */
    repository: string;
    artifacts: readonly MavenArtifact[];
    /** Absolute directory the verified jars end up in; also the cache that is checked first. */
    directory: string;
}

/*
 * fetch_jar URL DIR JAR SHA256: keep a verified copy, otherwise download to a temporary file, verify
 * it and only then rename it into place. The rename keeps a half-written or bad file from ever
 * carrying the jar's name, and mktemp (not $$, which is 1 in every container) keeps containers that
 * share a cache volume and start together from clobbering each other's downloads. --globoff: a
 * mirror URL with [] or {} is a URL, not a curl pattern.
 */
const FETCH_JAR_FUNCTION = `fetch_jar() {
  url=$1 dir=$2 jar=$3 sum=$4
  if [ -f "$dir/$jar" ] && printf '%s  %s\\n' "$sum" "$dir/$jar" | sha256sum -c - >/dev/null 2>&1; then
    echo "connector jar $jar: verified copy in $dir, not downloading"
    return 0
  fi
  tmp=$(mktemp "$dir/.$jar.XXXXXX") || { echo "ERROR: connector jar $jar: cannot write to $dir" >&2; return 1; }
  echo "connector jar $jar: downloading $url"
  if ! curl -fsSL --globoff --retry 5 --retry-delay 2 --retry-connrefused --connect-timeout 20 --max-time 900 -o "$tmp" "$url"; then
    rm -f "$tmp"
    echo "ERROR: connector jar $jar: download from $url failed" >&2
    return 1
  fi
  if ! printf '%s  %s\\n' "$sum" "$tmp" | sha256sum -c - >/dev/null 2>&1; then
    actual=$(sha256sum "$tmp" | cut -d ' ' -f 1)
    rm -f "$tmp"
    echo "ERROR: connector jar $jar: SHA-256 mismatch, expected $sum, got $actual (from $url)" >&2
    return 1
  fi
  chmod 644 "$tmp" && mv -f "$tmp" "$dir/$jar" || return 1
  echo "connector jar $jar: verified"
}`;

/**
 * A POSIX `sh` snippet that leaves every artifact, verified, in `directory`. It is one subshell
 * that exits non-zero on the first failure, so it can be chained with `&&`; it checks each step
 * itself because `set -e` is ignored on the left of `&&`.
 */
export function fetchJarsScript(options: FetchJarsOptions): string {
    const dir = shellQuote(options.directory);
    const calls = options.artifacts.map(
        (artifact) =>
            `fetch_jar ${[
                mavenJarUrl(options.repository, artifact),
                options.directory,
                jarFileName(artifact),
                artifact.sha256,
            ]
                .map(shellQuote)
                .join(" ")} || exit 1`,
    );
    return ["(", FETCH_JAR_FUNCTION, `mkdir -p ${dir} || exit 1`, ...calls, ")"].join("\n");
}

/**
 * `cp` of exactly these artifacts from `from` into `to` (never a glob of the cache, which may
 * still hold jars of an earlier connector version). `true` when there is nothing to copy.
 */
export function copyJarsScript(
    artifacts: readonly MavenArtifact[],
    from: string,
    to: string,
): string {
    if (artifacts.length === 0) return "true";
    const sources = artifacts.map((a) => shellQuote(`${from}/${jarFileName(a)}`));
    return `cp -f ${sources.join(" ")} ${shellQuote(`${to}/`)}`;
}

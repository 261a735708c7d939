#!/usr/bin/env bash
# The test suite, from a clean clone: installs the npm dependencies (locked), type-checks, lints,
# checks formatting and runs vitest. Prints a closing "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci"
    npm ci --no-audit --no-fund
fi

# The integration project runs real Kafka and Flink as JVM processes (jars from Maven Central).
missing=()
for tool in java mvn curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> apt-get install (for ${missing[*]})"
        apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless maven curl >/dev/null
    else
        echo "the integration tests need ${missing[*]}: install a JDK 17, Maven and curl" >&2
        exit 1
    fi
fi

# The engine tests run the Pulumi CLI: an installed one, else built once from the Go module proxy.
echo "==> Pulumi toolchain"
pulumi_bin=$(bash scripts/pulumi-toolchain.sh | tail -n 1)
export PATH="$pulumi_bin:$PATH"

# The lab-container test runs the dev stack's containers: a Docker engine (Debian's docker.io)
# and locally built look-alike images, since no image registry is reachable.
echo "==> Docker engine and lab images"
bash scripts/docker/setup.sh

echo "==> type check"
npx tsc --noEmit -p tsconfig.json
echo "==> lint"
npx eslint .
echo "==> format"
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

echo "==> vitest"
report=$(mktemp -t vitest-report.XXXXXX.json)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
exit "$status"

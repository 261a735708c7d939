#!/usr/bin/env bash
# The test suite, from a clean clone: installs the npm dependencies (locked), type-checks, lints,
# checks formatting and runs vitest. Prints a closing "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci"
    npm ci --no-audit --no-fund
fi

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

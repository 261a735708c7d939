#!/usr/bin/env bash
# Render a stack's Kubernetes manifests to a directory, without a cluster:
#   scripts/render-manifests.sh <stack> <outdir>        e.g. scripts/render-manifests.sh prod /tmp/prod
#
# The real kubernetes provider writes every object the stack would apply as YAML
# (<outdir>/0-crd, <outdir>/1-manifest; kubernetes.renderYamlToDirectory), so a pull request can
# review the manifests as a diff. Left out, because they need a live cluster or service (the run
# lists them at the end): Kafka topics, the TiCDC changefeed and Flink SQL (dynamic resources),
# and the operator installs (remote Helm charts, CRDs from release URLs; the stack renders as with
# kubernetes.operators.install: false). The TiDB bootstrap Secret holds a marked placeholder, never
# the password.
#
# State goes to a throwaway local backend with a random passphrase; no kubeconfig is read.
# The stack's tidbRootPassword comes from TIDB_ROOT_PASSWORD, or is a generated throwaway.
# Needs the Pulumi CLI and the kubernetes plugin (scripts/pulumi-toolchain.sh provides both).
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:-}
out=${2:-}
if [ -z "$stack" ] || [ -z "$out" ]; then
    echo "usage: scripts/render-manifests.sh <stack> <outdir>" >&2
    exit 2
fi
[ -f "Pulumi.$stack.yaml" ] || { echo "no stack file Pulumi.$stack.yaml" >&2; exit 2; }
# Files of objects a stack no longer declares would linger in a reused directory.
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
    echo "$out is not empty: render into a new or empty directory" >&2
    exit 2
fi
out=$(mkdir -p "$out" && cd "$out" && pwd)

# Installs only into a fresh checkout: tests run this script, and `npm ci` under a running test
# suite would pull node_modules from under it.
if [ ! -d node_modules ]; then
    npm ci --no-audit --no-fund
fi
bin=$(bash scripts/pulumi-toolchain.sh | tail -n 1)
export PATH="$bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# No cluster, not even for discovery: no kubeconfig anywhere. (KUBECONFIG=/nonexistent would do
# with provider v4.32, but the SDK passes it on as the provider's `kubeconfig`, which the v4.25
# fallback refuses beside renderYamlToDirectory; so the driver runs with an empty HOME instead,
# and the plugin cache stays where it is.)
unset KUBECONFIG
export PULUMI_HOME=${PULUMI_HOME:-$HOME/.pulumi}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/state" "$tmp/work" "$tmp/home"
export PULUMI_BACKEND_URL="file://$tmp/state"
PULUMI_CONFIG_PASSPHRASE=$(node -p 'require("crypto").randomBytes(24).toString("base64url")')
export PULUMI_CONFIG_PASSPHRASE
if [ -z "${TIDB_ROOT_PASSWORD:-}" ]; then
    TIDB_ROOT_PASSWORD=$(node -p 'require("crypto").randomBytes(18).toString("base64url")')
fi
export TIDB_ROOT_PASSWORD

# The inline program runs from a plain tsc build (the project's compiler options: commonjs), not
# under vitest or ts-node: Pulumi serializes closures from real modules. Only the program and this
# driver are built, so work in progress elsewhere (tests, other scripts) cannot stop a render.
started=$SECONDS
cat >"$tmp/tsconfig.json" <<JSON
{
    "extends": "$PWD/tsconfig.json",
    "compilerOptions": {
        "outDir": "$tmp/build",
        "rootDir": "$PWD",
        "typeRoots": ["$PWD/node_modules/@types"],
        "noEmit": false
    },
    "include": ["$PWD/infra/**/*.ts", "$PWD/components/**/*.ts", "$PWD/scripts/render-manifests.ts"]
}
JSON
npx tsc -p "$tmp/tsconfig.json"
ln -s "$PWD/node_modules" "$tmp/build/node_modules"
HOME=$tmp/home RENDER_PROJECT_DIR=$PWD RENDER_WORK_DIR=$tmp/work \
    node "$tmp/build/scripts/render-manifests.js" "$stack" "$out"
echo "rendered $(find "$out" -name '*.yaml' | wc -l) manifests of stack $stack into $out in $((SECONDS - started)) s" >&2

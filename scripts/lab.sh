#!/usr/bin/env bash
# The lab stack (Pulumi.dev.yaml, Docker) on a local file state backend:
#   scripts/lab.sh [up|preview|refresh|destroy] [extra pulumi flags]
# Installs what it needs: npm dependencies, and the Pulumi CLI (an installed one, else built).
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-up}
shift || true

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
# The lab needs no kubernetes plugin.
bin=$(PULUMI_TOOLCHAIN_SKIP_K8S=1 bash scripts/pulumi-toolchain.sh | tail -n 1)
export PATH="$bin:$PATH"
if ! command -v pulumi-language-nodejs >/dev/null 2>&1; then
    echo "this Pulumi CLI has no Node.js language host (the Go module proxy here does not serve it);" \
        "install the official CLI (https://www.pulumi.com/docs/install/) and run this again" >&2
    exit 1
fi
export PULUMI_SKIP_UPDATE_CHECK=true
# Pulumi's own default local backend (`pulumi login --local`): state under ~/.pulumi.
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://~}
# The lab holds no real secret unless you set one; an empty passphrase is Pulumi's documented
# choice for throwaway stacks. Set PULUMI_CONFIG_PASSPHRASE to use your own.
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-}

if [ "$action" != destroy ] && ! docker info >/dev/null 2>&1; then
    echo "the lab stack runs on Docker, and no Docker engine answers: start one (e.g. 'sudo systemctl start docker')" >&2
    exit 1
fi

pulumi stack select dev --create --non-interactive
case "$action" in
    up | destroy | refresh) exec pulumi "$action" --yes --non-interactive --stack dev "$@" ;;
    preview) exec pulumi preview --diff --non-interactive --stack dev "$@" ;;
    *) echo "usage: scripts/lab.sh [up|preview|refresh|destroy]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Provide the Pulumi CLI and the Node.js language host at the version of @pulumi/pulumi.
#
# An installed `pulumi` (the official CLI) is used as it is. Otherwise both are built from the Go
# module proxy (no GitHub, no get.pulumi.com needed) into a cache outside the repository:
#   ${PULUMI_TOOLCHAIN_CACHE:-~/.cache/tidb-cdc-pipeline/pulumi}/<version>/bin
# Prints the bin directory to put on PATH as the last line of output.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p 'require("@pulumi/pulumi/package.json").version')

if command -v pulumi >/dev/null 2>&1 && [ -z "${PULUMI_TOOLCHAIN_FORCE_BUILD:-}" ]; then
    echo "using installed $(command -v pulumi) ($(pulumi version))" >&2
    dirname "$(command -v pulumi)"
    exit 0
fi

cache=${PULUMI_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tidb-cdc-pipeline/pulumi}/$version
bin=$cache/bin
if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
    echo "using cached Pulumi $version toolchain in $bin" >&2
    echo "$bin"
    exit 0
fi

command -v go >/dev/null || { echo "no pulumi on PATH and no Go toolchain to build one: install the Pulumi CLI (https://www.pulumi.com/docs/install/)" >&2; exit 1; }
echo "building Pulumi $version (CLI + Node.js language host) from the Go module proxy into $cache; the first build takes 5-30 minutes" >&2
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOMODCACHE=${GOMODCACHE:-$cache/../gomodcache} GOCACHE=${GOCACHE:-$cache/../gocache}
# The checksum database answers 404 for some pulumi/pkg releases through the module proxy; the
# modules still come from the proxy, only their sumdb lookup is skipped.
export GONOSUMDB=${GONOSUMDB:-github.com/pulumi/*}
mkdir -p "$bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The language host module has no tags of its own: it is fetched at the release commit (the
# commit of the sdk/v<version> tag). Known ones are listed; others come from the proxy's Origin.
case "$version" in
    3.248.0) commit=a88168d865b7fd428e5a929cc54aeceaf72d203f ;;
    *) commit=$(cd "$work" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$version" |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Origin?.Hash??""))') ;;
esac
[ -n "$commit" ] || { echo "no release commit known for pulumi v$version (the Go module proxy gave none)" >&2; exit 1; }

mkdir "$work/cli" && cd "$work/cli"
go mod init local/pulumi-toolchain >/dev/null 2>&1
# Carry over the remote replace directives of pkg/go.mod (e.g. the clipboard fork).
pkg_gomod=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$version" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);
      if (m.Error) { console.error(m.Error); process.exit(1); } console.log(m.GoMod); })')
go mod edit -json "$pkg_gomod" | node -e '
  let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
    for (const r of (JSON.parse(s).Replace||[]))
      if (r.New.Version) console.log(`${r.Old.Path}${r.Old.Version?"@"+r.Old.Version:""}=${r.New.Path}@${r.New.Version}`);
  })' | while read -r rep; do go mod edit -replace "$rep"; done
# Getting the main package (not just its module) records every go.sum entry the build needs.
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version"
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
go build -trimpath -tags osusergo -ldflags "$ldflags" -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

# The language host is its own module without tags; some module proxies refuse such versions.
# Without it the CLI still runs Automation API inline programs (scripts/lab.sh uses one then).
if go get "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$commit" &&
    go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version"; then
    go build -trimpath -tags osusergo -ldflags "$ldflags" -o "$bin/pulumi-language-nodejs" \
        github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
else
    echo "warning: the Go module proxy does not serve pulumi-language-nodejs at $commit; built the CLI only" >&2
fi

# Dynamic providers: the launcher ships in the npm package; the engine looks for it on PATH.
cat >"$bin/pulumi-resource-pulumi-nodejs" <<'SH'
#!/bin/sh
PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
if [ -n "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" ]; then
    exec node "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" "$@"
fi
SH
chmod +x "$bin/pulumi-resource-pulumi-nodejs"
"$bin/pulumi" version >&2
echo "$bin"

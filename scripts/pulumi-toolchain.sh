#!/usr/bin/env bash
# Provide the Pulumi toolchain at the versions in node_modules:
#   - the Pulumi CLI and the Node.js language host at the version of @pulumi/pulumi, with the
#     dynamic-provider launcher (pulumi-resource-pulumi-nodejs) beside them;
#   - the kubernetes provider plugin at the version of @pulumi/kubernetes, installed into Pulumi's
#     plugin cache, so the prod stack can be previewed and rendered (renderYamlToDirectory)
#     without a cluster and without downloading anything.
#
# An installed `pulumi` (the official CLI) is used as it is. Otherwise the CLI is built from the
# Go module proxy (no GitHub, no get.pulumi.com needed) into a cache outside the repository:
#   ${PULUMI_TOOLCHAIN_CACHE:-~/.cache/tidb-cdc-pipeline/pulumi}/<version>/bin
# The kubernetes plugin is skipped when the plugin cache already holds it (an official setup, or
# an earlier run); otherwise it is built the same way once into
#   ${PULUMI_TOOLCHAIN_CACHE:-~/.cache/tidb-cdc-pipeline/pulumi}/plugins/kubernetes-<version>/
# and installed with `pulumi plugin install resource kubernetes <version> --file …` into
# $PULUMI_HOME/plugins: Pulumi's own default (~/.pulumi) unless PULUMI_HOME is set, so `pulumi`,
# the Automation API and the tests all find it with no extra setting. PULUMI_TOOLCHAIN_SKIP_K8S=1
# skips the plugin (e.g. for the lab stack alone).
#
# Offline settings: every pulumi call in here runs with the two below; export them too wherever
# the CLI runs here (scripts/lab.sh, scripts/render-manifests.sh do):
#   PULUMI_SKIP_UPDATE_CHECK=true                     no query for a newer CLI
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true  a missing plugin is an error, not a download
#
# Cold build times on 2 cores (empty Go caches): CLI ~15 min; kubernetes plugin 27.5 min wall
# (16 min CPU, measured with the machine busy with other builds), warm runs about a second.
# Prints progress on stderr and the bin directory to put on PATH as the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
version=$(node -p 'require("@pulumi/pulumi/package.json").version')
root=${PULUMI_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tidb-cdc-pipeline/pulumi}
cache=$root/$version
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go_env() {
    command -v go >/dev/null || {
        echo "no Go toolchain to build $1 with: install the Pulumi CLI (https://www.pulumi.com/docs/install/)," \
            "which brings its plugins on demand, or Go 1.26" >&2
        exit 1
    }
    export GOTOOLCHAIN=local CGO_ENABLED=0
    export GOMODCACHE=${GOMODCACHE:-$root/gomodcache} GOCACHE=${GOCACHE:-$root/gocache}
    # The checksum database answers 404 for some pulumi/pkg releases through the module proxy; the
    # modules still come from the proxy, only their sumdb lookup is skipped.
    export GONOSUMDB=${GONOSUMDB:-github.com/pulumi/*}
}

# Prints the directory holding `pulumi` (and, when built here, the language host and launcher).
ensure_cli() {
    if command -v pulumi >/dev/null 2>&1 && [ -z "${PULUMI_TOOLCHAIN_FORCE_BUILD:-}" ]; then
        echo "using installed $(command -v pulumi) ($(pulumi version))" >&2
        dirname "$(command -v pulumi)"
        return
    fi
    local bin=$cache/bin
    if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
        echo "using cached Pulumi $version toolchain in $bin" >&2
        echo "$bin"
        return
    fi
    go_env "the Pulumi CLI"
    echo "building Pulumi $version (CLI + Node.js language host) from the Go module proxy into $cache; the first build takes 5-30 minutes" >&2
    mkdir -p "$bin"

    # The language host module has no tags of its own: it is fetched at the release commit (the
    # commit of the sdk/v<version> tag). Known ones are listed; others come from the proxy's Origin.
    local commit
    case "$version" in
        3.248.0) commit=a88168d865b7fd428e5a929cc54aeceaf72d203f ;;
        *) commit=$(cd "$work" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$version" |
            node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Origin?.Hash??""))') ;;
    esac
    [ -n "$commit" ] || { echo "no release commit known for pulumi v$version (the Go module proxy gave none)" >&2; exit 1; }

    mkdir "$work/cli"
    (
        cd "$work/cli"
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
        go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version" >&2
        ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
        go build -trimpath -tags osusergo -ldflags "$ldflags" -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

        # The language host is its own module without tags; some module proxies refuse such versions.
        # Without it the CLI still runs Automation API inline programs (scripts/lab.sh uses one then).
        if go get "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$commit" >&2 &&
            go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version" >&2; then
            go build -trimpath -tags osusergo -ldflags "$ldflags" -o "$bin/pulumi-language-nodejs" \
                github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
        else
            echo "warning: the Go module proxy does not serve pulumi-language-nodejs at $commit; built the CLI only" >&2
        fi
    )

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
}

# Prints the module cache directory of the kubernetes provider at a module version (a pseudo-version,
# or a commit for proxies that resolve them), or nothing when the module proxy does not serve it.
k8s_module_dir() {
    (cd "$work" && go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$1" 2>/dev/null || true) |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
          try { const m=JSON.parse(s); if (!m.Error && m.Dir) console.log(m.Dir); } catch {} })'
}

# Builds the kubernetes provider at a version from its module directory into $root/plugins.
build_k8s_plugin() {
    local version=$1 dir=$2 out=$root/plugins/kubernetes-$1 started=$SECONDS
    echo "building the kubernetes provider plugin $version from the Go module proxy into $out;" \
        "the first build takes 10-20 minutes" >&2
    # The module cache is read-only, and main.go embeds two generated (gitignored, so absent)
    # files: build in a writable copy. Its only replace points at ../sdk, which is not in the
    # module zip; the sdk/v4 module of the same release is on the proxy instead.
    rm -rf "$work/k8s" && cp -r "$dir" "$work/k8s" && chmod -R u+w "$work/k8s"
    (
        cd "$work/k8s"
        go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4
        go get "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$version" >&2
        (cd cmd/pulumi-resource-kubernetes && VERSION=$version go run generate.go)
        mkdir -p "$out"
        go build -mod=mod -trimpath \
            -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$version" \
            -o "$out/pulumi-resource-kubernetes.tmp" ./cmd/pulumi-resource-kubernetes
        mv "$out/pulumi-resource-kubernetes.tmp" "$out/pulumi-resource-kubernetes"
    )
    echo "built the kubernetes provider plugin $version in $((SECONDS - started)) s" >&2
}

# The kubernetes provider plugin at the version of @pulumi/kubernetes, in the plugin cache.
ensure_k8s_plugin() {
    local bin=$1 want commit dir
    want=$(node -p 'try { require("@pulumi/kubernetes/package.json").pulumi.version } catch { "" }')
    [ -n "$want" ] || { echo "no @pulumi/kubernetes in node_modules: no kubernetes plugin needed" >&2; return; }
    local home=${PULUMI_HOME:-$HOME/.pulumi}
    local installed=$home/plugins/resource-kubernetes-v$want
    if [ -x "$installed/pulumi-resource-kubernetes" ] && [ ! -e "$installed.partial" ]; then
        echo "kubernetes plugin $want already installed in $home/plugins" >&2
        rm -f "$cache/bin/pulumi-resource-kubernetes" # an ambient fallback would shadow it
        return
    fi
    # The provider module has no tags of its own (only sdk/v4 is tagged), so the release commit
    # cannot be derived from the proxy: known ones are listed (as the pseudo-version of the
    # release commit), others come from the environment (a commit or pseudo-version).
    case "$want" in
        4.32.0) commit=v4.0.0-20260608201737-a03ff6ba58d2 ;; # a03ff6ba58d2f1ea68319dda4b2c982119489c71
        *) commit=${PULUMI_K8S_PROVIDER_COMMIT:-} ;;
    esac
    local out=$root/plugins/kubernetes-$want/pulumi-resource-kubernetes
    local fallback=4.25.0 fallback_commit=v4.0.0-20260115033456-f47bc2d6f199 # the v4.25.0 release commit
    local fallback_bin=$root/plugins/kubernetes-$fallback/pulumi-resource-kubernetes
    # Asked on every run while only the fallback is there: a proxy may start serving the release.
    if [ ! -x "$out" ] && [ -n "$commit" ] && { command -v go >/dev/null || [ ! -x "$fallback_bin" ]; }; then
        go_env "the kubernetes provider plugin"
        dir=$(k8s_module_dir "$commit")
        [ -z "$dir" ] || build_k8s_plugin "$want" "$dir"
    fi
    if [ -x "$out" ]; then
        PULUMI_HOME=$home "$bin/pulumi" plugin install resource kubernetes "$want" --file "$out" >&2
        rm -f "$cache/bin/pulumi-resource-kubernetes"
        echo "installed the kubernetes plugin $want into $home/plugins" >&2
        return
    fi

    # proxy.golang.org fetches any public commit on demand, but a restricted mirror may answer 403
    # "not available" for pseudo-versions nobody required before; the one this project's machines
    # reach does so for the release commits of v4.31.1 and v4.32.0. The newest release it is
    # known to serve is v4.25.0 (crd2pulumi v1.6.1 requires exactly that commit). That one is NOT
    # installed as $want: that would plant an older provider under a newer version in the plugin
    # cache for every later `pulumi up`. It goes next to our `pulumi` instead, where the engine
    # takes a pulumi-resource-kubernetes for any requested version and says so ("using
    # pulumi-resource-kubernetes from $PATH"). Good enough to preview and render
    # (renderYamlToDirectory is older than v4); use the real $want against a live cluster.
    echo "warning: the Go module proxy does not serve pulumi-kubernetes $want${commit:+ (commit $commit)};" \
        "falling back to the provider v$fallback, on PATH beside pulumi" >&2
    if [ "$bin" != "$cache/bin" ]; then
        echo "warning: $bin is not this script's own toolchain; install the plugin with" \
            "'pulumi plugin install resource kubernetes $want' where get.pulumi.com is reachable" >&2
        return
    fi
    out=$fallback_bin
    if [ ! -x "$out" ]; then
        go_env "the kubernetes provider plugin"
        dir=$(k8s_module_dir "$fallback_commit")
        [ -n "$dir" ] || { echo "the Go module proxy serves no pulumi-kubernetes provider either" >&2; exit 1; }
        build_k8s_plugin "$fallback" "$dir"
    fi
    ln -sf "$out" "$bin/pulumi-resource-kubernetes"
    echo "kubernetes provider v$fallback on PATH as $bin/pulumi-resource-kubernetes" >&2
}

bin=$(ensure_cli)
if [ -z "${PULUMI_TOOLCHAIN_SKIP_K8S:-}" ]; then
    ensure_k8s_plugin "$bin"
fi
echo "$bin"

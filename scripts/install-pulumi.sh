#!/usr/bin/env bash
# Makes the pinned Pulumi CLI available under .tools/pulumi/<version>/bin with no internet:
#   1. a matching `pulumi` already on PATH or in $PULUMI_HOME/versions/<version>/bin is reused;
#   2. otherwise `pulumi` and `pulumi-language-nodejs` are built from the Go module proxy;
#   3. on a machine with no Go, the official installer is used (needs internet).
# The SDK's `pulumi-resource-pulumi-nodejs` script is placed next to the binaries. Every cache lives
# under .tools/ (git-ignored); a second run takes seconds. Prints how long each stage took.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$PWD
V=$(node -p "const p=require(\"./package.json\"); ((p.dependencies||{})[\"@pulumi/pulumi\"]||(p.devDependencies||{})[\"@pulumi/pulumi\"]).replace(/^[~^]/, \"\")")
DEST=$ROOT_DIR/.tools/pulumi/$V
BIN=$DEST/bin
mkdir -p "$BIN"

t0=$(date +%s)
stage() { local now; now=$(date +%s); printf '[install-pulumi] %-44s %4ss\n' "$1" "$((now - t0))"; t0=$now; }
have_version() { [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "v$V" ]; }

place_plugin() {
  local sdk=$ROOT_DIR/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs
  if [ ! -f "$sdk" ]; then
    echo "[install-pulumi] node_modules/@pulumi/pulumi is missing: run 'npm ci' first" >&2; exit 1
  fi
  install -m 0755 "$sdk" "$BIN/pulumi-resource-pulumi-nodejs"
}

finish() {
  place_plugin
  # Also keep a copy where the official wrapper looks ($PULUMI_HOME/versions/<version>/bin), so other
  # checkouts on this machine reuse it in seconds. It is a cache: a fresh machine simply builds again.
  local home=${PULUMI_HOME:-$HOME/.pulumi}/versions/$V/bin
  if [ -z "${PULUMI_HADR_NO_HOME_CACHE:-}" ] && [ ! -L "$BIN/pulumi" ] && [ "$home" != "$BIN" ]; then
    mkdir -p "$home" && cp -f "$BIN/pulumi" "$BIN/pulumi-language-nodejs" "$BIN/pulumi-resource-pulumi-nodejs" "$home/"
  fi
  stage "plugin script placed"
  PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" version
  exit 0
}

# 0. already built here
if have_version "$BIN/pulumi" && [ -x "$BIN/pulumi-language-nodejs" ]; then stage "cached CLI v$V found"; finish; fi

# 1. a matching CLI elsewhere on this machine
for cand in "$(command -v pulumi 2>/dev/null || true)" "${PULUMI_HOME:-$HOME/.pulumi}/versions/$V/bin/pulumi"; do
  if [ -n "$cand" ] && have_version "$cand" && [ -x "$(dirname "$cand")/pulumi-language-nodejs" ]; then
    ln -sf "$cand" "$BIN/pulumi"; ln -sf "$(dirname "$cand")/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
    stage "reused $cand"; finish
  fi
done

# 2. build from the Go module proxy
if command -v go >/dev/null 2>&1; then
  export GOPATH=$ROOT_DIR/.tools/gopath GOMODCACHE=$ROOT_DIR/.tools/gopath/pkg/mod GOCACHE=$ROOT_DIR/.tools/gocache
  export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
  # The checksum database is not reachable from every machine that reaches the module proxy; there,
  # integrity rests on the proxy and on the version check below (set GOSUMDB=off yourself to skip the try).
  goget() {
    if ! go get "$@" 2>"$W/get.err"; then
      if grep -q 'verifying module' "$W/get.err" && [ "${GOSUMDB:-}" != off ]; then
        echo "[install-pulumi] checksum database unreachable: relying on the module proxy"
        export GOSUMDB=off; go get "$@"
      else cat "$W/get.err" >&2; return 1; fi
    fi
  }
  # Reuse a warm module cache from a previous checkout on this machine when one exists (never required).
  if [ -n "${PULUMI_HADR_GO_CACHE:-}" ] && [ -d "$PULUMI_HADR_GO_CACHE" ]; then
    export GOMODCACHE=$PULUMI_HADR_GO_CACHE/mod GOCACHE=$PULUMI_HADR_GO_CACHE/build
  fi
  W=$ROOT_DIR/.tools/pulumi-build-$V
  mkdir -p "$W"; cd "$W"
  if [ ! -f go.mod ]; then
    go mod init local.invalid/pulumi-build >/dev/null 2>&1
    go mod edit -go=1.25.11
    go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
  fi
  goget "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$V" "github.com/pulumi/pulumi/sdk/v3@v$V"
  stage "go get pulumi v$V"
  LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$V"
  go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  stage "go build pulumi"
  # The Node.js language host is its own untagged module, fetched at the commit of the pkg/v$V tag.
  # Some module proxies refuse such commit versions; then the host comes from the newest sdk/v3 release
  # that still carried it inside the sdk module (LH_FALLBACK). The language protocol is versioned for skew.
  COMMIT=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$V" | sed -n 's/.*"Hash": "\([0-9a-f]\{40\}\)".*/\1/p' | head -1)
  LH=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  if [ -n "$COMMIT" ] && go get "$LH@$COMMIT" 2>"$W/lh.err"; then
    goget "github.com/pulumi/pulumi/pkg/v3@v$V" "github.com/pulumi/pulumi/sdk/v3@v$V"
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$BIN/pulumi-language-nodejs" "$LH"
    stage "go build pulumi-language-nodejs @$COMMIT"
  else
    LHV=${LH_FALLBACK:-3.68.0}
    echo "[install-pulumi] the proxy does not serve $LH at ${COMMIT:-its commit}: using the host from sdk/v3@v$LHV"
    mkdir -p "$W/lh"; cd "$W/lh"
    [ -f go.mod ] || go mod init local.invalid/pulumi-language-host >/dev/null 2>&1
    goget "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@v$LHV"
    go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LHV" \
      -o "$BIN/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
    stage "go build pulumi-language-nodejs v$LHV"
  fi
  cd "$ROOT_DIR"
  finish
fi

# 3. no Go: the official installer (needs internet)
if command -v curl >/dev/null 2>&1; then
  curl -fsSL https://get.pulumi.com/install.sh | sh -s -- --install-root "$DEST" --version "$V" --no-edit-path
  stage "official installer"; finish
fi
echo "[install-pulumi] no Pulumi CLI v$V found, no Go to build one and no curl to download one" >&2
exit 1

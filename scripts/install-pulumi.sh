#!/usr/bin/env bash
# Makes the Pulumi CLIs the tests run available under .tools/pulumi/<version>/bin with no internet:
#   - `current` (scripts/pulumi-versions.json): the CLI every end-to-end test uses;
#   - the lockfile's @pulumi/pulumi version: the CLI of the oldest SDK this package supports (the secret-leak
#     test runs on both).
# Arguments name the versions to install (`current`, `lockfile` or x.y.z); the default is both. For each:
#   1. a matching `pulumi` already on PATH or in $PULUMI_HOME/versions/<version>/bin is reused;
#   2. otherwise `pulumi` and `pulumi-language-nodejs` are built from the Go module proxy;
#   3. on a machine with no Go, the official installer is used (needs internet).
# Every file is placed as a real file (hard link or copy, never a symlink) in that one directory, with the
# SDK's `pulumi-resource-pulumi-nodejs` script and our `pulumi-analyzer-policy` beside it: the CLI looks for its
# bundled plugins next to its own resolved path, and warns ("using … from $PATH … expected …") when PATH finds them elsewhere.
# Every cache lives under .tools/ (git-ignored); a second run takes seconds. Prints how long each stage took.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$PWD
CURRENT=$(node -p 'require("./scripts/pulumi-versions.json").current')
LOCKED=$(node -p 'require("./package-lock.json").packages["node_modules/@pulumi/pulumi"].version')
LH_FALLBACK=${LH_FALLBACK:-$(node -p 'require("./scripts/pulumi-versions.json").languageHost')}

t0=$(date +%s)
stage() { local now; now=$(date +%s); printf '[install-pulumi] %-52s %4ss\n' "$1" "$((now - t0))"; t0=$now; }
have_version() { [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "v$2" ]; }
# A real file at $2 with the bytes of $1: a hard link where possible, else a copy.
place() { rm -f "$2"; ln "$1" "$2" 2>/dev/null || cp -f "$1" "$2"; }

place_plugin() {
  local sdk=$ROOT_DIR/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs
  if [ ! -f "$sdk" ]; then
    echo "[install-pulumi] node_modules/@pulumi/pulumi is missing: run 'npm ci' first" >&2; exit 1
  fi
  install -m 0755 "$sdk" "$1/pulumi-resource-pulumi-nodejs"
  # The analyzer of Node.js policy packs for CLIs that look for a `pulumi-analyzer-policy[-<runtime>]` plugin
  # (those before the language-host route; docs/decisions.md D-guard-2): our own, policy-pack/analyzer.
  local a
  for a in pulumi-analyzer-policy pulumi-analyzer-policy-nodejs; do
    install -m 0755 "$ROOT_DIR/policy-pack/analyzer" "$1/$a"
  done
}

# shellcheck source=go-env.sh
. "$ROOT_DIR/scripts/go-env.sh"

# The checksum database is not reachable from every machine that reaches the module proxy; there,
# integrity rests on the proxy and on the version check (set GOSUMDB=off yourself to skip the try).
goget() {
  if ! go get "$@" 2>"$W/get.err"; then
    if grep -q 'verifying module' "$W/get.err" && [ "${GOSUMDB:-}" != off ]; then
      echo "[install-pulumi] checksum database unreachable: relying on the module proxy"
      export GOSUMDB=off; go get "$@"
    else cat "$W/get.err" >&2; return 1; fi
  fi
}

GOBUILD=(go build -trimpath -tags osusergo,grpcnotrace)

# The Node.js language host of the fallback release, built once and shared by every CLI version.
fallback_host() {
  local out=$ROOT_DIR/.tools/pulumi-language-nodejs/$LH_FALLBACK/pulumi-language-nodejs
  LH_BIN=$out
  if [ ! -x "$out" ]; then
    W=$ROOT_DIR/.tools/pulumi-language-nodejs/$LH_FALLBACK/build
    mkdir -p "$W"
    (
      cd "$W"
      [ -f go.mod ] || go mod init local.invalid/pulumi-language-host >/dev/null 2>&1
      goget "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@v$LH_FALLBACK"
      "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LH_FALLBACK" \
        -o "$out" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
    )
    stage "go build pulumi-language-nodejs v$LH_FALLBACK"
  fi
}

# Builds `pulumi` v$1 (and its language host) into $2 from the Go module proxy.
build_cli() {
  local V=$1 BIN=$2
  W=$ROOT_DIR/.tools/pulumi-build-$V
  mkdir -p "$W"
  (
    cd "$W"
    if [ ! -f go.mod ]; then
      go mod init local.invalid/pulumi-build >/dev/null 2>&1
      go mod edit -go=1.25.11
      go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    fi
    goget "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$V" "github.com/pulumi/pulumi/sdk/v3@v$V"
  )
  stage "go get pulumi v$V"
  local LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$V"
  (cd "$W" && "${GOBUILD[@]}" -ldflags "$LDF" -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  stage "go build pulumi v$V"
  # The Node.js language host is its own untagged module, fetched at the commit of the pkg/v$V tag when the
  # proxy reports that commit and serves it. Otherwise the host comes from the newest sdk/v3 release that
  # still carried it inside the sdk module (README: "Versions tested" says what that host lacks).
  local COMMIT LH=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  COMMIT=$(cd "$W" && go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$V" |
    sed -n 's/.*"Hash": "\([0-9a-f]\{40\}\)".*/\1/p' | head -1)
  if [ -n "$COMMIT" ] && (cd "$W" && go get "$LH@$COMMIT" 2>"$W/lh.err"); then
    (cd "$W" && goget "github.com/pulumi/pulumi/pkg/v3@v$V" "github.com/pulumi/pulumi/sdk/v3@v$V" &&
      "${GOBUILD[@]}" -ldflags "$LDF" -o "$BIN/pulumi-language-nodejs" "$LH")
    stage "go build pulumi-language-nodejs @$COMMIT"
  else
    echo "[install-pulumi] the proxy does not serve $LH at ${COMMIT:-the commit of v$V}: using the host of sdk/v3@v$LH_FALLBACK"
    fallback_host
    place "$LH_BIN" "$BIN/pulumi-language-nodejs"
  fi
}

# Makes CLI v$1 ready in .tools/pulumi/$1/bin.
install_one() {
  local V=$1 BIN=$ROOT_DIR/.tools/pulumi/$1/bin built=
  mkdir -p "$BIN"
  # 0. already placed here (a symlinked `pulumi` from an older version of this script is placed again)
  if [ ! -L "$BIN/pulumi" ] && have_version "$BIN/pulumi" "$V" && [ -x "$BIN/pulumi-language-nodejs" ] &&
    [ ! -L "$BIN/pulumi-language-nodejs" ]; then
    stage "cached CLI v$V found"
  else
    # 1. a matching CLI elsewhere on this machine
    local cand found=
    for cand in "$(command -v pulumi 2>/dev/null || true)" "${PULUMI_HOME:-$HOME/.pulumi}/versions/$V/bin/pulumi"; do
      if [ -n "$cand" ] && have_version "$cand" "$V" && [ -x "$(dirname "$cand")/pulumi-language-nodejs" ]; then
        place "$(readlink -f "$cand")" "$BIN/pulumi"
        place "$(readlink -f "$(dirname "$cand")/pulumi-language-nodejs")" "$BIN/pulumi-language-nodejs"
        stage "reused $cand"; found=1; break
      fi
    done
    if [ -z "$found" ]; then
      if command -v go >/dev/null 2>&1; then
        # 2. build from the Go module proxy
        build_cli "$V" "$BIN"; built=1
      elif command -v curl >/dev/null 2>&1; then
        # 3. no Go: the official installer (needs internet)
        local tmp; tmp=$(mktemp -d)
        curl -fsSL https://get.pulumi.com/install.sh | sh -s -- --install-root "$tmp" --version "$V" --no-edit-path
        place "$tmp/bin/pulumi" "$BIN/pulumi"; place "$tmp/bin/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
        rm -rf "$tmp"; stage "official installer v$V"
      else
        echo "[install-pulumi] no Pulumi CLI v$V found, no Go to build one and no curl to download one" >&2
        exit 1
      fi
    fi
  fi
  place_plugin "$BIN"
  # Also keep a copy where the official wrapper looks ($PULUMI_HOME/versions/<version>/bin), so other
  # checkouts on this machine reuse it in seconds. It is a cache: a fresh machine simply builds again.
  local home=${PULUMI_HOME:-$HOME/.pulumi}/versions/$V/bin
  if [ -n "$built" ] && [ -z "${PULUMI_HADR_NO_HOME_CACHE:-}" ] && [ "$home" != "$BIN" ]; then
    mkdir -p "$home"
    for f in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do cp -f "$BIN/$f" "$home/$f"; done
  fi
  stage "v$V ready in .tools/pulumi/$V/bin"
}

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(current lockfile)
[ -z "$(command -v go 2>/dev/null)" ] || go_env
done_versions=" "
for a in "${args[@]}"; do
  case "$a" in current) v=$CURRENT ;; lockfile) v=$LOCKED ;; *) v=$a ;; esac
  case "$done_versions" in *" $v "*) continue ;; esac
  install_one "$v"
  done_versions="$done_versions$v "
done
for v in $done_versions; do
  printf '[install-pulumi] .tools/pulumi/%s/bin: pulumi %s\n' "$v" \
    "$(PULUMI_SKIP_UPDATE_CHECK=true "$ROOT_DIR/.tools/pulumi/$v/bin/pulumi" version)"
done

#!/usr/bin/env bash
# Makes the language hosts the native provider's end-to-end tests use available under
# .tools/language-hosts/<lang>/<version>/ with no internet beyond the package registries:
#   - yaml:   `pulumi-language-yaml`, built from github.com/pulumi/pulumi-yaml (scripts/pulumi-versions.json
#             `yamlHost`) from the Go module proxy (about two minutes on an idle machine);
#   - python: `pulumi-language-python` (+ its `pulumi-language-python-exec` shim), built from
#             github.com/pulumi/pulumi/sdk/v3@v<pythonHost> (the newest sdk/v3 release that still carried the
#             host), and a venv with `pulumi` from PyPI (`pythonSdk`) under .tools/python-venv/<version>.
# Arguments name the hosts (`yaml`, `python`); the default is both. Each is reused when present: in
# .tools/ (git-ignored), else in the machine cache ${PULUMI_HOME:-~/.pulumi}/language-hosts/, which a build
# also fills so other checkouts on this machine reuse it in seconds. Nothing is ever committed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$PWD
versions() { node -p "require('./scripts/pulumi-versions.json').$1"; }
MACHINE=${PULUMI_HOME:-$HOME/.pulumi}/language-hosts

t0=$(date +%s)
stage() { local now; now=$(date +%s); printf '[install-language-hosts] %-46s %4ss\n' "$1" "$((now - t0))"; t0=$now; }
# A real file at $2 with the bytes of $1: a hard link where possible, else a copy.
place() { rm -f "$2"; ln "$1" "$2" 2>/dev/null || cp -f "$1" "$2"; }

# shellcheck source=go-env.sh
. "$ROOT_DIR/scripts/go-env.sh"

# Builds Go package $3 of module $2 into directory $1 (binary named after the package's last element);
# $4 is the -X flag setting the version. Reuses the machine cache; fills it after a build.
build_go() {
  local dir=$1 mod=$2 pkg=$3 ldx=$4 name
  name=$(basename "$pkg")
  mkdir -p "$dir"
  if [ -x "$dir/$name" ]; then stage "cached $name"; return; fi
  local cached=$MACHINE/$(basename "$(dirname "$dir")")-$(basename "$dir")/$name
  if [ -x "$cached" ]; then place "$cached" "$dir/$name"; stage "reused $cached"; return; fi
  command -v go >/dev/null 2>&1 || { echo "[install-language-hosts] no Go to build $name" >&2; exit 1; }
  go_env
  local W=$dir/build
  mkdir -p "$W"
  (
    cd "$W"
    [ -f go.mod ] || go mod init local.invalid/language-host >/dev/null 2>&1
    if ! go get "$mod" 2>"$W/get.err"; then
      if grep -q 'verifying module' "$W/get.err" && [ "${GOSUMDB:-}" != off ]; then
        echo "[install-language-hosts] checksum database unreachable: relying on the module proxy"
        GOSUMDB=off go get "$mod"
      else cat "$W/get.err" >&2; exit 1; fi
    fi
    go build -trimpath -ldflags "-s -w -X $ldx" -o "$dir/$name" "$pkg"
  )
  rm -rf "$W"
  stage "go build $name"
  if [ -z "${PULUMI_HADR_NO_HOME_CACHE:-}" ]; then
    mkdir -p "$(dirname "$cached")" && cp -f "$dir/$name" "$cached"
  fi
}

# Also places the host beside the current CLI (.tools/pulumi/<current>/bin, when installed): the CLI expects
# its bundled language hosts next to itself and warns ("using … from $PATH") when PATH finds them elsewhere.
beside_cli() {
  local cli
  cli=$ROOT_DIR/.tools/pulumi/$(versions current)/bin
  if [ -d "$cli" ]; then for f in "$@"; do place "$f" "$cli/$(basename "$f")"; done; fi
}

install_yaml() {
  local V dir
  V=$(versions yamlHost)
  dir=$ROOT_DIR/.tools/language-hosts/yaml/$V
  build_go "$dir" "github.com/pulumi/pulumi-yaml@v$V" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml "github.com/pulumi/pulumi-yaml/pkg/version.Version=v$V"
  beside_cli "$dir/pulumi-language-yaml"
}

install_python() {
  local V SDK dir venv
  V=$(versions pythonHost)
  SDK=$(versions pythonSdk)
  dir=$ROOT_DIR/.tools/language-hosts/python/$V
  build_go "$dir" "github.com/pulumi/pulumi/sdk/v3@v$V" \
    github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python \
    "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$V"
  # The host runs `pulumi-language-python-exec` (a script shipped in the same sdk tree) to start the program.
  if [ ! -x "$dir/pulumi-language-python-exec" ]; then
    go_env
    local src
    src=$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@v$V/python/cmd/pulumi-language-python-exec
    [ -f "$src" ] || (cd "$ROOT_DIR/.tools" && GOFLAGS=-mod=mod go mod download "github.com/pulumi/pulumi/sdk/v3@v$V")
    install -m 0755 "$src" "$dir/pulumi-language-python-exec"
  fi
  beside_cli "$dir/pulumi-language-python" "$dir/pulumi-language-python-exec"
  venv=$ROOT_DIR/.tools/python-venv/$SDK
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pulumi" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pulumi==$SDK" setuptools wheel
    stage "venv with pulumi $SDK from PyPI"
  else
    stage "cached venv with pulumi $SDK"
  fi
}

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(yaml python)
for a in "${args[@]}"; do
  case "$a" in
    yaml) install_yaml ;;
    python) install_python ;;
    *) echo "[install-language-hosts] unknown host $a (yaml, python)" >&2; exit 1 ;;
  esac
done

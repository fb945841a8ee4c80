#!/usr/bin/env bash
# Generates the native provider's SDKs from schema.json: dist/sdk/{nodejs,python,go}. Generated at build,
# never committed (docs/decisions.md D-native-2). `pulumi package gen-sdk` would ask each language host, but
# the Node.js and Python hosts this machine can build offline (sdk/v3@v3.68.0) predate GeneratePackage, so
# scripts/sdkgen (the CLI's own code generators, pkg/v3/codegen at the CLI's version) writes them; it is built
# once into .tools/sdkgen from the Go module cache the CLI build filled. Arguments name the languages
# (default: nodejs python go).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.tools/sdkgen
# rebuilt when its sources' content changes (not their mtimes: a checkout or rebase touches those)
SUM=$(cat scripts/sdkgen/main.go scripts/sdkgen/go.mod scripts/sdkgen/go.sum | sha256sum | cut -d" " -f1)
if [ ! -x "$BIN" ] || [ "$(cat "$BIN.sum" 2>/dev/null)" != "$SUM" ]; then
  export GOMODCACHE=${GOMODCACHE:-$ROOT/.tools/gopath/pkg/mod} GOCACHE=${GOCACHE:-$ROOT/.tools/gocache}
  export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
  (cd scripts/sdkgen && go build -trimpath -tags osusergo,grpcnotrace -o "$BIN" .)
  echo "$SUM" >"$BIN.sum"
  echo "[gen-sdk] built .tools/sdkgen"
fi
"$BIN" schema.json dist/sdk "$@"

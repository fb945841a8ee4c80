#!/usr/bin/env bash
# Builds the native provider's plugin archive, offline from the npm cache `npm ci` filled:
#   dist/plugin/pulumi-resource-hadr-v<version>-<os>-<arch>.tar.gz
# holding the `pulumi-resource-hadr` launcher, schema.json, the compiled provider (dist/provider) and its
# production dependencies at the lockfile's versions. It needs Node.js >= 20 on the machine (docs/decisions.md);
# HADR_BUNDLE_NODE=1 puts this machine's `node` into the archive instead (+36 MB compressed), which the
# launcher then prefers.
# Install it as a user would from a release page:
#   pulumi plugin install resource hadr <version> --file pulumi-resource-hadr-v<version>-linux-amd64.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSION=$(node -p 'require("./package.json").version')
OS=$(uname -s | tr 'A-Z' 'a-z')
case "$(uname -m)" in x86_64) ARCH=amd64 ;; aarch64 | arm64) ARCH=arm64 ;; *) ARCH=$(uname -m) ;; esac
OUT=$ROOT/dist/plugin/pulumi-resource-hadr-v$VERSION-$OS-$ARCH.tar.gz
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

[ -f dist/provider/native/main.js ] || { echo "[plugin-archive] run npm run build first" >&2; exit 1; }
# package.json with the production dependencies pinned to the lockfile's versions (no workspaces, no scripts)
node -e '
const pkg = require("./package.json"), lock = require("./package-lock.json").packages;
const deps = Object.fromEntries(Object.keys(pkg.dependencies).map((n) => [n, lock["node_modules/" + n].version]));
const out = { name: "pulumi-resource-hadr", version: pkg.version, private: true, license: pkg.license,
  engines: pkg.engines, dependencies: deps };
require("fs").writeFileSync(process.argv[1] + "/package.json", JSON.stringify(out, null, 2) + "\n");
' "$STAGE"
cp schema.json "$STAGE/"
mkdir -p "$STAGE/dist"
cp -r dist/provider "$STAGE/dist/" && find "$STAGE/dist" -type f ! -name '*.js' -delete
(cd "$STAGE" && npm install --omit=dev --ignore-scripts --offline --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
if [ "${HADR_BUNDLE_NODE:-}" = 1 ]; then
  install -m 0755 "$(readlink -f "$(command -v node)")" "$STAGE/node"
  OUT=${OUT%.tar.gz}-with-node.tar.gz
fi
cat >"$STAGE/pulumi-resource-hadr" <<'EOF'
#!/bin/sh
# pulumi-resource-hadr: the hadr native provider (needs Node.js >= 20 on PATH unless bundled beside it).
here=$(dirname "$(readlink -f "$0")")
[ -x "$here/node" ] && PATH="$here:$PATH"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "pulumi-resource-hadr needs Node.js >= 20 on PATH (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
exec node "$here/dist/provider/native/main.js" "$@"
EOF
chmod 0755 "$STAGE/pulumi-resource-hadr"
mkdir -p "$(dirname "$OUT")"
tar -C "$STAGE" -czf "$OUT" .
echo "[plugin-archive] $(du -h "$OUT" | cut -f1) $OUT"

#!/usr/bin/env bash
# Generates the native provider's SDKs from schema.json with `pulumi package gen-sdk` (the CLI
# scripts/install-pulumi.sh placed): dist/sdk/{nodejs,python,go}. Generated at build, never committed
# (docs/decisions.md D-native-2). Arguments name the languages (default: nodejs python go).
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=.tools/pulumi/$(node -p 'require("./scripts/pulumi-versions.json").current')/bin/pulumi
[ -x "$CLI" ] || { echo "[gen-sdk] $CLI is missing: run npm run pulumi:install" >&2; exit 1; }
langs=("$@")
[ ${#langs[@]} -gt 0 ] || langs=(nodejs python go)
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_HOME=${PULUMI_HOME:-$PWD/.tools/pulumi-home}
for l in "${langs[@]}"; do
  rm -rf "dist/sdk/$l"
  "$CLI" package gen-sdk schema.json --language "$l" --out dist/sdk >/dev/null
  echo "[gen-sdk] dist/sdk/$l"
done

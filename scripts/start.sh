#!/usr/bin/env bash
# `npm start`: brings the local lab up and deploys the root program's `lab` stack onto it (idempotent).
# `npm run stop` (= `start.sh down`): destroys the `lab` stack, then takes the lab down.
# State: a local file backend in .pulumi-state/ (git-ignored). Passphrase: PULUMI_CONFIG_PASSPHRASE, default
# "hadr-lab-only" — it protects lab secrets only; set your own to override. HADR_LAB_STACK picks another stack name.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${HADR_LAB_STACK:-lab}"
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-hadr-lab-only}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p .pulumi-state
pulumi() { node scripts/pulumi-cli/pulumi.js "$@" --non-interactive; }

npm run -s build
bash scripts/install-pulumi.sh current >/dev/null  # the CLI scripts/pulumi-cli runs; not the lockfile one
if [ "${1:-}" = down ]; then
  if pulumi stack select "$stack" >/dev/null 2>&1; then pulumi destroy --yes --skip-preview --stack "$stack"; fi
  exec node lab/dist/src/cli.js down
fi
lab_json=$(node lab/dist/src/cli.js up | tail -n 1)
node dist/program/labStack.js "$lab_json" "$stack"
pulumi up --yes --stack "$stack"
echo
node dist/program/labStack.js summary "$stack"

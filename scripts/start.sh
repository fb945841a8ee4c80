#!/usr/bin/env bash
# `npm start`: brings the local lab up and deploys the root program's `lab` stack onto it.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run -s build
if [ ! -f dist/test/lab/cli.js ]; then
  echo "The local lab is not there yet (issue: The lab). Run the test suite with: npm test"
  exit 0
fi
node dist/test/lab/cli.js up

#!/usr/bin/env bash
# Runs the compiled test files one at a time (lab and e2e tests share the lab; each file starts from a known lab
# state). The list below is grouped, but Node's runner takes the files in path order (canary, e2e, integration,
# lab — the teardown test last of those — then unit).
# Arguments narrow the run to files whose path contains any of them (e.g. `unit/`, `lab/kingbase`).
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
for group in unit canary lab integration e2e; do
  while IFS= read -r f; do
    case "$f" in */zz-down.test.js) continue ;; esac
    files+=("$f")
  done < <(find "dist/test/$group" -name '*.test.js' 2>/dev/null | sort)
done
[ -f dist/test/lab/zz-down.test.js ] && files+=(dist/test/lab/zz-down.test.js)
if [ $# -gt 0 ]; then
  keep=()
  for f in "${files[@]}"; do for a in "$@"; do case "$f" in *"$a"*) keep+=("$f"); break ;; esac; done; done
  files=("${keep[@]}")
fi
[ ${#files[@]} -gt 0 ] || { echo "no test files matched"; exit 1; }
# Every test is bounded: a test (and a whole file) without its own timeout gets 45 minutes.
exec node --test --test-concurrency=1 --test-timeout=2700000 --test-reporter=spec "${files[@]}"

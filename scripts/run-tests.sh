#!/usr/bin/env bash
# Runs the compiled test files one at a time (lab and e2e tests share the lab; each file starts from a known lab
# state), in steps:
#   1. the provider's unit tests (no lab);
#   2. the lab's self-tests (lab/test, the lab package's own contract);
#   3. the provider's tests on the lab (canary, integration, e2e);
#   4. teardown: `lab down` — after a whole run, also when a step failed (trap). A narrowed run leaves the lab up
#      for the next one (`npm run lab -- down` takes it down); HADR_LAB_DOWN=1 / =0 forces / skips the teardown.
# Arguments narrow the run to files whose name contains any of them: `unit/`, `e2e/dr-releases`, `lab/kingbase`
# (lab self-tests are named lab/<file>, provider tests <group>/<file>, as under test/).
set -euo pipefail
cd "$(dirname "$0")/.."
LAB_CLI=lab/dist/src/cli.js

# Compiled test files of a directory, one per line, sorted.
list() { find "$1" -name '*.test.js' 2>/dev/null | sort; }
# Whether a file's name (`prefix` + its path under `dir`) matches the arguments (no arguments: every file).
selected() {
  [ "$#" -gt 1 ] || return 0
  local name=$1; shift
  for a in "$@"; do case "$name" in *"$a"*) return 0 ;; esac; done
  return 1
}

unit=() lab=() provider=()
while IFS= read -r f; do selected "${f#dist/test/}" "$@" && unit+=("$f"); done < <(list dist/test/unit)
while IFS= read -r f; do selected "lab/${f#lab/dist/test/}" "$@" && lab+=("$f"); done < <(list lab/dist/test)
for group in canary integration e2e; do
  while IFS= read -r f; do selected "${f#dist/test/}" "$@" && provider+=("$f"); done < <(list "dist/test/$group")
done
[ $((${#unit[@]} + ${#lab[@]} + ${#provider[@]})) -gt 0 ] || { echo "no test files matched"; exit 1; }

down="${HADR_LAB_DOWN:-}"
if [ -z "$down" ]; then if [ $# -eq 0 ]; then down=1; else down=0; fi; fi
teardown() {
  local rc=$?
  echo "# step: teardown (lab down)"
  node "$LAB_CLI" down || [ "$rc" -ne 0 ] || rc=1
  exit "$rc"
}
[ "$down" = 1 ] && trap teardown EXIT

# Every test is bounded: a test (and a whole file) without its own timeout gets 45 minutes.
step() {
  local name=$1; shift
  [ "$#" -gt 0 ] || return 0
  echo "# step: $name ($# files)"
  node --test --test-concurrency=1 --test-timeout=2700000 --test-reporter=spec "$@"
}
step "unit tests" "${unit[@]+"${unit[@]}"}"
step "lab self-tests" "${lab[@]+"${lab[@]}"}"
step "provider tests on the lab" "${provider[@]+"${provider[@]}"}"

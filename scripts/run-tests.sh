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
# HADR_TEST_LANES=N (default 1) runs steps 2 and 3 as one step in N lanes side by side, each on its own lab
# (HADR_LAB_NET base+i, its own HADR_LAB_ROOT), the files dealt longest first by the weights below (every file
# brings its lab to the shape it needs: ensureLab); each lane's output is prefixed `[laneI]`, every lane takes
# its own lab down at the end, and a last line sums the lanes' counts.
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

lanes=${HADR_TEST_LANES:-1}
if [ "$lanes" -le 1 ] || [ $((${#lab[@]} + ${#provider[@]})) -le 1 ]; then
  step "lab self-tests" "${lab[@]+"${lab[@]}"}"
  step "provider tests on the lab" "${provider[@]+"${provider[@]}"}"
  exit 0
fi

# Minutes a file takes on a quiet machine (measured; a file not listed counts 2): the deal is longest first.
weight() {
  case "$1" in
    *e2e/dr-releases*) echo 14 ;; *e2e/dr-relationship*) echo 11 ;; *e2e/dr-disasters*) echo 7 ;;
    *e2e/dr-interrupted*) echo 7 ;; *e2e/dr-drill*) echo 7 ;; *e2e/user-toolchain*) echo 5 ;;
    *e2e/dr-fencing*) echo 6 ;; *e2e/native-yaml*) echo 4 ;; *e2e/native-sdk*) echo 4 ;;
    *e2e/dr-adopt*) echo 4 ;; *e2e/dr-jump*) echo 3 ;; *e2e/dr-import*) echo 3 ;;
    *e2e/policy-pack*) echo 4 ;; *e2e/policy-recovery-v8r3*) echo 5 ;; *e2e/policy-recovery*) echo 3 ;;
    *e2e/recovery-policy*) echo 3 ;;
    lab/dist/test/opengauss-disasters*) echo 5 ;; lab/dist/test/kingbase*) echo 4 ;;
    lab/dist/test/opengauss-pairs*) echo 2 ;;
    lab/dist/test/*) echo 1 ;; *canary/* | *integration/*) echo 1 ;; *) echo 2 ;;
  esac
}
# Lane 0 uses the caller's lab (the one the teardown takes down); lane i > 0 the net after it and a root of its
# own (the lab's default root is /var/tmp/pulumi-hadr-lab).
base_net=${HADR_LAB_NET:-0}
base_root=${HADR_LAB_ROOT:-/var/tmp/pulumi-hadr-lab}
declare -a load files_of
for ((i = 0; i < lanes; i++)); do load[i]=0; files_of[i]=""; done
while read -r w f; do
  best=0
  for ((i = 1; i < lanes; i++)); do [ "${load[i]}" -lt "${load[best]}" ] && best=$i; done
  load[best]=$((load[best] + w)); files_of[best]="${files_of[best]} $f"
done < <(for f in "${lab[@]+"${lab[@]}"}" "${provider[@]+"${provider[@]}"}"; do echo "$(weight "$f") $f"; done | sort -rn)

echo "# step: lab self-tests and provider tests on the lab ($((${#lab[@]} + ${#provider[@]})) files in $lanes lanes)"
logs=$(mktemp -d)
pids=()
for ((i = 0; i < lanes; i++)); do
  [ -n "${files_of[i]}" ] || continue
  (
    if [ "$i" -gt 0 ]; then export HADR_LAB_NET=$((base_net + i)) HADR_LAB_ROOT="$base_root-lane$i"; fi
    rc=0
    # the lane's lab self-tests first, on its fresh lab (node --test sorts the files it is given), then the rest
    own=() rest=()
    for f in ${files_of[i]}; do case "$f" in lab/dist/test/*) own+=("$f") ;; *) rest+=("$f") ;; esac; done
    run() { node --test --test-concurrency=1 --test-timeout=2700000 --test-reporter=spec "$@"; }
    [ "${#own[@]}" -eq 0 ] || run "${own[@]}" || rc=$?
    [ "${#rest[@]}" -eq 0 ] || run "${rest[@]}" || rc=$?
    [ "$i" -eq 0 ] || [ "$down" != 1 ] || node "$LAB_CLI" down || rc=1
    exit "$rc"
  ) 2>&1 | tee "$logs/lane$i.log" | sed -u "s/^/[lane$i] /" &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
# A lane's exit status is its `node --test` runs' status (pipefail): sum the counts for one closing line.
pass=0 fail=0
# the summary lines of a lane's runs, summed (a test cancelled by a failed hook did not pass either)
count() { sed -n "s/^ℹ $1 \([0-9]*\)$/\1/p" "$2" | awk '{ n += $1 } END { print n + 0 }'; }
for l in "$logs"/lane*.log; do
  grep -qE "ℹ (fail|cancelled) [1-9]" "$l" && rc=1
  pass=$((pass + $(count pass "$l")))
  fail=$((fail + $(count fail "$l") + $(count cancelled "$l")))
done
rm -rf "$logs"
echo "lanes: $pass passed, $fail failed"
exit "$rc"

#!/usr/bin/env bash
# Mutation testing of one module against the tests that cover it; prints killed / survived / kill
# rate and the diff of every surviving mutant. Not part of CI (one pytest run per mutant is slow).
#
#   tools/mutation.sh MODULE.py TEST_FILE [TEST_FILE ...]
#   tools/mutation.sh hicsim/costs/adc.py tests/test_pin_components.py
#
# Needs the dev extra (mutmut pinned): .venv/bin/pip install -e '.[test,dev]'. PYTHON overrides the
# interpreter (default .venv/bin/python of this checkout).
#
# mutmut edits the module in place, so it runs in a scratch copy of the checkout (tracked and new
# untracked files as they are now, ignored ones left out): a killed script never leaves a mutant
# behind.
# A mutant counts as killed when the tests exit non-zero (a failure, an error, a collection error
# or a time-out at 10x the unmutated run, mutmut's own limit). mutmut 2.5.1 itself counts only exit
# status 1 as a kill, so the runner maps every non-zero pytest status to 1: a mutant that breaks an
# import (pytest status 2) is killed, not survived.
#
# Speed (name only the test files that cover the module): each mutant's pytest run is a fork of a
# server that has already imported numpy, pandas, pint, numba, pytest and the rest, but never
# hicsim (tools/pytest_forkserver.py: every run starts from the same untouched interpreter and
# imports the mutated hicsim and the tests afresh); pytest plugins are not auto-loaded (hypothesis
# alone costs ~2 s of CPU per run; its @given tests still run without its plugin); the scratch copy
# is byte-compiled once before mutmut starts (mutmut sets PYTHONDONTWRITEBYTECODE, so otherwise every
# run recompiles every module; the mutated file is always newer than its .pyc, so it is compiled
# from its mutated source); pytest stops at the first failure (-x) without its cache. None of these
# changes which mutants are killed.
set -euo pipefail

usage() { echo "usage: tools/mutation.sh MODULE.py TEST_FILE [TEST_FILE ...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
module=$1; shift
repo=$(git rev-parse --show-toplevel)
py=${PYTHON:-$repo/.venv/bin/python}
[ -f "$repo/$module" ] || { echo "tools/mutation.sh: no module $module in $repo" >&2; exit 2; }
for t in "$@"; do [ -f "$repo/$t" ] || { echo "tools/mutation.sh: no test file $t" >&2; exit 2; }; done
"$py" -c 'import mutmut' 2>/dev/null || {
    echo "tools/mutation.sh: mutmut is not installed; run: .venv/bin/pip install -e '.[test,dev]'" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work")
cd "$work"
# The scratch copy, not the editable install, is what the tests (and any subprocess) import.
export PYTHONPATH=$work

export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 PYTHONDONTWRITEBYTECODE=1
PYTHONDONTWRITEBYTECODE= "$py" -m compileall -q hicsim >/dev/null
# Each run is a fork of a server that has imported the third-party modules (never hicsim).
"$py" "$repo/tools/pytest_forkserver.py" serve "$work/.pytest.sock" &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do [ -S "$work/.pytest.sock" ] && break; sleep 0.1; done
[ -S "$work/.pytest.sock" ] || { echo "tools/mutation.sh: the pytest fork server did not start" >&2; exit 1; }
runner="$py -S $repo/tools/pytest_forkserver.py run $work/.pytest.sock -x -q -p no:cacheprovider -m 'not slow' $*"
"$py" -m mutmut run --paths-to-mutate "$module" --tests-dir tests --runner "$runner" \
    --simple-output --no-progress >mutmut.log 2>&1 || true
# mutmut 2.5.1 can crash recording a mutant (pony: "Attribute Mutant.line is required"), leaving
# the rest untested: run each remaining one on its own.
for id in $("$py" -m mutmut result-ids untested 2>/dev/null); do
    "$py" -m mutmut run "$id" --paths-to-mutate "$module" --tests-dir tests --runner "$runner" \
        --simple-output --no-progress >>mutmut.log 2>&1 || true
done
# "2. Checking mutants" follows a clean unmutated run; without it (failing tests) nothing was measured.
grep -q "2. Checking mutants" mutmut.log || {
    cat mutmut.log >&2; echo "tools/mutation.sh: the tests fail without mutations: nothing measured" >&2; exit 1; }

count() { "$py" -m mutmut result-ids "$1" 2>/dev/null | wc -w; }
killed=$(count killed); timeout=$(count timeout); suspicious=$(count suspicious)
survived=$(count survived); untested=$(count untested)
dead=$((killed + timeout + suspicious))
total=$((dead + survived + untested))
echo "module      $module"
echo "tests       $*"
echo "mutants     $total"
echo "killed      $dead  (failed $killed, timed out $timeout, slow $suspicious)"
echo "survived    $survived"
[ "$untested" -eq 0 ] || echo "untested    $untested"
[ "$total" -eq 0 ] || awk -v k="$dead" -v n="$total" 'BEGIN { printf "kill rate   %.1f %%\n", 100 * k / n }'
for id in $("$py" -m mutmut result-ids survived 2>/dev/null); do
    echo; echo "--- surviving mutant $id"
    "$py" -m mutmut show "$id" 2>/dev/null | sed -n '3,$p'
done

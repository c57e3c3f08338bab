#!/usr/bin/env bash
# Command 2 of the README (and what .ci/run calls): set up (scripts/setup.sh), then run the test suite.
#
#   bash scripts/run_tests.sh [PYTEST ARGS...]   (test files or folders among them replace tests/)
#
# Everything a run writes stays in its run folder, $TEST_RUN_DIR (default: .ci-work/tests in the repository,
# emptied at the start of each run): AIIDA_PATH points to a new folder there (the tests' fixtures make their own
# temporary profile; your AiiDA configuration is never touched), pytest's --basetemp too, and the cache plugin is off.
#
# Exit status: pytest's. 5 (no test collected) counts as a failure: a suite that ran nothing has not passed.

set -euo pipefail

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup.sh"

TEST_RUN_DIR="${TEST_RUN_DIR:-$REPO_ROOT/.ci-work/tests}"
rm -rf "$TEST_RUN_DIR"
mkdir -p "$TEST_RUN_DIR/aiida" "$TEST_RUN_DIR/basetemp"
export AIIDA_PATH="$TEST_RUN_DIR/aiida"

cd "$REPO_ROOT"
# Test files or folders among the arguments replace `tests/` (`bash scripts/run_tests.sh tests/engine -x`).
targets=(tests/)
for argument in "$@"; do
    if [[ "$argument" != -* && -e "${argument%%::*}" ]]; then
        targets=()
        break
    fi
done
printf '\n[tests] AIIDA_PATH=%s pytest %s--basetemp=%s -p no:cacheprovider %s\n' \
    "$AIIDA_PATH" "${targets[*]:+${targets[*]} }" "$TEST_RUN_DIR/basetemp" "$*"
status=0
"$VENV_PYTHON" -m pytest "${targets[@]}" --basetemp="$TEST_RUN_DIR/basetemp" -p no:cacheprovider "$@" </dev/null \
    || status=$?
if [ "$status" -eq 5 ]; then
    printf '[tests] FAILED: pytest collected no test (exit status 5); a run that ran no test has not passed\n' >&2
elif [ "$status" -ne 0 ]; then
    printf '[tests] FAILED: pytest exited with status %s\n' "$status" >&2
else
    printf '[tests] passed\n'
fi
exit "$status"

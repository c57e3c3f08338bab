#!/usr/bin/env bash
# Upstream aiida-workgraph's own test suite, run unmodified against this package (not in CI: CI cannot fetch it).
#
#   bash scripts/run_upstream_suite.sh PATH [PYTEST ARGS...]
#
# PATH is a folder holding upstream's `tests/` (for instance `git archive 0c6fe3c3 tests docs/gallery` of
# github:aiidateam/aiida-workgraph, unpacked). Its tests are copied into the run folder, $UPSTREAM_RUN_DIR (default
# .ci-work/upstream-suite in this repository, emptied first), so that pytest's root is that copy and not this
# repository (whose tests/conftest.py would otherwise be picked up), and run there with this package's virtual
# environment (made by scripts/setup.sh). AIIDA_PATH points to a new folder of the run; upstream's conftest makes its
# own temporary profile with RabbitMQ as broker (127.0.0.1:5672), so RabbitMQ must answer. The tests that need
# extra packages (playwright, httpx for the widget tests; graphviz's `dot` for provenance graphs) fail or skip as
# they do upstream where those are missing.
#
# Writes $UPSTREAM_RUN_DIR/junit.xml and prints pytest's summary (`-rfE`: one line per failed test). Extra arguments
# go to pytest (`-k map`, `tests/test_map.py`: a path relative to PATH). Exit status: pytest's.

set -euo pipefail

if [ $# -lt 1 ] || [ ! -d "$1/tests" ]; then
    printf 'usage: %s PATH [PYTEST ARGS...]   (PATH: a folder with upstream aiida-workgraph'"'"'s tests/)\n' "$0" >&2
    exit 2
fi
SOURCE="$(cd "$1" && pwd)"
shift

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup.sh"

RUN_DIR="${UPSTREAM_RUN_DIR:-$REPO_ROOT/.ci-work/upstream-suite}"
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR/aiida" "$RUN_DIR/basetemp"
cp -r "$SOURCE/tests" "$RUN_DIR/tests"
# An ini file of its own: without it pytest would take this repository's pyproject.toml (a parent folder) as its own.
printf '[pytest]\n' >"$RUN_DIR/pytest.ini"
export AIIDA_PATH="$RUN_DIR/aiida"
# Some of upstream's test modules import aiida-pythonjob at collection, which reads the AiiDA configuration: give the
# run's configuration a profile (the tests themselves run in the temporary profile upstream's conftest makes).
"$WORKGRAPH_VENV/bin/verdi" presto --profile-name upstream-suite >"$RUN_DIR/presto.log" 2>&1
# Upstream's PythonJob tests run their jobs with `$PYTEST_PYTHONJOB_PYTHON_EXEC_PATH` (default `python3`, which on a
# machine without an activated environment is a Python without node-graph): default it to this environment's Python.
export PYTEST_PYTHONJOB_PYTHON_EXEC_PATH="${PYTEST_PYTHONJOB_PYTHON_EXEC_PATH:-$VENV_PYTHON}"

targets=(tests/)
for argument in "$@"; do
    if [[ "$argument" != -* && -e "$RUN_DIR/${argument%%::*}" ]]; then
        targets=()
        break
    fi
done

cd "$RUN_DIR"
printf '[upstream-suite] %s: pytest %s%s\n' "$RUN_DIR" "${targets[*]:+${targets[*]} }" "$*"
status=0
"$VENV_PYTHON" -m pytest "${targets[@]}" --rootdir="$RUN_DIR" --basetemp="$RUN_DIR/basetemp" -p no:cacheprovider \
    --junitxml="$RUN_DIR/junit.xml" -rfE "$@" </dev/null || status=$?
exit "$status"

#!/usr/bin/env bash
# Benchmarks: our package against upstream aiida-workgraph 0.9.0 and against the floor (aiida-core alone), side by
# side, with one log-log plot per group (docs/benchmarks.md).
#
#   bash scripts/run_benchmarks.sh [both|ours|upstream|floor|daemon|profile|compare] [PYTEST ARGS...]
#
# 1. Our virtual environment ($WORKGRAPH_VENV, default .venv) is made by scripts/setup.sh if it cannot import
#    aiida_workgraph, pytest_benchmark and matplotlib. Upstream's ($UPSTREAM_VENV, default .venv-upstream, git-ignored)
#    is made with the same base interpreter and gets `aiida-workgraph==0.9.0` from PyPI, with aiida-core, node-graph,
#    aiida-pythonjob, plumpy, pytest and pytest-benchmark pinned to the versions in our environment, so that only the
#    workgraph package differs.
# 2. The engine files, benchmarks/bench_workgraph.py and benchmarks/bench_large_values.py, run under each interpreter
#    in turn, in one pytest session each (both packages are imported as `aiida_workgraph`), writing
#    benchmarks/results/<ours|upstream>.json (pytest-benchmark's --benchmark-json); then benchmarks/bench_floor.py
#    (aiida-core alone: the floor of each group) runs once, with our interpreter, into benchmarks/results/floor.json.
#    Then the daemon benchmark, benchmarks/bench_daemon.py, runs once with our interpreter (BENCH_DAEMON=1): it drives
#    ours, upstream (with .venv-upstream's interpreter) and the floor case after case, interleaved, each case with its
#    own profile, database and daemon (PostgreSQL + RabbitMQ where they answer on 127.0.0.1, and SQLite + ZeroMQ),
#    into benchmarks/results/daemon.json.
# 3. benchmarks/compare.py prints the side-by-side report, draws one plot per group into docs/plots/<marker>/ and
#    writes both into docs/benchmarks.md (with the profiles of benchmarks/results/profiles, if any).
#
# Modes: `both` (default: ours, upstream, floor, daemon, then compare), `ours`, `upstream`, `floor`, `daemon` (one of
# them, then compare), `profile` (ours and the floor once more, every round under cProfile, into benchmarks/results/profiles:
# "Where the time goes"; these timings are not kept), `compare` (only step 3, from the results files).
#
# Settings: BENCH_BUDGET (seconds per round of one case, default 60; cases that cannot fit are skipped or stopped
# and reported as such), BENCH_BROKER (the profile's broker: none (default) or core.zeromq), BENCH_RESULTS_DIR
# (default benchmarks/results), BENCH_DOCS_MARKER (the block of docs/benchmarks.md to write, default `results`:
# the lines <!-- results:start --> and <!-- results:end -->; the plots go to docs/plots/<marker>) and BENCH_DOCS_PAGE
# (the page to write into, default docs/benchmarks.md; the plots go to plots/<marker> next to it). Everything a run
# writes besides the results stays in $BENCH_RUN_DIR (default .ci-work/benchmarks, emptied first): AIIDA_PATH,
# pytest's --basetemp. Your AiiDA configuration is never touched. The daemon benchmark: BENCH_DAEMON_BUDGET (its budget
# per round, default 120 s), BENCH_DAEMON_STACKS, BENCH_DAEMON_WORKERS, BENCH_DAEMON_IMPLS, BENCH_DAEMON_SIZES (see
# benchmarks/bench_daemon.py) and BENCH_DAEMON_JSON (its results file, default $BENCH_RESULTS_DIR/daemon.json; the
# report merges every $BENCH_RESULTS_DIR/daemon*.json). Exit status: non-zero if a benchmark of ours or of
# the floor failed (a failed check, not a slow case); upstream's failed checks are results, reported as `failed`
# (pytest's xfail), not failures of the run.
#
# The long run of docs/benchmarks.md (the cases the default budget skips, with a budget of 200 s): its commands are in
# the section "Long run" of that page (BENCH_RESULTS_DIR=benchmarks/results/long BENCH_DOCS_MARKER=results-long).

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

MODE="${1:-both}"
case "$MODE" in
    both | ours | upstream | floor | daemon | profile | compare) shift || true ;;
    -*) MODE=both ;;
    *) printf 'usage: %s [both|ours|upstream|floor|daemon|profile|compare] [PYTEST ARGS...]\n' "$0" >&2; exit 2 ;;
esac

UPSTREAM_VERSION=0.9.0
OURS_VENV="${WORKGRAPH_VENV:-$REPO_ROOT/.venv}"
UPSTREAM_VENV="${UPSTREAM_VENV:-$REPO_ROOT/.venv-upstream}"
RUN_DIR="${BENCH_RUN_DIR:-$REPO_ROOT/.ci-work/benchmarks}"
RESULTS_DIR="${BENCH_RESULTS_DIR:-$REPO_ROOT/benchmarks/results}"
DOCS_MARKER="${BENCH_DOCS_MARKER:-results}"
DOCS_PAGE="${BENCH_DOCS_PAGE:-$REPO_ROOT/docs/benchmarks.md}"
export BENCH_BUDGET="${BENCH_BUDGET:-60}"
export BENCH_BROKER="${BENCH_BROKER:-none}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '[benchmarks] %s\n' "$*"; }

rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR" "$RESULTS_DIR"
# Any AiiDA import below (setup, pip checks) uses a configuration of this run, never ~/.aiida.
export AIIDA_PATH="$RUN_DIR/aiida-setup"
unset AIIDA_PROFILE

ensure_ours() {
    if ! "$OURS_VENV/bin/python" -c 'import aiida_workgraph, pytest_benchmark, matplotlib' >/dev/null 2>&1; then
        log "setting up our environment: scripts/setup.sh"
        WORKGRAPH_VENV="$OURS_VENV" bash "$REPO_ROOT/scripts/setup.sh"
    fi
}

ensure_upstream() {
    local pins
    pins="$("$OURS_VENV/bin/python" - <<'EOF'
from importlib.metadata import version
print(' '.join(f'{name}=={version(name)}' for name in
               ('aiida-core', 'node-graph', 'aiida-pythonjob', 'plumpy', 'pytest', 'pytest-benchmark')))
EOF
)"
    local want="aiida-workgraph==$UPSTREAM_VERSION $pins"
    local stamp="$UPSTREAM_VENV/.benchmark-requirements"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$UPSTREAM_VENV/bin/python" -c 'import pytest_benchmark' 2>/dev/null; then
        return
    fi
    if [ ! -x "$UPSTREAM_VENV/bin/python" ]; then
        local base
        base="$("$OURS_VENV/bin/python" -c 'import sys; print(sys._base_executable)')"
        log "creating $UPSTREAM_VENV with $base"
        "$base" -m venv "$UPSTREAM_VENV"
    fi
    log "installing into $UPSTREAM_VENV: $want"
    # (pip may print one "WARNING: Location '...' is ignored" per package for local folders that do not exist.)
    # shellcheck disable=SC2086
    "$UPSTREAM_VENV/bin/python" -m pip install --quiet --progress-bar off $want 2>&1 \
        | { grep -v "^WARNING: Location '.*' is ignored" || true; }
    printf '%s\n' "$want" >"$stamp"
}

# run_impl LABEL PYTHON JSON FILE... -- [PYTEST ARGS...]: run benchmark files with one interpreter, in one pytest
# session (one time budget tracker, one JSON file).
run_impl() {
    local impl="$1" python="$2" json="$3"
    shift 3
    local files=()
    while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
        files+=("$1")
        shift
    done
    shift || true # the --
    mkdir -p "$RUN_DIR/$impl/aiida" "$RUN_DIR/$impl/basetemp"
    log "$impl: $("$python" -c 'from importlib.metadata import version; print("aiida-workgraph", version("aiida-workgraph"))')," \
        "${files[*]}, budget ${BENCH_BUDGET} s per round, broker ${BENCH_BROKER}"
    local start=$SECONDS status=0
    AIIDA_PATH="$RUN_DIR/$impl/aiida" BENCH_IMPL="$impl" "$python" -m pytest "${files[@]}" \
        -o python_files='bench_*.py' -p no:cacheprovider --basetemp="$RUN_DIR/$impl/basetemp" -W ignore \
        --benchmark-json="$json" --benchmark-columns=min,median,max,rounds \
        --benchmark-sort=name "$@" </dev/null || status=$?
    log "$impl: pytest exited with status $status after $((SECONDS - start)) s"
    return "$status"
}

ENGINE_FILES=(benchmarks/bench_workgraph.py benchmarks/bench_large_values.py)
FLOOR_FILE=benchmarks/bench_floor.py
DAEMON_FILE=benchmarks/bench_daemon.py
PROFILES_DIR="$RESULTS_DIR/profiles"

overall=0
if [ "$MODE" = both ] || [ "$MODE" = ours ]; then
    ensure_ours
    run_impl ours "$OURS_VENV/bin/python" "$RESULTS_DIR/ours.json" "${ENGINE_FILES[@]}" -- "$@" || overall=1
fi
if [ "$MODE" = both ] || [ "$MODE" = upstream ]; then
    ensure_ours
    ensure_upstream
    run_impl upstream "$UPSTREAM_VENV/bin/python" "$RESULTS_DIR/upstream.json" "${ENGINE_FILES[@]}" -- "$@" \
        || overall=1
fi
if [ "$MODE" = both ] || [ "$MODE" = floor ]; then
    ensure_ours
    run_impl floor "$OURS_VENV/bin/python" "$RESULTS_DIR/floor.json" "$FLOOR_FILE" -- "$@" || overall=1
fi
if [ "$MODE" = both ] || [ "$MODE" = daemon ]; then
    ensure_ours
    ensure_upstream
    BENCH_DAEMON=1 BENCH_BUDGET="${BENCH_DAEMON_BUDGET:-120}" BENCH_UPSTREAM_PYTHON="$UPSTREAM_VENV/bin/python" \
        run_impl daemon "$OURS_VENV/bin/python" "${BENCH_DAEMON_JSON:-$RESULTS_DIR/daemon.json}" "$DAEMON_FILE" -- "$@" \
        || overall=1
fi
if [ "$MODE" = profile ]; then
    # Profiled rounds are slower: their timings go to $RUN_DIR and are not kept, only the profiles are.
    ensure_ours
    rm -rf "$PROFILES_DIR"
    for file in "${ENGINE_FILES[@]}" "$FLOOR_FILE"; do
        BENCH_PROFILE_DIR="$PROFILES_DIR" run_impl "ours-profile" "$OURS_VENV/bin/python" \
            "$RUN_DIR/profile-$(basename "$file" .py).json" "$file" -- "$@" || overall=1
    done
fi
ensure_ours
"$OURS_VENV/bin/python" benchmarks/compare.py --ours "$RESULTS_DIR/ours.json" --upstream "$RESULTS_DIR/upstream.json" \
    --floor "$RESULTS_DIR/floor.json" --docs "$DOCS_PAGE" --marker "$DOCS_MARKER" \
    --plots "$(dirname "$DOCS_PAGE")/plots/$DOCS_MARKER" --profiles "$PROFILES_DIR" \
    --daemon "$RESULTS_DIR"/daemon*.json --daemon-plots "$(dirname "$DOCS_PAGE")/plots/daemon"
exit "$overall"

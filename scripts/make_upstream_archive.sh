#!/usr/bin/env bash
# Make tests/data/upstream-0.9.0.aiida: WorkGraphs run by upstream aiida-workgraph 0.9.0, exported as an AiiDA archive.
#
#   bash scripts/make_upstream_archive.sh [UPSTREAM_VENV]
#
# UPSTREAM_VENV (default /work/venv-upstream, or $UPSTREAM_VENV) is a virtual environment with upstream
# aiida-workgraph 0.9.0 and aiida-core 2.9.4 installed. In a temporary AIIDA_PATH it makes a `verdi presto` profile
# (SQLite, ZeroMQ broker), starts the daemon with the tests folder on PYTHONPATH (so its workers import
# upstream_db.upstream_tasks), runs scripts/make_upstream_archive.py (a finished, a failed and an unfinished graph),
# stops the daemon while the unfinished graph's CalcJob waits for its sleeping job, ends that job, exports every
# node (like `verdi archive create --all`, but unsealed processes included) and the unfinished graph's checkpoint
# (tests/data/upstream-0.9.0-unfinished-checkpoint.yaml; an import drops checkpoints), and removes the temporary
# folder.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UPSTREAM_VENV="${1:-${UPSTREAM_VENV:-/work/venv-upstream}}"
ARCHIVE="$REPO_ROOT/tests/data/upstream-0.9.0.aiida"
CHECKPOINT="$REPO_ROOT/tests/data/upstream-0.9.0-unfinished-checkpoint.yaml"
VERDI="$UPSTREAM_VENV/bin/verdi"

"$UPSTREAM_VENV/bin/python" -c 'import aiida_workgraph, sys; assert aiida_workgraph.__version__ == "0.9.0", aiida_workgraph.__version__'

WORK="$(mktemp -d -t upstream-archive-XXXXXX)"
export AIIDA_PATH="$WORK"
export PYTHONPATH="$REPO_ROOT/tests"
export PATH="$UPSTREAM_VENV/bin:$PATH"  # the daemon runs `verdi` from PATH
stop_daemon() {
    # `verdi daemon stop` can time out on a busy machine while the daemon still stops: wait until it has.
    "$VERDI" daemon stop || true
    for _ in $(seq 60); do
        "$VERDI" daemon status >/dev/null 2>&1 || return 0
        sleep 1
    done
    echo "the daemon of $AIIDA_PATH did not stop" >&2
    return 1
}
cleanup() {
    stop_daemon >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$VERDI" presto --use-zeromq --profile-name upstream-archive
"$VERDI" daemon start 1
"$UPSTREAM_VENV/bin/python" "$REPO_ROOT/scripts/make_upstream_archive.py" run | tee "$WORK/graphs.txt"
stop_daemon

# End the sleeping job (the CalcJob's node keeps waiting for it: the daemon is stopped).
JOB_ID="$(awk '$1 == "sleep_job" {print $2}' "$WORK/graphs.txt")"
for child in $(ps -o pid= --ppid "$JOB_ID" || true); do kill "$child" 2>/dev/null || true; done
kill "$JOB_ID" 2>/dev/null || true

"$VERDI" process list -a
"$UPSTREAM_VENV/bin/python" "$REPO_ROOT/scripts/make_upstream_archive.py" export "$ARCHIVE" "$CHECKPOINT"
ls -l "$ARCHIVE" "$CHECKPOINT"

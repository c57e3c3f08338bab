#!/usr/bin/env bash
# Upstream aiida-workgraph's documentation gallery, every script run unmodified through a daemon, with the final
# state of each WorkGraph process recorded in a JSON file (not in CI: CI cannot fetch the gallery).
#
#   bash scripts/run_upstream_gallery.sh [--venv DIR] [--out JSON] PATH [NAME...]
#
# PATH is a folder holding upstream's `docs/gallery` (for instance `git archive 0c6fe3c3 tests docs/gallery` of
# github:aiidateam/aiida-workgraph, unpacked), or the gallery folder itself. NAMEs (optional) keep only the scripts
# whose path relative to the gallery contains one of them (`quick_start`, `howto/`).
#
# The interpreter is the one of the virtual environment --venv DIR (or $GALLERY_VENV; default this repository's
# .venv, made by scripts/setup.sh), so the same script runs the gallery under upstream 0.9.0's venv too:
#
#   bash scripts/run_upstream_gallery.sh /work/upstream                       # this package -> .../results.json
#   bash scripts/run_upstream_gallery.sh --venv /tmp/venv-upstream --out /tmp/upstream.json /work/upstream
#   .venv/bin/python scripts/compare_gallery.py /tmp/upstream.json .ci-work/upstream-gallery/results.json
#
# In the run folder ($GALLERY_RUN_DIR, default .ci-work/upstream-gallery; emptied first) it makes its own
# AIIDA_PATH and profile (`verdi presto`: SQLite, RabbitMQ at 127.0.0.1:5672 if it answers, else ZeroMQ), the codes
# the gallery loads (`add@localhost`, `bash@localhost`: /bin/bash; `python3@localhost`: the venv's Python), and
# starts the daemon (one worker) with every script folder on PYTHONPATH. Each script is copied into its own folder
# (scripts/<path>/, where it runs and writes its files; stdout and stderr beside it) and run with
# `timeout $GALLERY_TIMEOUT` (default 300 s). Then scripts/gallery_record.py waits up to $GALLERY_WAIT s (default
# 60) for the WorkGraph processes the script made to terminate and records them (exit status of the script; per
# WorkGraph process: process state, exit status, each task's state, the graph outputs' values) in the JSON file
# (--out, default <run folder>/results.json).
# The daemon is stopped at the end, and on an error. Exit status: 0 when every script ran, 1 when one did not.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${GALLERY_VENV:-}"
OUT=""
NAMES=()
SOURCE=""
while [ $# -gt 0 ]; do
    case "$1" in
    --venv) VENV="$2"; shift 2 ;;
    --venv=*) VENV="${1#--venv=}"; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --out=*) OUT="${1#--out=}"; shift ;;
    -h | --help) sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
        if [ -z "$SOURCE" ]; then SOURCE="$1"; else NAMES+=("$1"); fi
        shift ;;
    esac
done
if [ -z "$SOURCE" ]; then
    printf 'usage: %s [--venv DIR] [--out JSON] PATH [NAME...]   (PATH: a folder with docs/gallery)\n' "$0" >&2
    exit 2
fi
if [ -d "$SOURCE/docs/gallery" ]; then
    GALLERY="$(cd "$SOURCE/docs/gallery" && pwd)"
elif [ -d "$SOURCE" ]; then
    GALLERY="$(cd "$SOURCE" && pwd)"
else
    printf '%s: %s is not a folder\n' "$0" "$SOURCE" >&2
    exit 2
fi

if [ -z "$VENV" ]; then
    # This package's own environment, made (or brought up to date) as for the tests.
    AIIDA_PATH="${AIIDA_PATH:-$REPO_ROOT/.aiida}" source "$REPO_ROOT/scripts/setup.sh" >/dev/null
    VENV="$WORKGRAPH_VENV"
fi
VENV="$(cd "$VENV" && pwd)"
PYTHON="$VENV/bin/python"
VERDI="$VENV/bin/verdi"
[ -x "$PYTHON" ] && [ -x "$VERDI" ] || { printf '%s: %s has no bin/python and bin/verdi\n' "$0" "$VENV" >&2; exit 2; }

RUN_DIR="${GALLERY_RUN_DIR:-$REPO_ROOT/.ci-work/upstream-gallery}"
TIMEOUT="${GALLERY_TIMEOUT:-300}"
WAIT="${GALLERY_WAIT:-60}"
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR/aiida" "$RUN_DIR/scripts"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
OUT="${OUT:-$RUN_DIR/results.json}"
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
rm -f "$OUT"
RECORDER="$REPO_ROOT/scripts/gallery_record.py"

log() { printf '[gallery] %s\n' "$*"; }

export AIIDA_PATH="$RUN_DIR/aiida"
export PATH="$VENV/bin:$PATH"
export MPLBACKEND=Agg
unset PYTHONPATH

log "$("$PYTHON" -c 'from importlib.metadata import version; print("aiida-workgraph", version("aiida-workgraph"))') ($VENV), run folder $RUN_DIR"

# The scripts, each in its own folder.
mapfile -t SCRIPTS < <(cd "$GALLERY" && find . -name '*.py' -not -name 'conf.py' | sed 's|^\./||' | sort)
SELECTED=()
for script in "${SCRIPTS[@]}"; do
    keep=$(( ${#NAMES[@]} == 0 ))
    for name in "${NAMES[@]}"; do
        [[ "$script" == *"$name"* ]] && keep=1
    done
    [ "$keep" = 1 ] && SELECTED+=("$script")
done
[ ${#SELECTED[@]} -gt 0 ] || { printf '%s: no gallery script in %s matches %s\n' "$0" "$GALLERY" "${NAMES[*]}" >&2; exit 2; }
FOLDERS=()
for script in "${SELECTED[@]}"; do
    folder="$RUN_DIR/scripts/${script%.py}"
    mkdir -p "$folder"
    cp "$GALLERY/$script" "$folder/"
    FOLDERS+=("$folder")
done

# The profile, its codes and the daemon.
"$VERDI" presto --profile-name gallery >"$RUN_DIR/presto.log" 2>&1 || { cat "$RUN_DIR/presto.log" >&2; exit 1; }
log "profile: $(grep -i -m1 'broker' "$RUN_DIR/presto.log" || echo 'made')"
for label in add bash; do
    "$VERDI" code create core.code.installed --non-interactive --label "$label" --computer localhost \
        --filepath-executable /bin/bash >>"$RUN_DIR/codes.log" 2>&1
done
# Upstream's PythonJob runs `python3@localhost` (made if missing, as `python3` of the job's login shell: the system's,
# without aiida-pythonjob's packages); the gallery's docs build has its environment's Python there, as made here.
"$VERDI" code create core.code.installed --non-interactive --label python3 --computer localhost \
    --filepath-executable "$PYTHON" >>"$RUN_DIR/codes.log" 2>&1
daemon_started=0
stop_daemon() {
    if [ "$daemon_started" = 1 ]; then
        "$VERDI" daemon stop >"$RUN_DIR/daemon-stop.log" 2>&1 || true
        daemon_started=0
    fi
}
trap stop_daemon EXIT
PYTHONPATH="$(IFS=:; echo "${FOLDERS[*]}")" "$VERDI" daemon start 1 >"$RUN_DIR/daemon-start.log" 2>&1 \
    || { cat "$RUN_DIR/daemon-start.log" >&2; exit 1; }
daemon_started=1
log "daemon started (1 worker); timeout ${TIMEOUT} s per script"

overall=0
for index in "${!SELECTED[@]}"; do
    script="${SELECTED[$index]}"
    folder="${FOLDERS[$index]}"
    name="$(basename "$script")"
    mark="$("$PYTHON" "$RECORDER" mark)"
    start=$(date +%s.%N)
    status=0
    (cd "$folder" && PYTHONPATH="$folder" timeout "$TIMEOUT" "$PYTHON" "$name" >stdout.txt 2>stderr.txt </dev/null) \
        || status=$?
    seconds=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
    "$PYTHON" "$RECORDER" record --after "$mark" --script "$script" --status "$status" --seconds "$seconds" \
        --stderr "$folder/stderr.txt" --wait "$WAIT" --out "$OUT"
    [ "$status" = 0 ] || overall=1
    log "$(printf '%-60s exit %3s  %6s s' "$script" "$status" "$seconds")"
done
stop_daemon
log "results: $OUT"
exit "$overall"

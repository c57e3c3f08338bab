#!/usr/bin/env bash
# Set up everything the main job and the tests need, from scratch; safe to run again (idempotent).
#
#   bash scripts/setup.sh
#
# scripts/run_main_job.sh and scripts/run_tests.sh source it. It does, in this order:
#
# 1. a virtual environment ($WORKGRAPH_VENV, default: .venv in the repository), made with $PYTHON (default:
#    python3.11, else python3; 3.10 or newer);
# 2. `pip install -e .[tests,docs]` into it (skipped when pyproject.toml and the interpreter are unchanged since the last
#    successful install);
# 3. an AiiDA profile: AIIDA_PATH is yours if you set it, else .aiida in the repository (never silently ~/.aiida);
#    if that configuration has no default profile, `verdi presto --use-zeromq` makes one (SQLite + ZeroMQ: no
#    service needed; name: $WORKGRAPH_PROFILE, default `workgraph`).
#
# When sourced (by the other scripts) it exports REPO_ROOT, WORKGRAPH_VENV, VENV_PYTHON, AIIDA_PATH and PATH
# (with the venv's bin first).

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

_setup_log() { printf '[setup] %s\n' "$*"; }
_setup_fail() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# region python and virtual environment

_setup_find_python() {
    if [ -n "${PYTHON:-}" ]; then
        command -v "$PYTHON" || _setup_fail "PYTHON=$PYTHON is not an executable"
        return
    fi
    local candidate
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1; then
            command -v "$candidate"
            return
        fi
    done
    _setup_fail 'no Python 3.10 or newer found: install python3 (Debian: apt-get install python3 python3-venv) or set PYTHON'
}

_setup_make_venv() {
    local python="$1"
    if "$python" -m venv "$WORKGRAPH_VENV" 2>/dev/null; then
        return
    fi
    # Debian's python3 has no `venv`/`ensurepip` without the python3-venv package: install it when we can.
    rm -rf "$WORKGRAPH_VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        local version
        version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        _setup_log "python -m venv failed; installing python${version}-venv with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" \
            || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        "$python" -m venv "$WORKGRAPH_VENV" && return
    fi
    _setup_fail "could not create a virtual environment with $python (Debian: apt-get install python3-venv)"
}

WORKGRAPH_VENV="${WORKGRAPH_VENV:-$REPO_ROOT/.venv}"
export WORKGRAPH_VENV
VENV_PYTHON="$WORKGRAPH_VENV/bin/python"
export VENV_PYTHON

if [ -x "$VENV_PYTHON" ] && "$VENV_PYTHON" -c 'import sys' >/dev/null 2>&1; then
    _setup_log "virtual environment: $WORKGRAPH_VENV (exists)"
else
    if [ -e "$WORKGRAPH_VENV" ]; then
        [ "$WORKGRAPH_VENV" = "$REPO_ROOT/.venv" ] || _setup_fail "$WORKGRAPH_VENV exists but holds no working Python"
        _setup_log "removing the broken virtual environment $WORKGRAPH_VENV"
        rm -rf "$WORKGRAPH_VENV"
    fi
    _SETUP_PYTHON="$(_setup_find_python)"
    _setup_log "creating the virtual environment $WORKGRAPH_VENV with $_SETUP_PYTHON ($("$_SETUP_PYTHON" --version 2>&1))"
    _setup_make_venv "$_SETUP_PYTHON"
fi
export PATH="$WORKGRAPH_VENV/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# endregion

# region packages

# The stamp records what the last successful install was made from; an editable install picks up changes to the
# sources by itself, only pyproject.toml (dependencies, entry points) needs a new install.
_SETUP_STAMP="$WORKGRAPH_VENV/.aiida-workgraph-setup"
_SETUP_WANT="$(cat "$REPO_ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1) $REPO_ROOT $("$VENV_PYTHON" --version 2>&1)"
if [ -f "$_SETUP_STAMP" ] && [ "$(cat "$_SETUP_STAMP")" = "$_SETUP_WANT" ] \
    && "$VENV_PYTHON" -c 'import aiida_workgraph, aiida, pytest, sphinx, myst_parser, sphinx_gallery' >/dev/null 2>&1; then
    _setup_log 'packages: up to date (pip install -e .[tests,docs] skipped)'
else
    _setup_log 'installing the package with its test and docs dependencies: pip install -e .[tests,docs]'
    _SETUP_START=$SECONDS
    # (Some machines' pip configuration names local package folders that may not exist: pip then prints one
    # "WARNING: Location '...' is ignored" per package, which is noise; pip's own exit status is kept.)
    "$VENV_PYTHON" -m pip install --quiet --progress-bar off -e "$REPO_ROOT[tests,docs]" 2>&1 \
        | { grep -v "^WARNING: Location '.*' is ignored" || true; }
    printf '%s\n' "$_SETUP_WANT" >"$_SETUP_STAMP"
    _setup_log "packages installed in $((SECONDS - _SETUP_START)) s"
fi

# endregion

# region AiiDA profile

if [ -n "${AIIDA_PATH:-}" ]; then
    _setup_log "AIIDA_PATH: $AIIDA_PATH (yours)"
else
    AIIDA_PATH="$REPO_ROOT/.aiida"
    _setup_log "AIIDA_PATH: $AIIDA_PATH (in the repository; set AIIDA_PATH to use another configuration)"
fi
export AIIDA_PATH
if [ "$AIIDA_PATH" = "$REPO_ROOT/.aiida" ] && [ ! -e "$AIIDA_PATH" ]; then
    mkdir -p "$AIIDA_PATH"
    printf '*\n' >"$AIIDA_PATH/.gitignore" # the profile (database, repository) must never be committed
fi

_SETUP_PROFILE="$("$VENV_PYTHON" - <<'EOF' 2>/dev/null || true
import warnings
warnings.simplefilter('ignore')
from aiida.manage.configuration import get_config
try:
    print(get_config(create=True).default_profile_name or '')
except Exception:
    print('')
EOF
)"
if [ -n "$_SETUP_PROFILE" ]; then
    _setup_log "AiiDA profile: $_SETUP_PROFILE (the default profile of this configuration)"
else
    _SETUP_NEW_PROFILE="${WORKGRAPH_PROFILE:-workgraph}"
    _setup_log "no AiiDA profile configured: verdi presto --use-zeromq -p $_SETUP_NEW_PROFILE (SQLite + ZeroMQ)"
    verdi presto --use-zeromq --profile-name "$_SETUP_NEW_PROFILE" --non-interactive </dev/null
fi

# endregion

_setup_log 'done'

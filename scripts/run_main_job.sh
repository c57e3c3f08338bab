#!/usr/bin/env bash
# Command 1 of the README: set up from scratch (scripts/setup.sh) and run the main job, examples/main_job.py.
#
#   bash scripts/run_main_job.sh
#
# Exits with the main job's status: 0 when the WorkGraph and every task finished with the expected outputs.

set -euo pipefail

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup.sh"

printf '\n[main job] AIIDA_PATH=%s python examples/main_job.py\n' "$AIIDA_PATH"
cd "$REPO_ROOT"
exec "$VENV_PYTHON" examples/main_job.py "$@"

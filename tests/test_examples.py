"""Every script of ``examples/`` (the documentation gallery) runs end to end against the test profile.

``examples/main_job.py`` is left out: ``scripts/run_main_job.sh`` runs it. Each script runs in a fresh interpreter,
as a user would run it, in a temporary working folder for the files it writes; the test profile is loaded first, so
the script's own ``load_profile()`` returns it. A ``localhost`` computer exists, as on a profile made by
``verdi presto``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / 'examples'
SCRIPTS = sorted(path.name for path in EXAMPLES.glob('*.py') if path.name != 'main_job.py')
RUNNER = (
    'import runpy, sys; from aiida import load_profile; load_profile(sys.argv[1]); '
    'runpy.run_path(sys.argv[2], run_name="__main__")'
)


def test_examples_exist() -> None:
    """The gallery is not empty."""
    assert SCRIPTS


@pytest.mark.parametrize('script', SCRIPTS)
def test_example_runs(
    script: str, tmp_path: Path, aiida_profile: Any, aiida_computer_local: Callable[..., Any]
) -> None:
    """The script runs to its end (its own asserts check its results) and prints what it shows."""
    from aiida import orm
    from aiida.common.exceptions import NotExistent

    try:
        orm.load_computer('localhost')
    except NotExistent:
        aiida_computer_local(label='localhost')
    completed = subprocess.run(
        [sys.executable, '-c', RUNNER, aiida_profile.name, str(EXAMPLES / script)],
        env=dict(os.environ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, f'{script} failed:\n{completed.stdout}\n{completed.stderr}'
    assert completed.stdout.strip()

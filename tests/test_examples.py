"""Every script of ``examples/`` (the documentation gallery) runs end to end against the test profile.

``examples/main_job.py`` is left out: ``scripts/run_main_job.sh`` runs it. Each script runs in this interpreter
(``runpy``, as ``__main__``), where its ``load_profile()`` returns the test profile, in a temporary working folder
for the files it writes; a ``localhost`` computer exists, as on a profile made by ``verdi presto``.
"""

from __future__ import annotations

import os
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / 'examples'
SCRIPTS = sorted(path.name for path in EXAMPLES.glob('*.py') if path.name != 'main_job.py')


def test_examples_exist() -> None:
    """The gallery is not empty."""
    assert SCRIPTS


@pytest.mark.parametrize('script', SCRIPTS)
def test_example_runs(
    script: str, tmp_path: Path, aiida_computer_local: Callable[..., Any], capsys: pytest.CaptureFixture
) -> None:
    """The script runs to its end (its own asserts check its results) and prints what it shows."""
    from aiida import orm
    from aiida.common.exceptions import NotExistent

    try:
        orm.load_computer('localhost')
    except NotExistent:
        aiida_computer_local(label='localhost')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        runpy.run_path(str(EXAMPLES / script), run_name='__main__')
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out.strip()

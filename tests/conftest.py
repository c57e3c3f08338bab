"""Shared fixtures: a temporary AiiDA profile with a ZeroMQ broker, a daemon that can import the test tasks, codes.

Importing ``aiida`` without ``AIIDA_PATH`` creates ``~/.aiida``, so this module points ``AIIDA_PATH`` to a private
temporary folder before anything imports ``aiida``; the ``aiida_config`` fixture then loads the session's own
temporary configuration inside pytest's base temporary folder.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent
VENV_BIN = str(Path(sys.executable).parent)
DAEMON_TIMEOUT = 60
"""Seconds the daemon client waits for circus (aiida-core's default is 2)."""

# Before aiida is imported (by the plugin below): a private config folder, never ``~/.aiida``.
_BOOTSTRAP_AIIDA_PATH = tempfile.mkdtemp(prefix='aiida-workgraph-tests-')
os.environ['AIIDA_PATH'] = _BOOTSTRAP_AIIDA_PATH
# ``verdi`` (which the daemon client starts) must be found on PATH even when the venv is not activated.
if VENV_BIN not in os.environ.get('PATH', '').split(os.pathsep):
    os.environ['PATH'] = os.pathsep.join([VENV_BIN, os.environ.get('PATH', '')])
# Daemon workers get their PYTHONPATH from this process: make ``tasks_for_tests`` importable for them.
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))
os.environ['PYTHONPATH'] = os.pathsep.join(p for p in [str(TESTS_DIR), os.environ.get('PYTHONPATH', '')] if p)

pytest_plugins = ['aiida.tools.pytest_fixtures']


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the bootstrap configuration folder once the session is over."""
    shutil.rmtree(_BOOTSTRAP_AIIDA_PATH, ignore_errors=True)


@pytest.fixture(scope='session', autouse=True)
def aiida_profile(aiida_config: Any, aiida_profile_factory: Callable[..., Any]) -> Iterator[Any]:
    """The session's temporary SQLite profile, with a ZeroMQ broker so that it can also ``submit()`` to a daemon."""
    with aiida_profile_factory(aiida_config, broker_backend='core.zeromq') as profile:
        # aiida-core's daemon client gives circus 2 s to answer; on a loaded 2-core machine starting or stopping a
        # worker takes longer, and the fixtures' calls would time out.
        aiida_config.set_option('daemon.timeout', DAEMON_TIMEOUT, scope=profile.name)
        yield profile


@pytest.fixture(autouse=True)
def database_logging_after_cli() -> Iterator[None]:
    """Give the reports back their database handler after a test that invoked a ``verdi``-style command in-process.

    The commands' ``--verbosity`` option calls aiida-core's ``configure_logging()`` without the storage handler and
    marks the interpreter as a CLI for good, so the reports of every later process would no longer reach the database
    (``verdi process report``). A ``verdi`` command in its own process, as users run it, does not affect this.
    """
    from aiida.common import log

    yield
    if log.CLI_ACTIVE:
        log.CLI_ACTIVE = False
        log.CLI_LOG_LEVEL = None
        log.configure_logging(with_orm=True)


@pytest.fixture
def bash_code(aiida_code_installed: Callable[..., Any]) -> Any:
    """An ``InstalledCode`` for ``/bin/bash`` on the ``localhost`` computer, as ``ArithmeticAddCalculation`` needs.

    Made once per profile, under a label of its own: shell jobs with ``command='bash'`` load ``bash@localhost`` by
    label, and a second code of that label would make their launch fail with ``MultipleObjectsError``.
    """
    from aiida import orm
    from aiida.common.exceptions import NotExistent

    try:
        return orm.load_code('bash-add@localhost')
    except NotExistent:
        return aiida_code_installed(
            label='bash-add', default_calc_job_plugin='core.arithmetic.add', filepath_executable='/bin/bash'
        )


@pytest.fixture
def to_dict_counter() -> Iterator[dict[str, int]]:
    """The ``to_dict`` call counter of :class:`tasks_for_tests.CountedPoint`, emptied before and after the test."""
    import tasks_for_tests

    tasks_for_tests.reset_to_dict_calls()
    yield tasks_for_tests.TO_DICT_CALLS
    tasks_for_tests.reset_to_dict_calls()


@pytest.fixture(autouse=True)
def no_current_graph_after_test() -> Iterator[None]:
    """Leave no current graph behind: a task call outside ``with WorkGraph()`` makes a WorkGraph current for the
    interpreter (as upstream does), which would otherwise be the graph of every later test's calls."""
    yield
    from aiida_workgraph.manager import set_current_graph

    set_current_graph(None)

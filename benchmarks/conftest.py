"""Fixtures and pytest-benchmark hooks of the benchmark suite.

The same benchmark files run under two interpreters: our package's virtual environment and one with upstream
aiida-workgraph 0.9.0 (both have the import name ``aiida_workgraph``). ``scripts/run_benchmarks.sh`` runs them one
after the other and ``benchmarks/compare.py`` puts the results side by side.

Settings (environment variables, read by ``scripts/run_benchmarks.sh`` too):

- ``BENCH_BUDGET``: time budget in seconds of one round of one case (default 60, see ``budget.py``);
- ``BENCH_BROKER``: broker of the temporary profile: empty/``none`` (default) or ``core.zeromq`` (the aiida-core
  fixtures then start the ZeroMQ broker service for the session);
- ``BENCH_IMPL``: the name under which results are labelled (default: ``ours`` if ``aiida_workgraph`` is imported
  from this repository, else ``upstream``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import pathlib
import platform
import tempfile
from collections.abc import Iterator
from types import ModuleType
from typing import Any

# Never let AiiDA fall back to ~/.aiida: the fixtures below make their own temporary configuration, but AiiDA may be
# imported (by the plugins) before they run.
os.environ.setdefault('AIIDA_PATH', tempfile.mkdtemp(prefix='aiida-bench-'))

import pytest  # noqa: E402
from budget import BudgetTracker  # noqa: E402

pytest_plugins = ['aiida.tools.pytest_fixtures']

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
BUDGET_KEY = pytest.StashKey[BudgetTracker]()
LOAD_KEY = pytest.StashKey[tuple[float, float, float]]()
PACKAGES = ('aiida-workgraph', 'aiida-core', 'node-graph', 'aiida-pythonjob', 'plumpy', 'pytest-benchmark')


def implementation() -> str:
    """Return ``ours`` if ``aiida_workgraph`` comes from this repository's ``src``, else ``upstream`` (or
    ``$BENCH_IMPL``).

    (``src``, not the whole repository: upstream's environment, ``.venv-upstream``, is inside the repository too.)
    """
    if os.environ.get('BENCH_IMPL'):
        return os.environ['BENCH_IMPL']
    spec = importlib.util.find_spec('aiida_workgraph')
    origin = pathlib.Path(spec.origin).resolve() if spec and spec.origin else None
    return 'ours' if origin is not None and REPOSITORY / 'src' in origin.parents else 'upstream'


def broker_backend() -> str | None:
    """Return the broker of the session's profile from ``$BENCH_BROKER`` (``None``: no broker)."""
    value = os.environ.get('BENCH_BROKER', '').strip()
    return None if value in ('', 'none') else value


def package_versions() -> dict[str, str]:
    """Return the installed versions of the packages that matter for the measurements."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = 'not installed'
    return versions


def pytest_configure(config: pytest.Config) -> None:
    """Create the session's budget tracker and remember the load average at the start."""
    config.stash[BUDGET_KEY] = BudgetTracker(seconds=float(os.environ.get('BENCH_BUDGET') or 60))
    config.stash[LOAD_KEY] = os.getloadavg()


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    """Record which implementation ran, the package versions, the profile and how busy the machine was."""
    machine_info['implementation'] = implementation()
    machine_info['packages'] = package_versions()
    machine_info['aiida_profile'] = {'storage': 'core.sqlite_dos', 'broker': broker_backend() or 'none'}
    machine_info['cpu_count'] = os.cpu_count()
    machine_info['load_average_start'] = list(config.stash[LOAD_KEY])
    machine_info['load_average_end'] = list(os.getloadavg())
    machine_info['platform'] = platform.platform()


def pytest_benchmark_update_json(config: pytest.Config, benchmarks: list[Any], output_json: dict[str, Any]) -> None:
    """Add the budget and the cases without a valid measurement (skipped or stopped) to the JSON output."""
    tracker = config.stash[BUDGET_KEY]
    output_json['budget_seconds'] = tracker.seconds
    output_json['not_measured'] = tracker.not_measured


@pytest.fixture(scope='session')
def aiida_profile(aiida_config: Any, aiida_profile_factory: Any) -> Iterator[Any]:
    """The session's temporary SQLite profile; with a broker if ``$BENCH_BROKER`` names one.

    This overrides aiida-core's fixture of the same name (autouse). With ``core.zeromq``, aiida-core's
    ``run_aiida_broker_service`` fixture starts the broker service for the session and stops it at the end.
    """
    with aiida_profile_factory(aiida_config, broker_backend=broker_backend()) as profile:
        yield profile


@pytest.fixture
def clean_profile(aiida_profile: Any) -> Any:
    """The session's profile with an empty database, so that a case does not pay for the nodes of earlier cases."""
    aiida_profile.reset_storage()
    return aiida_profile


@pytest.fixture(scope='session')
def workload(aiida_profile: Any) -> ModuleType:
    """The ``workload`` module (task functions and graph builders), imported once a profile is loaded."""
    import workload as module

    return module


@pytest.fixture(scope='session')
def implementation_name() -> str:
    """The label of the implementation under test: ``ours`` or ``upstream`` (see :func:`implementation`)."""
    return implementation()


@pytest.fixture(scope='session')
def floor(aiida_profile: Any) -> ModuleType:
    """The ``floor`` module (aiida-core alone), imported once a profile is loaded."""
    import floor as module

    return module


@pytest.fixture
def budget(pytestconfig: pytest.Config) -> BudgetTracker:
    """The session's :class:`~budget.BudgetTracker`."""
    return pytestconfig.stash[BUDGET_KEY]


@pytest.fixture
def python_code(clean_profile: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An empty database with a ``localhost`` computer and a code running this interpreter (for PythonJobs).

    The computer is what ``verdi presto`` makes (``core.local`` transport, ``core.direct`` scheduler), with a minimum
    job poll interval of 0 and a transport safe interval of 0, so that neither implementation waits for a poll
    interval. The code is ``sys.executable``: the job's interpreter has the same packages as this one.
    """
    import sys

    from aiida import orm

    computer = orm.Computer(
        label='localhost',
        hostname='localhost',
        workdir=str(tmp_path_factory.mktemp('localhost-workdir')),
        transport_type='core.local',
        scheduler_type='core.direct',
    ).store()
    computer.set_minimum_job_poll_interval(0)
    computer.set_default_mpiprocs_per_machine(1)
    computer.configure(safe_interval=0)
    return orm.InstalledCode(
        label='python',
        computer=computer,
        filepath_executable=sys.executable,
        default_calc_job_plugin='pythonjob.pythonjob',
    ).store()

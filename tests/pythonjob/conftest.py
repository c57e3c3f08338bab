"""Fixtures of the PythonJob tests: the real ``localhost`` computer, engine capture, node counting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiida import orm

COMPUTER_LABEL = 'localhost'


@pytest.fixture(scope='session')
def localhost(aiida_profile: Any, tmp_path_factory: pytest.TempPathFactory) -> orm.Computer:
    """The ``localhost`` computer PythonJobs run on by default: ``core.local`` transport, ``core.direct`` scheduler.

    It is created once per session (or reused when another fixture, e.g. ``aiida_localhost``, created it first) and
    configured, with a minimum job poll interval of 0 so that jobs are collected as soon as they end.
    """
    from aiida.common.exceptions import NotExistent

    try:
        computer = orm.Computer.collection.get(label=COMPUTER_LABEL)
    except NotExistent:
        workdir: Path = tmp_path_factory.mktemp('localhost-workdir')
        computer = orm.Computer(
            label=COMPUTER_LABEL,
            hostname='localhost',
            workdir=str(workdir),
            transport_type='core.local',
            scheduler_type='core.direct',
        ).store()
        computer.set_minimum_job_poll_interval(0)
        computer.set_default_mpiprocs_per_machine(1)
    if not computer.is_configured:
        computer.configure()
    assert (computer.transport_type, computer.scheduler_type) == ('core.local', 'core.direct')
    return computer


@pytest.fixture
def node_count() -> Callable[[], int]:
    """Return a function that counts every node in the database."""

    def count() -> int:
        return orm.QueryBuilder().append(orm.Node).count()

    return count


@pytest.fixture
def traced_calls() -> Iterator[dict[str, int]]:
    """The ``to_dict`` counter of :class:`pythonjob_tasks.TracedVector`, emptied before and after the test."""
    import pythonjob_tasks

    pythonjob_tasks.reset_to_dict_calls()
    yield pythonjob_tasks.TO_DICT_CALLS
    pythonjob_tasks.reset_to_dict_calls()


class EngineRecorder:
    """Keeps every ``WorkGraphEngine`` instance created while it is installed (the real constructor still runs)."""

    def __init__(self) -> None:
        self.engines: list[Any] = []


@pytest.fixture(scope='module')
def engine_recorder() -> Iterator[EngineRecorder]:
    """Record the ``WorkGraphEngine`` instances created in a test module, to inspect their ``walk_result``.

    ``WorkGraphEngine.__init__`` is wrapped for the module; the real constructor runs unchanged.
    """
    from aiida_workgraph.engine.workgraph_engine import WorkGraphEngine

    recorder = EngineRecorder()
    original = WorkGraphEngine.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        recorder.engines.append(self)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(WorkGraphEngine, '__init__', init)
        yield recorder

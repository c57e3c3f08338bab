"""Fixtures of the serialization tests: bad values that are cleaned up, and the check that nothing was stored."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from serialization_helpers import count_nodes, make_bad_value

from aiida_workgraph import WorkGraphSerializationError


@pytest.fixture
def bad_value() -> Iterator[Callable[[str], Any]]:
    """Return a factory of bad values by kind (see ``serialization_helpers.BAD_VALUES``); files and sockets are
    closed after the test."""
    with contextlib.ExitStack() as closing:
        yield lambda kind: make_bad_value(kind, closing)


@pytest.fixture
def refused_before_storing() -> Callable[..., contextlib.AbstractContextManager[pytest.ExceptionInfo]]:
    """Return a context manager that expects a ``WorkGraphSerializationError`` and no new node of any kind.

    Usage::

        with refused_before_storing() as info:
            wg.run()
        assert 'tasks.add1.x' in str(info.value)
    """

    @contextlib.contextmanager
    def expect() -> Iterator[pytest.ExceptionInfo]:
        before = count_nodes()
        with pytest.raises(WorkGraphSerializationError) as info:
            yield info
        assert count_nodes() == before, 'a node was stored although the values were refused'

    return expect


@pytest.fixture
def wait_terminated() -> Callable[..., Any]:
    """Return a function that waits until the process of a pk is terminated and returns its node.

    :raises AssertionError: with the end of the daemon log if it is not terminated within ``timeout`` seconds.
    """
    import time

    from aiida import orm

    def wait(pk: int, client: Any, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while not (node := orm.load_node(pk)).is_terminated:
            if time.monotonic() > deadline:
                with open(client.daemon_log_file, encoding='utf-8') as handle:
                    raise AssertionError(f'process {pk} did not terminate:\n{handle.read()[-6000:]}')
            time.sleep(0.2)
        return node

    return wait


@pytest.fixture(scope='session')
def localhost(aiida_profile: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The ``localhost`` computer PythonJobs run on by default (created once per session, or reused), configured
    with a minimum job poll interval of 0 so that jobs are collected as soon as they end."""
    from aiida import orm
    from aiida.common.exceptions import NotExistent

    try:
        computer = orm.Computer.collection.get(label='localhost')
    except NotExistent:
        computer = orm.Computer(
            label='localhost',
            hostname='localhost',
            workdir=str(tmp_path_factory.mktemp('localhost-workdir')),
            transport_type='core.local',
            scheduler_type='core.direct',
        ).store()
        computer.set_minimum_job_poll_interval(0)
        computer.set_default_mpiprocs_per_machine(1)
    if not computer.is_configured:
        computer.configure()
    return computer

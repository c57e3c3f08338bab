"""Task functions and graph builders shared by the benchmarks; the same code runs against both implementations.

This module imports ``aiida_workgraph`` at import time, and upstream aiida-workgraph 0.9.0 cannot be imported
without a loaded AiiDA profile: import it only from inside a test or fixture (see ``conftest.workload``), never at
the top of a benchmark file.

Only the public API shared by both implementations is used: ``WorkGraph``, ``task``, ``task.calcfunction``,
``task.pythonjob``, ``WorkGraph.add_task``, sockets (``task.outputs.result``), ``with WorkGraph() as wg:``, the zones
``While`` and ``Map`` (``Map(source)``, ``m.value``, ``m.gather``), ``run()`` and ``save()``.

The task functions check a *deadline* (see :class:`deadline.Deadline`): once the time budget of a benchmark case has
passed, the next task raises :class:`deadline.BudgetExceeded`. Both engines treat that as an ordinary failed task and
skip the tasks after it in the chain, so a run that is too slow ends promptly and cleanly, instead of being
interrupted in the middle of a database transaction.
"""

from __future__ import annotations

import sys
from typing import Any

from deadline import Deadline

from aiida_workgraph import Map, While, WorkGraph, task

DEADLINE = Deadline()
MODULE = __name__


def deadline() -> Deadline:
    """Return :data:`DEADLINE` of the imported module.

    Upstream runs a plain ``@task`` function from a copy of it whose globals are copies too (same process and thread,
    other objects: a ``DEADLINE`` referenced directly would be a stale copy). ``sys`` is shared by any copy, and so is
    the module found in ``sys.modules``.
    """
    return sys.modules[MODULE].DEADLINE


@task
def add(x, y):
    """Add two numbers: a plain ``@task`` function (how each engine runs it, and with which provenance, is its own).

    (Untyped on purpose: type hints would make typed sockets, whose validation is not what is measured here.)
    """
    deadline().check()
    return x + y


@task.calcfunction
def add_calcfunction(x, y):
    """Add two AiiDA numbers as a ``calcfunction`` task: one child process (and provenance node) per call."""
    deadline().check()
    return x + y


@task.pythonjob()
def add_pythonjob(x, y):
    """Add two numbers in a ``PythonJob``: a CalcJob on ``localhost`` that runs the function in a new interpreter.

    (No deadline check: the function runs in the job's interpreter, not in this one.)
    """
    return x + y


def build_independent(n: int) -> WorkGraph:
    """Return a graph of ``n`` independent ``add`` tasks with plain Python values, built with ``add_task``."""
    wg = WorkGraph(f'independent_{n}')
    for i in range(n):
        wg.add_task(add, name=f'add{i}', x=i, y=1)
    return wg


def build_independent_context(n: int) -> WorkGraph:
    """Return the graph of :func:`build_independent`, built by calling the task handle inside ``with WorkGraph()``."""
    with WorkGraph(f'independent_{n}') as wg:
        for i in range(n):
            add(x=i, y=1)
    return wg


def build_chain(n: int, calcfunction: bool = False) -> WorkGraph:
    """Return a chain of ``n`` tasks, each adding 1 to the result of the one before (the last result is ``n``).

    :param calcfunction: use the ``calcfunction`` task instead of the plain ``@task`` function.
    """
    function = add_calcfunction if calcfunction else add
    wg = WorkGraph(f'chain_{n}')
    previous = wg.add_task(function, name='add0', x=0, y=1)
    for i in range(1, n):
        previous = wg.add_task(function, name=f'add{i}', x=previous.outputs.result, y=1)
    wg.outputs.result = previous.outputs.result
    return wg


def build_fanout(n: int, calcfunction: bool = False) -> WorkGraph:
    """Return a fan-out of ``n`` independent tasks ``add(x=i, y=1)`` (results ``1..n``), ready to run at once.

    :param calcfunction: use the ``calcfunction`` task instead of the plain ``@task`` function.
    """
    function = add_calcfunction if calcfunction else add
    wg = WorkGraph(f'fanout_{n}')
    for i in range(n):
        wg.add_task(function, name=f'add{i}', x=i, y=1)
    return wg


def build_while(n: int) -> WorkGraph:
    """Return a graph whose ``While`` zone runs ``add(x=ctx.n, y=1)`` ``n`` times (``ctx.n`` from 0 to ``n``).

    Each iteration runs the zone's condition (``ctx.n < n``) and the ``add`` task; an ``add(x=ctx.n, y=0)`` after the
    loop exposes the final value as the graph output ``result`` (``n``).
    """
    with WorkGraph(f'while_{n}') as wg:
        wg.ctx.n = 0
        with While(wg.ctx.n < n, max_iterations=n + 1):
            wg.ctx.n = add(x=wg.ctx.n, y=1).result
        wg.outputs.result = add(x=wg.ctx.n, y=0).result
    return wg


def map_source(n: int) -> dict[str, int]:
    """Return the source of the ``Map`` groups: ``{'k0': 0, 'k1': 1, ...}`` (upstream 0.9.0 maps over a dict)."""
    return {f'k{i}': i for i in range(n)}


def build_map(n: int, code: Any = None) -> WorkGraph:
    """Return a graph whose ``Map`` zone runs ``add(x=value, y=1)`` once per item of :func:`map_source` ``(n)``.

    The results are gathered into the zone output ``res`` (one entry per item, ``i + 1`` for the item ``k{i}``),
    exposed as the graph output ``res``.

    :param code: run the body as the ``PythonJob`` :func:`add_pythonjob` with this code, instead of the plain ``@task``
        :func:`add`.
    """
    with WorkGraph(f'map_{n}') as wg:
        with Map(map_source(n)) as zone:
            if code is None:
                result = add(x=zone.value, y=1).result
            else:
                result = add_pythonjob(x=zone.value, y=1, code=code, register_pickle_by_value=True).result
            zone.gather({'res': result})
        wg.outputs.res = zone.outputs.res
    return wg


def build_pythonjobs(n: int, code: Any) -> WorkGraph:
    """Return a fan-out of ``n`` independent ``PythonJob`` tasks ``add_pythonjob(x=i, y=1)`` run by ``code``.

    The function is pickled by value (``register_pickle_by_value``), so the job needs no access to this module.
    """
    wg = WorkGraph(f'pythonjobs_{n}')
    for i in range(n):
        wg.add_task(add_pythonjob, name=f'job{i}', x=i, y=1, code=code, register_pickle_by_value=True)
    return wg


def build_pythonjob_chain(n: int, code: Any) -> WorkGraph:
    """Return a chain of ``n`` ``PythonJob`` tasks, each adding 1 to the result of the one before (last: ``n``)."""
    wg = WorkGraph(f'pythonjob_chain_{n}')
    previous = wg.add_task(add_pythonjob, name='job0', x=0, y=1, code=code, register_pickle_by_value=True)
    for i in range(1, n):
        previous = wg.add_task(
            add_pythonjob, name=f'job{i}', x=previous.outputs.result, y=1, code=code, register_pickle_by_value=True
        )
    wg.outputs.result = previous.outputs.result
    return wg

"""The graphs of the daemon benchmark (``bench_daemon.py``): ``N`` WorkGraphs of 10 plain ``@task`` additions each.

Daemon workers import this module (``benchmarks/`` is on the ``PYTHONPATH`` the daemon is started with), so the task
function is found by its module path. It imports ``aiida_workgraph`` (ours or upstream 0.9.0, whichever the
interpreter has) and uses only the public API both share; the floor's counterpart is ``daemon_floor.py``.
"""

from __future__ import annotations

from aiida_workgraph import WorkGraph, task

TASKS_PER_GRAPH = 10
"""The number of tasks of one graph."""


@task
def add(x, y):
    """Add two numbers: a plain ``@task`` function (each run is one ``PyFunction`` process node in both packages).

    (Untyped on purpose, as in ``workload.add``: typed sockets would add a validation that is not what is measured.)
    """
    return x + y


def build_graph(index: int) -> WorkGraph:
    """Return a chain of :data:`TASKS_PER_GRAPH` additions ``add(x, 1)`` from ``x = index``: its ``result`` is
    ``index + TASKS_PER_GRAPH``, and task ``add{k}`` returns ``index + k + 1``."""
    wg = WorkGraph(f'daemon_chain_{index}')
    previous = wg.add_task(add, name='add0', x=index, y=1)
    for k in range(1, TASKS_PER_GRAPH):
        previous = wg.add_task(add, name=f'add{k}', x=previous.outputs.result, y=1)
    wg.outputs.result = previous.outputs.result
    return wg

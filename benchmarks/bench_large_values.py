"""Benchmarks of large values: a list of ``n`` ints (10^4, 10^5, 10^6) in each place a value can enter a graph.

Each group times one ``wg.run()`` of a graph that hands the list to a plain task counting its items:

- ``large value: task input``: the list set on the task's input;
- ``large value: graph input``: passed as a graph input (``wg.run(inputs=...)``) linked to the task;
- ``large value: ctx``: set in ``wg.ctx`` and linked to the task;
- ``large value: result passed on``: returned by a first task (``list(range(n))``) and linked to the second.

Both implementations run the same file (public API only: ``WorkGraph``, ``task``, ``namespace``, ``wg.ctx``,
``run()``): ``scripts/run_benchmarks.sh`` runs it next to ``bench_workgraph.py`` under each interpreter, into the same
results files, so ``compare.py`` tables and plots these groups like the others (they have no floor). This file was
``test_large_values_bench.py`` before it joined that run. A case whose extrapolated time is over the budget
(``BENCH_BUDGET``, default 60 s per round) is skipped and recorded by the suite's own rules (``budget.py``):
upstream's quadratic cases are skipped from their measured growth, not run for hours. The task functions do not check
the deadline (a round is one or two tasks), so a case is never stopped, only skipped. Timings are measurements, never
assertions; the assertions check that each case counted every item. With ``BENCH_SMOKE=1`` only ``n = 10^4`` runs.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from budget import BudgetTracker
from measure import checked, measure, value_of
from sizes import sizes

N_VALUES = sizes(10**4, 10**5, 10**6)
ROUNDS = {10**4: 3, 10**5: 2, 10**6: 1}
PLACES = ('task input', 'graph input', 'ctx', 'result passed on')


@pytest.fixture(scope='module')
def large_tasks(aiida_profile: Any) -> SimpleNamespace:
    """The two task functions of the graphs (defined once a profile is loaded: upstream needs one to import)."""
    from aiida_workgraph import task

    @task
    def count_items(x):
        """Return how many items ``x`` holds."""
        return len(x)

    @task
    def make_range(n):
        """Return ``list(range(n))``."""
        return list(range(n))

    return SimpleNamespace(count_items=count_items, make_range=make_range)


def build(place: str, n: int, tasks: SimpleNamespace) -> tuple[Any, dict[str, Any]]:
    """Return a graph that hands ``list(range(n))`` to the task ``count`` from ``place``, and its run inputs."""
    from typing import Any as AnyType

    from aiida_workgraph import WorkGraph, namespace

    if place == 'graph input':
        wg = WorkGraph('large_graph_input', inputs=namespace(items=AnyType))
        wg.add_task(tasks.count_items, name='count', x=wg.inputs.items)
        return wg, {'items': list(range(n))}
    wg = WorkGraph(f'large_{place.replace(" ", "_")}')
    if place == 'task input':
        wg.add_task(tasks.count_items, name='count', x=list(range(n)))
    elif place == 'ctx':
        wg.ctx = {'items': list(range(n))}
        wg.add_task(tasks.count_items, name='count', x=wg.ctx.items)
    else:
        made = wg.add_task(tasks.make_range, name='made', n=n)
        wg.add_task(tasks.count_items, name='count', x=made.outputs.result)
    return wg, {}


@pytest.mark.parametrize('n', N_VALUES)
@pytest.mark.parametrize('place', PLACES)
def test_large_value(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    large_tasks: SimpleNamespace,
    place: str,
    n: int,
) -> None:
    """``wg.run()`` of a graph whose list of ``n`` ints enters at ``place``."""
    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group=f'large value: {place}',
        n=n,
        rounds=ROUNDS[n],
        make=lambda: build(place, n, large_tasks),
        action=lambda built: built[0].run(inputs=built[1]),
    )
    with checked(benchmark, budget, request, group=f'large value: {place}', n=n):
        for wg, _ in graphs:
            assert wg.process.is_finished_ok, f'exit status {wg.process.exit_status}: {wg.process.exit_message}'
            assert value_of(wg.tasks['count'].outputs.result.value) == n

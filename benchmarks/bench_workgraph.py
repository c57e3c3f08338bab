"""Benchmarks of aiida-workgraph: authoring, creating the process (``save``), and in-process ``run``.

The same file runs against our package and against upstream aiida-workgraph 0.9.0 (one interpreter at a time, see
``scripts/run_benchmarks.sh``), using only the public API both share. Timings are measurements, never assertions:
the assertions below check that each case did what it measures (the graph has its tasks, the process finished with
the right result), not how fast.

Groups and what one round times:

- ``build (add_task)`` / ``build (with WorkGraph)``: a new ``WorkGraph`` with ``n`` independent ``@task`` additions;
- ``save``: ``wg.save()`` of such a graph (the engine's input walk, storing the input nodes and the process node,
  the first checkpoint); its ``extra_info`` holds the size of the checkpoint and of what else the node stores;
- ``run: chain of X`` / ``run: fan-out of X``: ``wg.run()`` of ``n`` tasks of kind ``X``, either a chain (each task
  adds 1 to the result of the one before) or a fan-out (``n`` independent tasks ``add(x=i, y=1)``, all ready at
  once), for ``X`` a plain ``@task`` function, a ``calcfunction`` (one child process each) or a ``PythonJob`` (a
  CalcJob on ``localhost`` running the function in a new interpreter);
- ``run: While of n iterations``: ``wg.run()`` of a ``While`` zone whose body, one plain ``@task`` addition, runs
  ``n`` times (and its condition ``n + 1`` times);
- ``run: Map of @task`` / ``run: Map of PythonJob``: ``wg.run()`` of a ``Map`` zone over a dict of ``n`` items whose
  body is one addition ``add(x=m.value, y=1)`` (a plain ``@task`` or a ``PythonJob``), the results gathered into the
  graph output ``res``.

The large-value groups are in ``bench_large_values.py``, run next to this file.

Like for like: both packages do the same work with the same provenance in each group, and ``bench_floor.py`` times
what aiida-core alone needs for that provenance (the *floor*, see ``compare.FLOORS`` for which floor goes with which
group). Graphs are built in the (untimed) setup of each round; the database is emptied before each case. With
``BENCH_SMOKE=1`` every group runs only its smallest ``n`` (``sizes.py``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from budget import BudgetTracker
from measure import checked, measure, stored_sizes, value_of
from sizes import sizes

N_VALUES = sizes(10, 100, 1000)
PYTHONJOB_N_VALUES = sizes(1, 10, 100, 1000)
MAP_PYTHONJOB_N_VALUES = sizes(10, 100, 1000)
BUILD_ROUNDS = {10: 20, 100: 10, 1000: 3}
SAVE_ROUNDS = {10: 7, 100: 7, 1000: 7}
RUN_ROUNDS = {1: 3, 10: 3, 100: 1, 1000: 1}


@pytest.mark.parametrize('n', N_VALUES)
def test_build_add_task(
    benchmark: Any, budget: BudgetTracker, workload: ModuleType, request: pytest.FixtureRequest, n: int
) -> None:
    """Authoring: ``WorkGraph()`` plus ``n`` calls of ``wg.add_task(add, name=..., x=i, y=1)``."""
    (wg,) = measure(
        benchmark,
        budget,
        workload,
        request,
        group='build (add_task)',
        n=n,
        rounds=BUILD_ROUNDS[n],
        make=None,
        action=lambda: workload.build_independent(n),
    )
    assert wg.tasks[f'add{n - 1}'].inputs.x.value == n - 1


@pytest.mark.parametrize('n', N_VALUES)
def test_build_context(
    benchmark: Any, budget: BudgetTracker, workload: ModuleType, request: pytest.FixtureRequest, n: int
) -> None:
    """Authoring: ``with WorkGraph() as wg:`` plus ``n`` calls of the task handle ``add(x=i, y=1)``."""
    (wg,) = measure(
        benchmark,
        budget,
        workload,
        request,
        group='build (with WorkGraph)',
        n=n,
        rounds=BUILD_ROUNDS[n],
        make=None,
        action=lambda: workload.build_independent_context(n),
    )
    assert len([task for task in wg.tasks if task.name.startswith('add')]) == n


@pytest.mark.parametrize('n', N_VALUES)
def test_save(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    n: int,
) -> None:
    """Creating the process without running it: ``wg.save()`` of ``n`` independent tasks with plain values.

    ``extra_info`` gets the size of the checkpoint and of the rest of what the process node stores.
    """
    from aiida import orm

    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group='save',
        n=n,
        rounds=SAVE_ROUNDS[n],
        make=lambda: workload.build_independent(n),
        action=lambda wg: wg.save(),
    )
    for wg in graphs:
        assert wg.pk is not None
    node = orm.load_node(graphs[-1].pk)
    assert node.checkpoint, 'the saved process has no checkpoint'
    benchmark.extra_info.update(stored_sizes(node))


RUN_GROUPS = {
    # (task kind, shape): group
    ('@task', 'chain'): 'run: chain of @task',
    ('@task', 'fan-out'): 'run: fan-out of @task',
    ('calcfunction', 'chain'): 'run: chain of calcfunction',
    ('calcfunction', 'fan-out'): 'run: fan-out of calcfunction',
}


@pytest.mark.parametrize('n', N_VALUES)
@pytest.mark.parametrize(('kind', 'shape'), list(RUN_GROUPS))
def test_run_tasks(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    kind: str,
    shape: str,
    n: int,
) -> None:
    """``wg.run()`` of a chain or a fan-out of ``n`` plain ``@task`` functions or calcfunction tasks."""
    build = workload.build_chain if shape == 'chain' else workload.build_fanout
    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group=RUN_GROUPS[(kind, shape)],
        n=n,
        rounds=RUN_ROUNDS[n],
        make=lambda: build(n, calcfunction=kind == 'calcfunction'),
        action=lambda wg: wg.run(),
    )
    expected = [n] if shape == 'chain' else list(range(1, n + 1))
    with checked(benchmark, budget, request, group=RUN_GROUPS[(kind, shape)], n=n):
        for wg in graphs:
            assert wg.process.is_finished_ok, f'exit status {wg.process.exit_status}: {wg.process.exit_message}'
            names = [f'add{n - 1}'] if shape == 'chain' else [f'add{i}' for i in range(n)]
            assert [value_of(wg.tasks[name].outputs.result.value) for name in names] == expected


@pytest.mark.parametrize('n', N_VALUES)
def test_run_while(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    n: int,
) -> None:
    """``wg.run()`` of a ``While`` zone of ``n`` iterations, each one condition and one plain ``@task`` addition."""
    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group='run: While of n iterations',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=lambda: workload.build_while(n),
        action=lambda wg: wg.run(),
    )
    with checked(benchmark, budget, request, group='run: While of n iterations', n=n):
        for wg in graphs:
            assert wg.process.is_finished_ok, f'exit status {wg.process.exit_status}: {wg.process.exit_message}'
            assert value_of(wg.tasks['add1'].outputs.result.value) == n
            assert wg.process.outputs.result.value == n
            # The provenance: one process per condition evaluation (n true, one false) and per addition (n in the loop,
            # one after it).
            assert called_labels(wg.process) == {'op_lt': n + 1, 'add': n + 1}


MAP_GROUPS = {False: 'run: Map of @task', True: 'run: Map of PythonJob'}


@pytest.mark.parametrize('n', N_VALUES)
def test_run_map(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    n: int,
) -> None:
    """``wg.run()`` of a ``Map`` zone over ``n`` items whose body is one plain ``@task`` addition."""
    run_map(benchmark, budget, workload, request, n, code=None)


@pytest.mark.parametrize('n', MAP_PYTHONJOB_N_VALUES)
def test_run_map_pythonjob(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    python_code: Any,
    n: int,
) -> None:
    """``wg.run()`` of a ``Map`` zone over ``n`` items whose body is one ``PythonJob`` addition on ``localhost``."""
    run_map(benchmark, budget, workload, request, n, code=python_code)


def run_map(
    benchmark: Any, budget: BudgetTracker, workload: ModuleType, request: pytest.FixtureRequest, n: int, code: Any
) -> None:
    """Time ``wg.run()`` of ``workload.build_map(n, code)`` and check the gathered results and the provenance."""
    group = MAP_GROUPS[code is not None]
    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group=group,
        n=n,
        rounds=RUN_ROUNDS[n],
        make=lambda: workload.build_map(n, code),
        action=lambda wg: wg.run(),
    )
    expected = {f'k{i}': i + 1 for i in range(n)}
    with checked(benchmark, budget, request, group=group, n=n):
        for wg in graphs:
            node = wg.process
            assert node.is_finished_ok, f'exit status {node.exit_status}: {node.exit_message}'
            # The gathered results are outputs of the process node, one per item (links ``res__k{i}``).
            gathered = node.outputs.res
            assert {key: gathered[key].value for key in gathered} == expected
            # The provenance: one process per item (a CalcFunctionNode for a plain task, a CalcJob for a PythonJob).
            kinds = {type(child).__name__ for child in node.called}
            assert len(node.called) == n, f'{len(node.called)} processes called for {n} items'
            assert kinds == ({'CalcJobNode'} if code is not None else {'CalcFunctionNode'}), kinds


def called_labels(node: Any) -> dict[str, int]:
    """Return ``{process label: count}`` of the processes ``node`` called directly."""
    labels: dict[str, int] = {}
    for child in node.called:
        labels[child.process_label] = labels.get(child.process_label, 0) + 1
    return labels


@pytest.mark.parametrize('n', PYTHONJOB_N_VALUES)
@pytest.mark.parametrize('shape', ['chain', 'fan-out'])
def test_run_pythonjobs(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    python_code: Any,
    shape: str,
    n: int,
) -> None:
    """``wg.run()`` of a chain or a fan-out of ``n`` ``PythonJob`` tasks on ``localhost``.

    The engine may run the jobs of a fan-out concurrently.
    """
    build = workload.build_pythonjob_chain if shape == 'chain' else workload.build_pythonjobs
    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group=f'run: {shape} of PythonJob',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=lambda: build(n, python_code),
        action=lambda wg: wg.run(),
    )
    expected = [n] if shape == 'chain' else list(range(1, n + 1))
    with checked(benchmark, budget, request, group=f'run: {shape} of PythonJob', n=n):
        for wg in graphs:
            assert wg.process.is_finished_ok, f'exit status {wg.process.exit_status}: {wg.process.exit_message}'
            names = [f'job{n - 1}'] if shape == 'chain' else [f'job{i}' for i in range(n)]
            assert [value_of(wg.tasks[name].outputs.result.value) for name in names] == expected

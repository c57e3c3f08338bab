"""Benchmarks of aiida-workgraph: authoring, creating the process (``save``), and in-process ``run``.

The same file runs against our package and against upstream aiida-workgraph 0.9.0 (one interpreter at a time, see
``scripts/run_benchmarks.sh``), using only the public API both share. Timings are measurements, never assertions:
the assertions below check that each case did what it measures (the graph has its tasks, the process finished with
the right result), not how fast.

Groups and what one round times:

- ``build (add_task)`` / ``build (with WorkGraph)``: a new ``WorkGraph`` with ``n`` independent ``@task`` additions;
- ``save``: ``wg.save()`` of such a graph (the engine's input walk, storing the input nodes and the process node,
  the first checkpoint); its ``extra_info`` holds the size of the checkpoint and of what else the node stores;
- ``run: chain of @task``: ``wg.run()`` of a chain of ``n`` plain ``@task`` functions (run in-process);
- ``run: chain of calcfunction``: ``wg.run()`` of a chain of ``n`` calcfunction tasks (one child process each);
- ``run: independent PythonJob``: ``wg.run()`` of ``n`` independent ``PythonJob`` tasks (CalcJobs on ``localhost``,
  each running the function in a new interpreter).

Graphs are built in the (untimed) setup of each round; the database is emptied before each case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from budget import BudgetTracker

N_VALUES = (10, 100, 1000)
BUILD_ROUNDS = {10: 20, 100: 10, 1000: 3}
SAVE_ROUNDS = {10: 5, 100: 3, 1000: 1}
RUN_ROUNDS = {10: 3, 100: 1, 1000: 1}


def measure(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    *,
    group: str,
    n: int,
    rounds: int,
    make: Callable[[], Any] | None,
    action: Callable[..., Any],
) -> list[Any]:
    """Time ``action(make())`` for ``rounds`` rounds (only ``action`` is timed) and return what ``make`` built.

    The case is skipped if it cannot fit in the time budget (see :class:`~budget.BudgetTracker`), and reported as
    stopped if a round ran out of budget (the task functions stop themselves: ``workload.Deadline``).

    :param make: builds the argument of ``action`` in the untimed setup; ``None``: ``action`` takes no argument.
    :raises pytest.skip.Exception: if the case is skipped or stopped.
    """
    test = request.node.name
    budget.before(group, n, test)
    benchmark.group = group
    benchmark.extra_info.update({'n': n, 'status': 'ok'})
    built: list[Any] = []
    rounds_done: list[tuple[bool, int]] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        built.append(make())
        return (built[-1],), {}

    def target(*args: Any) -> Any:
        workload.DEADLINE.arm(budget.seconds)
        try:
            result = action(*args)
        except Exception:
            if not workload.DEADLINE.tripped:
                raise
            result = None  # an engine that raises on a failed task: the failure is the budget's
        rounds_done.append((workload.DEADLINE.tripped, workload.DEADLINE.calls))
        return result

    try:
        result = benchmark.pedantic(
            target, setup=setup if make else None, rounds=budget.rounds(group, n, rounds), iterations=1
        )
    finally:
        workload.DEADLINE.disarm()
    for tripped, calls in rounds_done:
        if tripped:
            benchmark.extra_info.update({'status': 'over budget', 'tasks_done': calls})
            budget.over_budget(group, n, test, f'{calls} of {n} tasks ran within the budget')
    budget.after(group, n, benchmark.stats.stats.min)
    return built if make else [result]


def value_of(socket_value: Any) -> Any:
    """The plain value of a socket value, whether an AiiDA node (``.value``) or a Python value."""
    return getattr(socket_value, 'value', socket_value)


def stored_sizes(node: Any) -> dict[str, int]:
    """Return the bytes stored on a process node: checkpoint, other attributes (JSON) and repository files.

    ``ProcessNode.checkpoint`` is the YAML string of the checkpoint (the ``checkpoints`` attribute in aiida-core 2.x).
    """
    checkpoint = node.checkpoint or ''
    attributes = {key: value for key, value in node.base.attributes.all.items() if key != 'checkpoints'}
    repository = 0
    for root, _, filenames in node.base.repository.walk():
        for filename in filenames:
            repository += len(node.base.repository.get_object_content(str(root / filename), mode='rb'))
    return {
        'checkpoint_bytes': len(checkpoint.encode('utf-8')),
        'attributes_bytes': len(json.dumps(attributes, default=str).encode('utf-8')),
        'repository_bytes': repository,
    }


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


@pytest.mark.parametrize('n', N_VALUES)
def test_run_chain(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    n: int,
) -> None:
    """``wg.run()`` of a chain of ``n`` plain ``@task`` additions, each using the result of the one before."""
    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group='run: chain of @task',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=lambda: workload.build_chain(n),
        action=lambda wg: wg.run(),
    )
    for wg in graphs:
        assert wg.process.is_finished_ok, f'exit status {wg.process.exit_status}: {wg.process.exit_message}'
        assert value_of(wg.tasks[f'add{n - 1}'].outputs.result.value) == n


@pytest.mark.parametrize('n', N_VALUES)
def test_run_calcfunction_chain(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    n: int,
) -> None:
    """``wg.run()`` of a chain of ``n`` calcfunction tasks: one child process and provenance node per task."""
    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group='run: chain of calcfunction',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=lambda: workload.build_chain(n, calcfunction=True),
        action=lambda wg: wg.run(),
    )
    for wg in graphs:
        assert wg.process.is_finished_ok, f'exit status {wg.process.exit_status}: {wg.process.exit_message}'
        assert value_of(wg.tasks[f'add{n - 1}'].outputs.result.value) == n


@pytest.mark.parametrize('n', N_VALUES)
def test_run_pythonjobs(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    python_code: Any,
    n: int,
) -> None:
    """``wg.run()`` of ``n`` independent ``PythonJob`` tasks on ``localhost`` (the engine may run them concurrently)."""
    graphs = measure(
        benchmark,
        budget,
        workload,
        request,
        group='run: independent PythonJob',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=lambda: workload.build_pythonjobs(n, python_code),
        action=lambda wg: wg.run(),
    )
    for wg in graphs:
        assert wg.process.is_finished_ok, f'exit status {wg.process.exit_status}: {wg.process.exit_message}'
        assert [value_of(wg.tasks[f'job{i}'].outputs.result.value) for i in range(n)] == list(range(1, n + 1))

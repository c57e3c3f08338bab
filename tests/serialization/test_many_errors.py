"""Many values, several bad ones: every problem is reported at once, in one error, and nothing is stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from serialization_helpers import NoSerializer, add, calc_identity, identity, job_identity

from aiida_workgraph import WorkGraph, namespace
from aiida_workgraph.engine.engine_inputs import prepare_engine_inputs

N_TASKS = 1000


def big_graph() -> WorkGraph:
    """A chain of 1000 plain tasks (``t0`` takes the graph input) and a ctx, all values good."""
    wg = WorkGraph('big', inputs=namespace(structure=Any))
    previous = wg.add_task(identity, name='t0', x=wg.inputs.structure)
    for index in range(1, N_TASKS):
        previous = wg.add_task(add, name=f't{index}', x=previous.outputs.result if index > 1 else 1, y=1)
    wg.ctx = {'cache': {'k': 1, 'other': 'fine'}}
    return wg


@pytest.fixture(scope='module')
def big_bad_graph() -> WorkGraph:
    """The 1000-task graph with three bad values: a graph input, a task input in the middle, a ctx value."""
    wg = big_graph()
    wg.tasks.t500.inputs.y.value = {5, 0}
    wg.ctx = {'cache': {'k': (index for index in range(3)), 'other': 'fine'}}
    wg.set_inputs({'structure': threading.Lock()})
    return wg


BIG_GRAPH_LINES = [
    'Cannot serialize the provided objects: WorkGraph<big>: 3 values cannot be kept; nothing was stored:',
    '  - graph_inputs.structure (_thread.lock): a lock is runtime state and cannot be stored. '
    'Fix: create the lock inside the task',
    '  - ctx.cache.k (builtins.generator): a generator holds live execution state and cannot be stored. '
    'Fix: pass a list of its items',
    '  - tasks.t500.y (builtins.set): sets have no serializer. Fix: pass a sorted list instead',
]


@pytest.mark.parametrize('launch', ['run', 'submit', 'save'])
def test_three_bad_values_in_a_thousand_tasks_are_reported_together(
    big_bad_graph: WorkGraph, launch: str, refused_before_storing: Callable[..., Any]
) -> None:
    """``run()``, ``submit()`` and ``save()`` of a 1000-task graph with 3 bad values raise one error that lists all
    3, one line each, quickly, and store nothing."""
    start = time.monotonic()
    with refused_before_storing() as info:
        getattr(big_bad_graph, launch)()
    elapsed = time.monotonic() - start
    assert str(info.value).splitlines() == BIG_GRAPH_LINES
    paths = [problem.path for problem in info.value.problems]
    assert paths == ['graph_inputs.structure', 'ctx.cache.k', 'tasks.t500.y']
    assert big_bad_graph.process is None
    assert elapsed < 30, f'refusing the graph took {elapsed:.1f} s'


def test_every_value_of_a_good_thousand_task_graph_is_visited_once() -> None:
    """The walk visits each value once: no path twice, all task values, the graph input and the ctx values."""
    wg = big_graph()
    wg.set_inputs({'structure': 3})
    _, walked = prepare_engine_inputs(wg.prepare_inputs('run'))
    assert len(walked.visited) == len(set(walked.visited))
    assert {'graph_inputs.structure', 'ctx.cache.k', 'ctx.cache.other', 'tasks.t1.x'} <= set(walked.visited)
    # t1.x and the y of t1..t999; the other x are links and carry no value.
    assert sum(path.startswith('tasks.') for path in walked.visited) == N_TASKS


def test_bad_values_in_every_place_are_reported_together(
    bash_code: orm.AbstractCode, refused_before_storing: Callable[..., Any]
) -> None:
    """Graph input, ctx, plain task, calcfunction, PythonJob and CalcJob ``metadata.options``: one error, all of
    them, in the order the walk meets them (graph inputs, ctx, then tasks in the order they were added)."""
    wg = WorkGraph('everywhere', inputs=namespace(params=namespace(k=Any)))
    wg.add_task(identity, name='add1', x=NoSerializer())
    wg.add_task(calc_identity, name='calc1', x=lambda value: value)
    wg.add_task(job_identity, name='job1', x=[1, {'a': float('nan')}])
    options = {'resources': {'num_machines': 1}, 'max_wallclock_seconds': threading.Lock()}
    wg.add_task(ArithmeticAddCalculation, name='arith', x=1, y=2, code=bash_code, metadata={'options': options})
    wg.ctx = {'params': {'k': (1, 2)}}
    with refused_before_storing() as info:
        wg.run(inputs={'params': {'k': {1: 'one'}}})
    assert str(info.value).splitlines() == [
        'Cannot serialize the provided objects: WorkGraph<everywhere>: 6 values cannot be kept; nothing was stored:',
        '  - graph_inputs.params.k (builtins.dict): dict key 1 is a int, but JSON needs string keys. '
        'Fix: use string keys',
        '  - ctx.params.k (builtins.tuple): tuples have no serializer. Fix: pass a list instead',
        '  - tasks.add1.x (serialization_helpers.NoSerializer): no serializer is registered for this type. '
        'Fix: register an `aiida.data` entry point named `<prefix>.<module>.<Class>`, give the class '
        '`to_dict()`/`from_dict()`, or pass an AiiDA node',
        '  - tasks.calc1.x (builtins.function): a lambda has no importable name. '
        'Fix: define a module-level function and pass it',
        '  - tasks.job1.x[1].a (builtins.float): NaN and infinity cannot be stored in the database. '
        'Fix: pass None or a finite number',
        '  - tasks.arith.metadata.options.max_wallclock_seconds (_thread.lock): not JSON-serializable '
        '(Object of type lock is not JSON serializable). Fix: pass plain JSON values here',
    ]

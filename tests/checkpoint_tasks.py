"""Importable tasks and engine subclasses for the checkpoint tests (``tests/checkpoint``).

Daemon workers and the fresh interpreters of the resume tests import them by module path, so they live here, in the
tests folder that ``conftest.py`` puts on ``PYTHONPATH``, and not in a test module.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated, Any

from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation

from aiida_workgraph import WorkGraph, spec, task
from aiida_workgraph.engine.workgraph_engine import WorkGraphEngine

RELEASE_TIMEOUT = 120
"""How long (in seconds) :func:`hold_until_released` waits for its release file before giving up."""


@task
def add(x: Any, y: Any) -> Any:
    """Return ``x + y``."""
    return x + y


@task
def total(**values: Any) -> Any:
    """Return the sum of every value linked into the ``values`` namespace."""
    return sum(values.values())


@task
def hold_until_released(x: Any, release: str) -> Any:
    """Return ``x`` once the file ``release`` exists.

    On entry it writes ``<release>.started`` (one line per call), so that a test knows the task is running (and how
    many times it ran) and can kill the interpreter running it at that moment.

    :raises TimeoutError: if the release file does not appear within :data:`RELEASE_TIMEOUT` seconds.
    """
    release_file = Path(release)
    with open(f'{release}.started', 'a', encoding='utf-8') as handle:
        handle.write('started\n')
    deadline = time.monotonic() + RELEASE_TIMEOUT
    while not release_file.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f'{release} did not appear within {RELEASE_TIMEOUT} s')
        time.sleep(0.05)
    return x


@task.calcfunction
def cube(x: orm.Int) -> orm.Int:
    """Return ``x**3`` (a calcfunction: a child process with provenance)."""
    return orm.Int(x.value**3)


def held_graph(code: orm.AbstractCode, release: str, name: str = 'held') -> WorkGraph:
    """A graph that stops in the middle, after a CalcJob, until the file ``release`` exists.

    ``first`` (plain, 1 + 2 = 3) -> ``cubed`` (calcfunction, 27) -> ``job`` (``ArithmeticAddCalculation``,
    27 + 3 = 30) -> ``held`` (plain, :func:`hold_until_released`, 30) -> ``last`` (plain, 30 + 12 = 42).
    Outputs: ``job`` (30) and ``last`` (42). The engine checkpoints when ``job`` has finished and before ``held``
    runs, so a process killed while ``held`` waits has a checkpoint taken in the middle of the run.
    """
    wg = WorkGraph(name)
    first = wg.add_task(add, name='first', x=1, y=2)
    cubed = wg.add_task(cube, name='cubed', x=first.outputs.result)
    job = wg.add_task(ArithmeticAddCalculation, name='job', x=cubed.outputs.result, y=first.outputs.result, code=code)
    held = wg.add_task(hold_until_released, name='held', x=job.outputs.sum, release=release)
    last = wg.add_task(add, name='last', x=held.outputs.result, y=12)
    wg.outputs.job = job.outputs.sum
    wg.outputs.last = last.outputs.result
    return wg


HELD_GRAPH_RESULTS = {'job': 30, 'last': 42}
"""The graph outputs of :func:`held_graph`."""


def held_map_graph(n: int, release: str, name: str = 'held_map') -> WorkGraph:
    """A ``Map`` over ``n`` items ``{'i<k>': k}`` that stops in the middle until the file ``release`` exists.

    Each item runs ``add`` (``k + 1``), then ``hold`` (:func:`hold_until_released`); the map gathers ``hold`` as
    ``res`` and ``sum`` adds them up (``n * (n + 1) / 2``). The engine runs one plain task per step, the ``add`` of
    every item first, so a process killed while the first ``hold`` waits has finished all ``add`` instances and
    none of the ``hold`` instances.
    """
    from aiida_workgraph import Map

    with WorkGraph(name) as wg:
        with Map({f'i{k}': k for k in range(n)}) as items:
            plus_one = add(x=items.value, y=1).result
            items.gather(
                {'res': hold_until_released(x=plus_one, release=release, metadata={'call_link_label': 'hold'}).result}
            )
        wg.outputs.res = items.outputs.res
        wg.outputs.sum = total_of(values=items.outputs.res).result
    return wg


@task
def total_of(values: Annotated[dict, spec.dynamic(Any)]) -> Any:
    """Return the sum of a gathered namespace."""
    return sum(values.values())


class UnsafeStateEngine(WorkGraphEngine):
    """A ``WorkGraphEngine`` that puts a value that cannot be checkpointed (a lock) into its graph context.

    It stands for engine code (an extension, a future feature) that lets such a value into the runtime state: the
    checkpoint saved after the step that put it there must stop the process and name the value's path in the state.
    """

    def _advance(self) -> Any:
        """Put a lock into the graph ``ctx`` (``ctx.resources.lock``), then take the step as usual."""
        self.graph_state.ctx['resources'] = {'lock': threading.Lock()}
        return super()._advance()


def run_with_engine(wg: WorkGraph, engine_class: type[WorkGraphEngine]) -> Any:
    """Run ``wg`` in this interpreter with ``engine_class`` instead of ``WorkGraphEngine``, as ``WorkGraph.run``
    does (a runner without a broker), and return the process node.

    Exceptions of the process are not raised here: the node records them (state ``excepted``).
    """
    from aiida.manage import get_manager

    # Not closed: a runner shares this thread's event loop with aiida's global runner (closing it closes the loop).
    runner = get_manager().create_runner(communicator=None)
    engine = engine_class(inputs=wg.prepare_inputs('run'), runner=runner)
    try:
        runner.run(engine)
    except Exception:  # noqa: BLE001 - the process records its own exception on its node
        pass
    return engine.node

"""The graph the GUI tests draw: plain tasks, a calcfunction, a failed task (and one skipped after it), a While zone
and a Map.

Its task functions live in this importable module so that the same script runs with this package and with upstream
aiida-workgraph 0.9.0 (``scripts/gui_upstream_shapes.py`` runs it there to observe the GUI's shapes).
"""

from __future__ import annotations

from typing import Any

from aiida_workgraph import Map, While, WorkGraph, task

#: The tasks the graph holds (its structure), besides the graph-level ones.
TASKS = (
    'add',
    'multiply',
    'fail',
    'after_fail',
    'op_lt',
    'while_zone',
    'increment',
    'map_zone',
    'map_item',
    'square',
)


@task
def add(x: Any, y: Any) -> Any:
    """``x + y``."""
    return x + y


@task.calcfunction
def multiply(x: Any, y: Any) -> Any:
    """``x * y``, as an AiiDA calcfunction."""
    from aiida import orm

    return orm.Int(x.value * y.value)


@task
def fail(x: Any) -> Any:
    """Raise for a positive ``x`` (as the graph gives it): the task fails."""
    if x > 0:
        raise ValueError(f'fail was given {x}')
    return x


@task
def increment(n: Any) -> Any:
    """``n + 1``."""
    return n + 1


@task
def square(x: Any) -> Any:
    """``x * x``."""
    return x * x


def build_graph(name: str = 'gui_graph') -> WorkGraph:
    """Return the graph: ``add -> multiply``, ``add -> fail -> after_fail``, a While loop, a Map over 2 items."""
    with WorkGraph(name) as wg:
        total = add(x=1, y=2).result
        wg.outputs.product = multiply(x=total, y=3).result
        broken = fail(x=total).result
        add(x=broken, y=1, metadata={'call_link_label': 'after_fail'})
        wg.ctx.n = 0
        with While(wg.ctx.n < 2):
            wg.ctx.n = increment(n=wg.ctx.n).result
        with Map({'a': 1, 'b': 2}) as items:
            items.gather({'squares': square(x=items.value).result})
        wg.outputs.squares = items.outputs.squares
    return wg


def build_long_loop(iterations: int = 5000) -> WorkGraph:
    """Return a graph that counts to ``iterations`` one task at a time: it runs long enough to pause and kill."""
    with WorkGraph('gui_long_loop') as wg:
        wg.ctx.n = 0
        with While(wg.ctx.n < iterations, max_iterations=iterations + 1):
            wg.ctx.n = increment(n=wg.ctx.n).result
    return wg

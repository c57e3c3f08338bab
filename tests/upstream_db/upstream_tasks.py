"""Task functions of the graphs in ``tests/data/upstream-0.9.0.aiida``.

Upstream aiida-workgraph 0.9.0 ran them to make the archive (``scripts/make_upstream_archive.sh``), storing each
task's function by its module path ``upstream_db.upstream_tasks``; this package imports the same module (the tests
folder is on ``sys.path`` and on the daemon workers' ``PYTHONPATH``), so restarted graphs find their functions.
"""

from __future__ import annotations

from typing import Any

from aiida import orm

from aiida_workgraph import task


@task
def add(x: Any, y: Any) -> Any:
    """Return ``x + y`` (a plain-function task)."""
    return x + y


@task.calcfunction
def multiply(x: orm.Int, y: orm.Int) -> orm.Int:
    """Return ``x * y`` as a new ``Int`` (a calcfunction task)."""
    return orm.Int(x.value * y.value)


@task
def fail(x: Any) -> Any:
    """Raise ``ValueError`` for a positive ``x``, else return ``x`` (a plain-function task that fails on ``3``)."""
    if x > 0:
        raise ValueError(f'fail was given {x}: positive values are refused')
    return x

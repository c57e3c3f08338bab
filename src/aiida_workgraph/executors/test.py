"""Small tasks for examples and tests: ``add``, ``sum_diff``, ``add_pythonjob`` and ``arithmetic_multiply_add``.

``add`` and ``sum_diff`` are the built-in ``workgraph.test_add`` and ``workgraph.test_sum_diff`` tasks. Their input
``t`` is a number of seconds to sleep before computing, to make a task take some time.
"""

from __future__ import annotations

import time

from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.workflows.arithmetic.multiply_add import MultiplyAddWorkChain

from ..authoring.decorator import task
from ..socket_spec import namespace


@task()
def add(x: int = 0, y: int = 0, t: int = 0) -> int:
    """Sleep ``t`` seconds, then return ``x + y`` (a plain task, run as a ``PyFunction`` process, as upstream's)."""
    time.sleep(float(t))
    return x + y


@task(outputs=namespace(sum=int, diff=int))
def sum_diff(x: int = 0, y: int = 0, t: int = 0) -> dict[str, int]:
    """Sleep ``t`` seconds, then return ``{'sum': x + y, 'diff': x - y}``."""
    time.sleep(float(t))
    return {'sum': x + y, 'diff': x - y}


@task.pythonjob(identifier='workgraph.test_add_pythonjob')
def add_pythonjob(x: int = 0, y: int = 0) -> int:
    """Return ``x + y``, run as an aiida-pythonjob ``PythonJob``."""
    return x + y


arithmetic_multiply_add = task(identifier='workgraph.test_arithmetic_multiply_add')(MultiplyAddWorkChain)
"""aiida-core's ``MultiplyAddWorkChain`` (``(x * y) + z`` through ``ArithmeticAddCalculation``) as a task."""

__all__ = [
    'ArithmeticAddCalculation',
    'MultiplyAddWorkChain',
    'add',
    'add_pythonjob',
    'arithmetic_multiply_add',
    'sum_diff',
]

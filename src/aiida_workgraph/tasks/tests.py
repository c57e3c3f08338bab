"""Small tasks that upstream's test modules import (``aiida_workgraph.tasks.tests``)."""

from __future__ import annotations

from aiida.calculations.arithmetic.add import ArithmeticAddCalculation

from ..authoring.decorator import task
from ..authoring.task import Task

BaseAddTask = task(ArithmeticAddCalculation)
"""aiida-core's ``ArithmeticAddCalculation`` CalcJob as a task handle."""


@task
def add(x: int, y: int) -> int:
    """Return ``x + y``."""
    return x + y


@task
def multiply(x: int, y: int) -> int:
    """Return ``x * y``."""
    return x * y


__all__ = ['ArithmeticAddCalculation', 'BaseAddTask', 'Task', 'add', 'multiply', 'task']

"""Small tasks that upstream's test modules import (``aiida_workgraph.tasks.tests``)."""

from __future__ import annotations

from dataclasses import replace

from aiida.calculations.arithmetic.add import ArithmeticAddCalculation

from ..authoring.decorator import WorkGraphTaskHandle, task
from ..authoring.task import Task
from ..engine.error_handlers import normalize_task_handlers


def handle_negative_sum(task: Task) -> str:
    """Error handler of :data:`BaseAddTask`: the sum was negative (exit status 410), so run again with ``x`` and
    ``y`` made non-negative."""
    values = {name: task.inputs[name].value for name in ('x', 'y')}
    task.set_inputs({name: abs(getattr(value, 'value', value)) for name, value in values.items()})
    return 'Run error handler: handle_negative_sum.'


def _base_add_task() -> WorkGraphTaskHandle:
    handle = task(ArithmeticAddCalculation)
    handlers = {'handle_negative_sum': {'executor': handle_negative_sum, 'exit_codes': [410], 'max_retries': 5}}
    attached = WorkGraphTaskHandle(replace(handle._spec, attached_error_handlers=normalize_task_handlers(handlers)))
    attached._callable = ArithmeticAddCalculation
    return attached


BaseAddTask = _base_add_task()
"""aiida-core's ``ArithmeticAddCalculation`` CalcJob as a task handle, with the error handler
:func:`handle_negative_sum` attached (a negative sum is computed again from the absolute values)."""


@task
def add(x: int, y: int) -> int:
    """Return ``x + y``."""
    return x + y


@task
def multiply(x: int, y: int) -> int:
    """Return ``x * y``."""
    return x * y


__all__ = ['ArithmeticAddCalculation', 'BaseAddTask', 'Task', 'add', 'handle_negative_sum', 'multiply', 'task']

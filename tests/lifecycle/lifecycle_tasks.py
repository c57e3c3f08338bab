"""Importable tasks and error handlers for the lifecycle tests (daemon workers import them by module path)."""

from __future__ import annotations

from typing import Any

from aiida import orm
from aiida.engine import ExitCode

from aiida_workgraph import task

NEGATIVE = 410
"""The exit status of :func:`scale_positive` for a negative input (as ``ArithmeticAddCalculation``'s 410)."""


@task.calcfunction
def scale_positive(x: orm.Int) -> orm.Int:
    """Return ``10 * x``; finish with exit status 410 when ``x`` is negative."""
    if x.value < 0:
        return ExitCode(NEGATIVE, f'{x.value} is negative')
    return orm.Int(10 * x.value)


@task
def positive(x: int) -> int:
    """Return ``x``; raise a ``ValueError`` when it is negative (a plain task that fails with exit status 323)."""
    if x < 0:
        raise ValueError(f'positive refused {x}')
    return x


def make_positive(task: Any, step: int = 0) -> str:
    """Error handler: replace ``x`` by its absolute value plus ``step``."""
    value = task.inputs.x.value
    value = value.value if isinstance(value, orm.Data) else value
    task.inputs.x.value = abs(value) + step
    return f'x was {value}, now {abs(value) + step}'


def fix_sum(task: Any) -> str:
    """Error handler for ``ArithmeticAddCalculation`` (exit status 410): make ``x`` positive, raise the wallclock."""
    task.set_inputs(
        {'x': orm.Int(abs(task.inputs.x.value.value)), 'metadata': {'options': {'max_wallclock_seconds': 77}}}
    )
    return 'x made positive'


def step_up(task: Any) -> None:
    """Error handler: add one to ``x`` (returns nothing)."""
    task.inputs.x.value = task.inputs.x.value.value + 1


def change_nothing(task: Any) -> None:
    """Error handler that changes no input: the task simply runs again."""


def raise_in_handler(task: Any) -> None:
    """Error handler that raises."""
    raise RuntimeError(f'handler gave up on {task.name}')


def set_lambda(task: Any) -> None:
    """Error handler that sets a value no database can keep."""
    task.inputs.x.value = lambda: 1


def set_unknown_input(task: Any) -> None:
    """Error handler that sets an input the task does not have."""
    task.set_inputs({'nonexistent': 1})


def parse_number(dirpath: Any) -> dict[str, orm.Data]:
    """ShellJob parser: the integer printed on stdout, as ``number``."""
    return {'number': orm.Int(int((dirpath / 'stdout').read_text().strip()))}


def exit_zero_instead(task: Any) -> str:
    """Error handler for a ShellJob that ended with exit status 400: run ``exit 0`` instead."""
    task.inputs.arguments.value = ['-c', 'echo recovered']
    return 'command replaced'


@task.monitor
def file_appears(path: str) -> bool:
    """Monitor: whether ``path`` exists."""
    import os

    return os.path.exists(path)


@task
def write_file(path: str) -> str:
    """Create the file ``path`` and return its path."""
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('here')
    return path


@task
async def meet(mine: str, other: str, wait: float = 60.0) -> str:
    """Create the file ``mine``, then wait (without blocking the event loop) until ``other`` exists.

    Two of these, each waiting for the other's file, finish only if they run at the same time.
    """
    import asyncio
    import os
    import time

    with open(mine, 'w', encoding='utf-8') as handle:
        handle.write('here')
    deadline = time.monotonic() + wait
    while not os.path.exists(other):
        if time.monotonic() > deadline:
            raise TimeoutError(f'{other} did not appear within {wait} s')
        await asyncio.sleep(0.1)
    return os.path.basename(mine)


@task
async def async_add(x: int, y: int) -> int:
    """Return ``x + y`` after handing control to the event loop once."""
    import asyncio

    await asyncio.sleep(0)
    return x + y

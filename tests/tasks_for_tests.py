"""Importable task functions and process classes for the test-suite.

Daemon workers import tasks by module path, so everything a daemon test runs lives here and not in a test module
(the tests folder is put on the workers' ``PYTHONPATH`` by ``conftest.py``).
"""

from __future__ import annotations

from typing import Any

from aiida import orm
from aiida.engine import WorkChain, calcfunction

from aiida_workgraph import task

TO_DICT_CALLS: dict[str, int] = {}
"""How often :meth:`CountedPoint.to_dict` was called, by point label (reset with :func:`reset_to_dict_calls`)."""


def reset_to_dict_calls() -> None:
    """Forget the counted ``to_dict`` calls."""
    TO_DICT_CALLS.clear()


class CountedPoint:
    """A small value object serialized through ``to_dict``/``from_dict``; every ``to_dict`` call is counted.

    :param label: a name that identifies the point in :data:`TO_DICT_CALLS`.
    :param x: a coordinate.
    :param y: a coordinate.
    """

    def __init__(self, label: str, x: float, y: float) -> None:
        self.label = label
        self.x = x
        self.y = y

    def to_dict(self) -> dict[str, Any]:
        """Return the point as a JSON dict and count the call."""
        TO_DICT_CALLS[self.label] = TO_DICT_CALLS.get(self.label, 0) + 1
        return {'label': self.label, 'x': self.x, 'y': self.y}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CountedPoint:
        """Rebuild a point from :meth:`to_dict`'s output."""
        return cls(data['label'], data['x'], data['y'])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CountedPoint) and (self.label, self.x, self.y) == (other.label, other.x, other.y)

    def __hash__(self) -> int:
        return hash((self.label, self.x, self.y))

    def __repr__(self) -> str:
        return f'CountedPoint({self.label!r}, {self.x!r}, {self.y!r})'


@task
def add(x: Any, y: Any) -> Any:
    """Return ``x + y`` (a plain-function task, bare decorator)."""
    return x + y


@task()
def multiply(x: Any, y: Any) -> Any:
    """Return ``x * y`` (a plain-function task, called decorator)."""
    return x * y


@task
def point_norm2(point: Any) -> Any:
    """Return ``x**2 + y**2`` of a :class:`CountedPoint`."""
    return point.x**2 + point.y**2


@task
def check_positive(x: Any) -> Any:
    """Return ``x``; raise a ``ValueError`` naming the value when it is not positive (a task that can fail)."""
    if x <= 0:
        raise ValueError(f'check_positive refused the value {x}')
    return x


@task.calcfunction
def cube(x: orm.Int) -> orm.Int:
    """Return ``x**3`` with provenance (a calcfunction task)."""
    return orm.Int(x.value**3)


@task.calcfunction()
def calc_raise(x: orm.Int) -> orm.Int:
    """Return a copy of ``x``; raise ``RuntimeError`` when ``x`` is odd (a calcfunction that can fail)."""
    if x.value % 2:
        raise RuntimeError(f'calc_raise refused {x.value}')
    return orm.Int(x.value)


@task.workfunction
def add_multiply_wf(x: orm.Int, y: orm.Int, z: orm.Int) -> orm.Int:
    """Return ``(x + y) * z`` through two nested calcfunctions (a workfunction task)."""
    total = _add_cf(x, y)
    return _multiply_cf(total, z)


@calcfunction
def _add_cf(x: orm.Int, y: orm.Int) -> orm.Int:
    return orm.Int(x.value + y.value)


@calcfunction
def _multiply_cf(x: orm.Int, y: orm.Int) -> orm.Int:
    return orm.Int(x.value * y.value)


class EchoWorkChain(WorkChain):
    """Return its input ``x`` under the output names listed in ``names`` (a dynamic output namespace)."""

    @classmethod
    def define(cls, spec: Any) -> None:
        """Define the inputs ``x`` and ``names`` and a dynamic output namespace."""
        super().define(spec)
        spec.input('x', valid_type=orm.Int)
        spec.input('names', valid_type=orm.List)
        spec.outputs.dynamic = True
        spec.outline(cls.echo)

    def echo(self) -> None:
        """Return ``x`` under each name."""
        for name in self.inputs.names.get_list():
            self.out(name, self.inputs.x)


class DoubleWorkChain(WorkChain):
    """Return ``2 * x`` as the output ``result``; exit with status 400 when ``x`` is negative."""

    @classmethod
    def define(cls, spec: Any) -> None:
        """Define the input ``x``, the output ``result`` and the exit code 400."""
        super().define(spec)
        spec.input('x', valid_type=orm.Int)
        spec.output('result', valid_type=orm.Int)
        spec.outline(cls.run_double)
        spec.exit_code(400, 'ERROR_NEGATIVE', message='x is negative: {x}')

    def run_double(self) -> Any:
        """Double ``x`` or return the exit code 400."""
        x = self.inputs.x.value
        if x < 0:
            return self.exit_codes.ERROR_NEGATIVE.format(x=x)
        result = orm.Int(2 * x).store()
        self.out('result', result)
        return None

"""Importable PythonJob tasks, value classes and reference values for the PythonJob tests.

Daemon workers and the PythonJob's own interpreter import these by module path (the tests folder is on
``PYTHONPATH``, see ``tests/conftest.py``), so nothing here may live in a test module or in ``__main__``.
The reference values (:func:`reference_values`) are rebuilt inside the jobs, so a job can compare what it received
with what the test sent.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from pydantic import BaseModel

from aiida_workgraph import namespace, task

TO_DICT_CALLS: dict[str, int] = {}
"""How often :meth:`TracedVector.to_dict` was called in this interpreter, by vector label."""


def reset_to_dict_calls() -> None:
    """Forget the counted ``to_dict`` calls."""
    TO_DICT_CALLS.clear()


class Settings(BaseModel):
    """A pydantic model with nested content (the kind of value users pass to PythonJobs)."""

    name: str
    cutoff: float
    kpoints: list[int]
    extra: dict[str, float]


@dataclasses.dataclass
class Cell:
    """A dataclass with a default field (rebuilt by ``DataclassData``)."""

    label: str
    lengths: list[float]
    periodic: bool = True


class TracedVector:
    """A value serialized through ``to_dict``/``from_dict``; every ``to_dict`` call is counted in TO_DICT_CALLS.

    :param label: names the vector in :data:`TO_DICT_CALLS`.
    :param components: the vector's components.
    """

    def __init__(self, label: str, components: list[float]) -> None:
        self.label = label
        self.components = list(components)

    def to_dict(self) -> dict[str, Any]:
        """Return the vector as a JSON dict and count the call."""
        TO_DICT_CALLS[self.label] = TO_DICT_CALLS.get(self.label, 0) + 1
        return {'label': self.label, 'components': self.components}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TracedVector:
        """Rebuild a vector from :meth:`to_dict`'s output (extra bookkeeping keys are ignored)."""
        return cls(data['label'], data['components'])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TracedVector) and (self.label, self.components) == (other.label, other.components)

    def __hash__(self) -> int:
        return hash((self.label, tuple(self.components)))

    def __repr__(self) -> str:
        return f'TracedVector({self.label!r}, {self.components!r})'


def reference_values() -> dict[str, Any]:
    """Return fresh instances of the values the tests send to :func:`inspect_inputs`, by input name."""
    return {
        'array': np.array([[1.5, -2.0, 3.25], [4.0, 5.5, -6.125]]),
        'nested': {'level1': {'level2': {'items': [1, 2, 3], 'flag': True}, 'text': 'abc'}, 'scale': 0.5},
        'settings': Settings(name='relax', cutoff=520.0, kpoints=[4, 4, 2], extra={'smearing': 0.01}),
        'cell': Cell(label='cubic', lengths=[3.0, 3.0, 3.0]),
        'vector': TracedVector('inspect', [1.0, 2.0, 2.0]),
    }


def type_path(value: Any) -> str:
    """Return ``module.QualName`` of the type of ``value``."""
    return f'{type(value).__module__}.{type(value).__qualname__}'


def _equal(name: str, received: Any, expected: Any) -> bool:
    if name == 'array':
        return bool(
            isinstance(received, np.ndarray)
            and received.dtype == expected.dtype
            and received.shape == expected.shape
            and np.array_equal(received, expected)
        )
    return type(received) is type(expected) and received == expected


# region PythonJob tasks


@task.pythonjob()
def square(x: Any) -> Any:
    """Return ``x * x``."""
    return x * x


@task.pythonjob(outputs=namespace(total=Any, diff=Any))
def sum_diff(a: Any, b: Any) -> dict[str, Any]:
    """Return ``a + b`` and ``a - b`` as the outputs ``total`` and ``diff`` (a namespace of outputs)."""
    return {'total': a + b, 'diff': a - b}


@task.pythonjob(outputs=['quotient', 'remainder'])
def divide(a: Any, b: Any) -> dict[str, Any]:
    """Return ``divmod(a, b)`` as the outputs ``quotient`` and ``remainder`` (outputs given as a list)."""
    quotient, remainder = divmod(a, b)
    return {'quotient': quotient, 'remainder': remainder}


@task.pythonjob()
def inspect_inputs(array: Any, nested: Any, settings: Any, cell: Any, vector: Any) -> dict[str, Any]:
    """Return, per input, its type inside the job and whether it equals :func:`reference_values`' value."""
    received = {'array': array, 'nested': nested, 'settings': settings, 'cell': cell, 'vector': vector}
    expected = reference_values()
    return {
        'types': {name: type_path(value) for name, value in received.items()},
        'equal': {name: _equal(name, value, expected[name]) for name, value in received.items()},
    }


@task.pythonjob()
def echo(value: Any) -> Any:
    """Return the input unchanged (the job's output is converted back to AiiDA data by aiida-pythonjob)."""
    return value


@task.pythonjob()
def fail_job(x: Any) -> Any:
    """Raise a ``ValueError`` that names the input when ``x`` is positive, else return ``x``."""
    if x > 0:
        raise ValueError(f'fail_job refused the value {x}')
    return x


# endregion

# region plain tasks


@task
def add(x: Any, y: Any) -> Any:
    """Return ``x + y`` (a plain task, run in the engine's process)."""
    return x + y


@task
def describe(value: Any) -> str:
    """Return the type of the value a plain task receives, as ``module.QualName``."""
    return type_path(value)


# endregion

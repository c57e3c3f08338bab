"""Importable values, tasks and processes for the serialization tests (``tests/serialization``).

Daemon workers import tasks and value classes by module path, so everything a daemon test needs lives here and
not in a test module (``tests/conftest.py`` puts the tests folder on the workers' ``PYTHONPATH``).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from aiida import orm
from aiida.engine import WorkChain
from aiida.orm.nodes.data.base import to_aiida_type
from pydantic import BaseModel

from aiida_workgraph import WorkGraph, namespace, task

# region values


class Point:
    """A value object with ``to_dict``/``from_dict`` that rebuild it equal: kept as ``JsonableData``."""

    def __init__(self, x: float, y: float) -> None:
        self.x = x
        self.y = y

    def to_dict(self) -> dict[str, Any]:
        """Return the point as a JSON dict."""
        return {'x': self.x, 'y': self.y}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Point:
        """Rebuild a point from :meth:`to_dict`'s output."""
        return cls(data['x'], data['y'])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)

    def __hash__(self) -> int:
        return hash((self.x, self.y))

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.x!r}, {self.y!r})'


class PlainPoint:
    """A value object with ``to_dict``/``from_dict`` but no ``__eq__``: only its loading back can be checked."""

    def __init__(self, x: float, y: float) -> None:
        self.x = x
        self.y = y

    def to_dict(self) -> dict[str, Any]:
        """Return the point as a JSON dict."""
        return {'x': self.x, 'y': self.y}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlainPoint:
        """Rebuild a point from :meth:`to_dict`'s output."""
        return cls(data['x'], data['y'])


class WrongPoint(Point):
    """A point whose ``from_dict`` forgets ``y``: it serializes but loads back as a different object."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WrongPoint:
        """Rebuild the point wrongly (``y`` is lost)."""
        return cls(data['x'], 0.0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WrongPoint) and (self.x, self.y) == (other.x, other.y)

    def __hash__(self) -> int:
        return hash((self.x, self.y))


class BrokenPoint(Point):
    """A point whose ``from_dict`` raises: it serializes but does not load back."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BrokenPoint:
        """Fail to rebuild."""
        raise KeyError('z')


class LockedPoint(Point):
    """A point whose ``to_dict`` returns a lock: its dict form is not JSON-serializable."""

    def to_dict(self) -> dict[str, Any]:
        """Return a dict holding a lock."""
        return {'x': self.x, 'y': self.y, 'guard': threading.Lock()}


class NoSerializer:
    """An object no serializer knows: no ``aiida.data`` entry point, no ``to_dict``, not a dataclass."""

    def __init__(self, payload: int = 1) -> None:
        self.payload = payload


@dataclasses.dataclass
class Settings:
    """An importable dataclass: kept as ``DataclassData`` and loads back from the database."""

    cutoff: float
    label: str = 'default'


class Params(BaseModel):
    """An importable pydantic model: kept as ``JsonableData``."""

    steps: int
    tolerance: float = 1e-3


@dataclasses.dataclass
class Pair:
    """A dataclass holding a tuple: stored as JSON, it loads back with a list, so not as an equal object."""

    items: tuple[int, ...]


# endregion

# region tasks


@task
def identity(x: Any) -> Any:
    """Return ``x`` (a plain-function task)."""
    return x


@task
def add(x: Any, y: Any) -> Any:
    """Return ``x + y`` (a plain-function task with two inputs)."""
    return x + y


@task
def add_one(x: Any) -> Any:
    """Return ``x + 1`` (a plain-function task)."""
    return x + 1


@task.calcfunction
def calc_identity(x: Any) -> Any:
    """Return a copy of ``x`` with provenance (a calcfunction task)."""
    return x.clone()


@task.pythonjob()
def job_identity(x: Any) -> Any:
    """Return ``x`` (a PythonJob task)."""
    return x


def make_unkeepable(kind: str) -> Any:
    """Return a value that cannot be kept as a task result: ``'set'``, ``'lock'``, ``'nested_lock'`` or one of
    :data:`SHAPES` (a value that contains itself, is nested too deep or holds a string the storage refuses)."""
    if kind == 'set':
        return {1, 2}
    if kind == 'lock':
        return threading.Lock()
    if kind == 'nested_lock':
        return {'ok': 1, 'guard': threading.Lock()}
    return make_shape(kind)


#: Values whose shape or strings cannot be stored, by kind: ``(subpath of the refused item, its type, reason)``.
SHAPES: dict[str, tuple[str, str, str]] = {
    'self_list': ('[1]', 'builtins.list', 'it contains itself (a list that holds itself)'),
    'self_dict': ('.inner.back', 'builtins.dict', 'it contains itself (a dict that holds itself)'),
    'deep_list': (
        '[0]' * 8 + '...(84 more levels)...' + '[0]' * 8,
        'builtins.list',
        'dicts and lists are nested deeper than 100 levels',
    ),
    'deep_dict': ('.k' * 8 + '...(84 more levels)...' + '.k' * 8, 'builtins.dict', 'dicts and lists are nested deeper'),
    'surrogate': ('', 'builtins.str', "a string with a lone surrogate ('\\ud800' at index 1) is not valid UTF-8"),
    'surrogate_in_list': ('[1]', 'builtins.str', "a string with a lone surrogate ('\\udc80' at index 0)"),
    'nul': ('', 'builtins.str', 'a string with a NUL character (\\x00, at index 1) cannot be stored in PostgreSQL'),
    'nul_in_dict': ('.k', 'builtins.str', 'a string with a NUL character (\\x00, at index 0) cannot be stored'),
}
DEPTH = 150
"""How deep ``deep_list`` and ``deep_dict`` are nested (more than the 100 levels that can be stored)."""


def nested(levels: int, as_dict: bool) -> Any:
    """Return ``levels`` nested lists (``[[...[1]...]]``) or dicts (``{'k': {'k': ... 1}}``)."""
    value: Any = 1
    for _ in range(levels):
        value = {'k': value} if as_dict else [value]
    return value


def make_shape(kind: str) -> Any:
    """Return a fresh value of one of the kinds of :data:`SHAPES`."""
    if kind == 'self_list':
        value: Any = [1]
        value.append(value)
        return value
    if kind == 'self_dict':
        value = {'a': 1, 'inner': {}}
        value['inner']['back'] = value
        return value
    if kind in ('deep_list', 'deep_dict'):
        return nested(DEPTH, kind == 'deep_dict')
    if kind == 'surrogate':
        return 'a\ud800b'
    if kind == 'surrogate_in_list':
        return ['ok', '\udc80']
    if kind == 'nul':
        return 'a\x00b'
    if kind == 'nul_in_dict':
        return {'k': '\x00'}
    raise ValueError(f'unknown kind {kind!r}')


@task
def bad_result(kind: str) -> Any:
    """Return a value that cannot be kept (see :func:`make_unkeepable`): the task must fail, not the engine."""
    return make_unkeepable(kind)


@task(outputs=['good', 'bad'])
def half_bad_results(kind: str) -> dict[str, Any]:
    """Return one output that can be kept (``good``) and one that cannot (``bad``)."""
    return {'good': 1, 'bad': make_unkeepable(kind)}


@task
def make_settings(cutoff: float) -> Any:
    """Return a :class:`Settings` dataclass (a typed result)."""
    return Settings(cutoff, 'made')


@task
def make_params(steps: int) -> Any:
    """Return a :class:`Params` pydantic model (a typed result)."""
    return Params(steps=steps)


@task.pythonjob()
def job_make_settings(cutoff: float) -> Any:
    """Return a :class:`Settings` dataclass from a PythonJob."""
    from serialization_helpers import Settings

    return Settings(cutoff, 'made')


@task.pythonjob()
def job_make_params(steps: int) -> Any:
    """Return a :class:`Params` pydantic model from a PythonJob."""
    from serialization_helpers import Params

    return Params(steps=steps)


@task
def describe(x: Any) -> Any:
    """Return ``module.Class: repr`` of what the task received: what the next task sees of a typed value."""
    return f'{type(x).__module__}.{type(x).__qualname__}: {x!r}'


@task.calcfunction
def calc_describe(x: Any) -> orm.Str:
    """Return ``NodeClass: module.Class: repr`` of the node a calcfunction received and of the value it holds."""
    value = x.value
    return orm.Str(f'{type(x).__name__}: {type(value).__module__}.{type(value).__qualname__}: {value!r}')


@task
def count_items(x: Any) -> Any:
    """Return how many items ``x`` holds."""
    return len(x)


@task
def make_range(n: int) -> Any:
    """Return ``list(range(n))`` (a large result)."""
    return list(range(n))


@task(outputs=['result'])
def return_none() -> Any:
    """Return ``None`` (a task whose result is nothing)."""
    return None


@task
def is_none(x: Any = 'no value') -> Any:
    """Return whether the task received ``None`` (``'no value'`` if it received nothing at all)."""
    return 'no value' if isinstance(x, str) and x == 'no value' else x is None


# endregion

# region processes


def to_float(value: Any) -> orm.Float:
    """A port serializer that turns any number into ``Float`` (our own rules would make an ``Int`` of an int)."""
    return orm.Float(float(value))


class SerializerWorkChain(WorkChain):
    """A WorkChain whose input ports declare their own ``serializer``.

    ``x`` uses aiida-core's ``to_aiida_type``; ``y`` uses :func:`to_float`. The output ``result`` is ``x + y``.
    """

    @classmethod
    def define(cls, spec: Any) -> None:
        """Define the inputs ``x`` and ``y`` (with serializers) and the output ``result``."""
        super().define(spec)
        spec.input('x', valid_type=orm.Float, serializer=to_aiida_type)
        spec.input('y', valid_type=orm.Float, serializer=to_float, required=False)
        spec.output('result', valid_type=orm.Float)
        spec.outline(cls.run_add)

    def run_add(self) -> None:
        """Add ``x`` and ``y``."""
        y = self.inputs.y.value if 'y' in self.inputs else 0.0
        self.out('result', orm.Float(self.inputs.x.value + y).store())


# endregion


def count_nodes() -> dict[str, int]:
    """Return the number of nodes in the profile: all, process nodes and data nodes."""
    return {
        'all': orm.QueryBuilder().append(orm.Node).count(),
        'process': orm.QueryBuilder().append(orm.ProcessNode).count(),
        'data': orm.QueryBuilder().append(orm.Data).count(),
    }


# region bad values


@dataclasses.dataclass(frozen=True)
class BadValue:
    """A kind of value that cannot be kept, and the problem line the error must show for it.

    :param kind: the name used in test ids and by :func:`make_bad_value`.
    :param type_name: the ``module.Class`` the error names.
    :param reason: a part of the reason the error gives.
    :param fix: a part of the fix the error proposes.
    :param subpath: where inside the value the refused item sits (appended to the value's path).

    A calcfunction port's default serializer (``to_aiida_type``) falls back to our rules, so the reason is the same
    in every place.
    """

    kind: str
    type_name: str
    reason: str
    fix: str
    subpath: str = ''


FIX_SERIALIZER = 'register an `aiida.data` entry point named `<prefix>.<module>.<Class>`'

BAD_VALUES: dict[str, BadValue] = {
    bad.kind: bad
    for bad in [
        BadValue('lambda', 'builtins.function', 'a lambda has no importable name', 'define a module-level function'),
        BadValue(
            'local_function',
            'builtins.function',
            'a function or class defined inside another function cannot be imported',
            'define it at module level',
        ),
        BadValue('lock', '_thread.lock', 'a lock is runtime state and cannot be stored', 'create the lock inside'),
        BadValue('rlock', '_thread.RLock', 'a lock is runtime state and cannot be stored', 'create the lock inside'),
        BadValue('open_file', '_io.TextIOWrapper', 'an open file handle cannot be stored', 'orm.SinglefileData'),
        BadValue(
            'generator', 'builtins.generator', 'a generator holds live execution state', 'pass a list of its items'
        ),
        BadValue('socket', 'socket.socket', 'a socket is a live connection', 'open the connection inside the task'),
        BadValue(
            'no_serializer',
            'serialization_helpers.NoSerializer',
            'no serializer is registered for this type',
            FIX_SERIALIZER,
        ),
        BadValue('int_keys', 'builtins.dict', 'dict key 1 is a int, but JSON needs string keys', 'use string keys'),
        BadValue('set', 'builtins.set', 'sets have no serializer', 'pass a sorted list instead'),
        BadValue('tuple', 'builtins.tuple', 'tuples have no serializer', 'pass a list instead'),
        BadValue('nested_lock', '_thread.lock', 'a lock is runtime state', 'create the lock inside', subpath='.k'),
        BadValue('set_in_list', 'builtins.set', 'sets have no serializer', 'pass a sorted list', subpath='[1]'),
        BadValue('nan', 'builtins.float', 'NaN and infinity cannot be stored in the database', 'a finite number'),
        BadValue(
            'wrong_round_trip',
            'serialization_helpers.WrongPoint',
            'serializes but loads back as a different object (WrongPoint(1.0, 0.0))',
            'make `from_dict(to_dict(obj)) == obj` hold',
        ),
        BadValue(
            'broken_round_trip',
            'serialization_helpers.BrokenPoint',
            "serializes but does not load back (KeyError: 'z')",
            'give the class `to_dict()`/`from_dict()` that rebuild it',
        ),
        BadValue(
            'dict_form_not_json',
            'serialization_helpers.LockedPoint',
            'its dict form is not JSON-serializable (Object of type lock is not JSON serializable)',
            'make `to_dict()` (or the fields) return only JSON values',
        ),
    ]
}
"""Every kind of value that cannot be kept, by kind."""


def make_bad_value(kind: str, closing: Any) -> Any:
    """Return a fresh value of ``kind`` (see :data:`BAD_VALUES`).

    :param closing: a :class:`contextlib.ExitStack` that closes files and sockets after the test.
    """
    import socket

    if kind == 'lambda':
        return lambda value: value
    if kind == 'local_function':

        def local(value: Any) -> Any:
            return value

        return local
    if kind == 'lock':
        return threading.Lock()
    if kind == 'rlock':
        return threading.RLock()
    if kind == 'open_file':
        return closing.enter_context(open(__file__, encoding='utf-8'))  # noqa: SIM115 - closed by the stack
    if kind == 'generator':
        return (index for index in range(3))
    if kind == 'socket':
        return closing.enter_context(socket.socket())
    if kind == 'no_serializer':
        return NoSerializer()
    if kind == 'int_keys':
        return {1: 'one'}
    if kind == 'set':
        return {1, 2}
    if kind == 'tuple':
        return (1, 2)
    if kind == 'nested_lock':
        return {'ok': 1, 'k': threading.Lock()}
    if kind == 'set_in_list':
        return [1, {2, 3}]
    if kind == 'nan':
        return float('nan')
    if kind == 'wrong_round_trip':
        return WrongPoint(1.0, 2.0)
    if kind == 'broken_round_trip':
        return BrokenPoint(1.0, 2.0)
    if kind == 'dict_form_not_json':
        return LockedPoint(1.0, 2.0)
    raise ValueError(f'unknown kind {kind!r}')


# endregion

# region graphs

#: Each place a value can be set: how to put it there, and the path the error names.
PLACES = ['task', 'calcfunction', 'pythonjob', 'graph_input', 'ctx']


#: The path of the value :func:`graph_with_value` puts at each place.
VALUE_PATHS = {
    'graph_input': 'graph_inputs.structure',
    'ctx': 'ctx.v',
    'task': 'tasks.add1.x',
    'calcfunction': 'tasks.calc1.x',
    'pythonjob': 'tasks.job1.x',
}


def graph_with_value(place: str, value: Any) -> tuple[WorkGraph, dict[str, Any], str]:
    """Return a graph holding ``value`` at ``place``, the ``inputs`` to pass to ``run()`` and the value's path."""
    if place == 'graph_input':
        wg = WorkGraph('bad_graph_input', inputs=namespace(structure=Any))
        wg.add_task(identity, name='use', x=wg.inputs.structure)
        return wg, {'structure': value}, 'graph_inputs.structure'
    wg = WorkGraph(f'bad_{place}')
    if place == 'ctx':
        wg.add_task(identity, name='add1', x=1)
        wg.ctx = {'v': value}
        return wg, {}, 'ctx.v'
    task_function, name = {
        'task': (identity, 'add1'),
        'calcfunction': (calc_identity, 'calc1'),
        'pythonjob': (job_identity, 'job1'),
    }[place]
    wg.add_task(task_function, name=name, x=value)
    return wg, {}, f'tasks.{name}.x'


def problem_line(message: str, path: str) -> str:
    """Return the one line of ``message`` about ``path``."""
    lines = [line for line in message.splitlines() if line.startswith(f'  - {path} (')]
    assert len(lines) == 1, f'expected one line for {path} in:\n{message}'
    return lines[0]


# endregion

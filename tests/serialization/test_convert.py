"""Single values: what each becomes, what is refused and why (``aiida_workgraph.serialization.convert``)."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from aiida import orm
from serialization_helpers import BAD_VALUES, Params, PlainPoint, Point, Settings, count_nodes, make_unkeepable

import aiida_workgraph
from aiida_workgraph.serialization import ValueProblem, WorkGraphSerializationError
from aiida_workgraph.serialization.convert import ConversionRefused, check_json, to_data, to_python


def reloaded(node: orm.Data) -> Any:
    """Store ``node`` and rebuild its value from a fresh load of the database row."""
    node.store()
    return to_python(orm.load_node(node.pk))


def test_error_is_a_value_error_importable_from_the_package() -> None:
    """The error is a ``ValueError`` and is importable from the top-level package."""
    assert aiida_workgraph.WorkGraphSerializationError is WorkGraphSerializationError
    assert issubclass(WorkGraphSerializationError, ValueError)


def test_error_message_lists_every_problem_one_line_each() -> None:
    """The message has a header and one line per problem: path, type, reason and fix."""
    problems = [
        ValueProblem('tasks.add1.x', 'builtins.set', 'sets have no serializer', 'pass a sorted list instead'),
        ValueProblem('ctx.params.k', '_thread.lock', 'a lock is runtime state', 'create the lock inside the task'),
    ]
    error = WorkGraphSerializationError(problems, 'WorkGraph<demo>')
    assert error.problems == problems
    assert str(error).splitlines() == [
        'Cannot serialize the provided objects: WorkGraph<demo>: 2 values cannot be kept; nothing was stored:',
        '  - tasks.add1.x (builtins.set): sets have no serializer. Fix: pass a sorted list instead',
        '  - ctx.params.k (_thread.lock): a lock is runtime state. Fix: create the lock inside the task',
    ]


def plain_function(x: Any) -> Any:
    """A module-level function: kept as a reference that a daemon worker can import."""
    return x


@pytest.mark.parametrize(
    ('value', 'node_type'),
    [
        (3, orm.Int),
        (2.5, orm.Float),
        ('text', orm.Str),
        (True, orm.Bool),
        ([1, 'a', [2.0]], orm.List),
        ({'a': {'b': [1, 2]}, 'c': None}, orm.Dict),
        (np.int64(4), orm.Int),
        (np.float64(1.5), orm.Float),
    ],
    ids=['int', 'float', 'str', 'bool', 'list', 'dict', 'numpy.int64', 'numpy.float64'],
)
def test_built_in_values_become_base_types(value: Any, node_type: type) -> None:
    """Built-in and numpy scalar values become the same base types as upstream makes, and load back equal."""
    node = to_data(value, for_daemon=True)
    assert type(node) is node_type
    assert not node.is_stored
    assert reloaded(node) == value


def test_tuple_inside_a_dict_is_kept_as_a_list() -> None:
    """Inside a dict, a tuple is stored as a list, as AiiDA's ``Dict`` does (a top-level tuple is refused)."""
    assert reloaded(to_data({'shape': (2, 3)}, for_daemon=True)) == {'shape': [2, 3]}


def test_numpy_array_becomes_array_data() -> None:
    """A numpy array becomes ``ArrayData`` and loads back equal."""
    array = np.arange(6.0).reshape(2, 3)
    node = to_data(array, for_daemon=True)
    assert isinstance(node, orm.ArrayData)
    assert np.array_equal(reloaded(node), array)


@pytest.mark.parametrize(
    ('value', 'node_class'),
    [
        (Point(1.0, 2.0), 'JsonableData'),
        (Settings(cutoff=3.5, label='fine'), 'DataclassData'),
        (Params(steps=3), 'JsonableData'),
        (datetime.datetime(2024, 5, 1, 12, 30), 'DateTimeData'),
        (plain_function, 'FunctionData'),
    ],
    ids=['to_dict', 'dataclass', 'pydantic', 'datetime', 'function'],
)
def test_importable_objects_load_back_from_the_database(value: Any, node_class: str) -> None:
    """Objects of importable classes are converted by aiida-pythonjob's rules and load back equal from the database."""
    node = to_data(value, for_daemon=True)
    assert type(node).__name__ == node_class
    assert reloaded(node) == value


def test_object_without_eq_is_kept_when_it_loads_back() -> None:
    """Without ``__eq__`` (``==`` is identity) a rebuilt object cannot be compared: loading back is enough."""
    node = to_data(PlainPoint(1.0, 2.0), for_daemon=True)
    rebuilt = reloaded(node)
    assert type(rebuilt) is PlainPoint
    assert (rebuilt.x, rebuilt.y) == (1.0, 2.0)


def test_aiida_nodes_are_kept_as_they_are() -> None:
    """An AiiDA data node is used as it is, stored or not."""
    node = orm.Int(5)
    assert to_data(node, for_daemon=True) is node


def test_a_process_node_is_refused() -> None:
    """A process node is not data: the fix says to pass one of its outputs."""
    with pytest.raises(ConversionRefused) as info:
        to_data(orm.CalcFunctionNode(), for_daemon=False)
    assert info.value.reason == 'a process node is not data'
    assert info.value.fix == 'pass one of its output nodes instead'


@pytest.mark.parametrize('kind', sorted(BAD_VALUES))
@pytest.mark.parametrize('for_daemon', [False, True], ids=['run', 'submit'])
def test_bad_value_is_refused_with_reason_and_fix(kind: str, for_daemon: bool, bad_value: Callable[[str], Any]) -> None:
    """Every kind of value that cannot be kept is refused, for run and for submit, with its reason and fix;
    nothing is stored by the attempt."""
    expected = BAD_VALUES[kind]
    value = bad_value(kind)
    before = count_nodes()
    with pytest.raises(ConversionRefused) as info:
        to_data(value, for_daemon=for_daemon)
    refused = info.value
    assert expected.reason in refused.reason
    assert expected.fix in refused.fix
    assert refused.subpath == expected.subpath
    assert refused.type_name(value) == expected.type_name
    assert count_nodes() == before


def test_infinity_inside_a_list_is_refused_with_its_place() -> None:
    """Infinity cannot be stored in the database; the refusal names its index."""
    with pytest.raises(ConversionRefused) as info:
        to_data([1.0, float('inf')], for_daemon=False)
    assert info.value.subpath == '[1]'
    assert info.value.reason == 'NaN and infinity cannot be stored in the database'


def test_object_inside_a_dict_is_refused_with_its_key() -> None:
    """An object inside a dict is not JSON: the refusal names the key, the object's type and the fix."""
    value = {'outer': {'point': Point(1.0, 2.0)}}
    with pytest.raises(ConversionRefused) as info:
        to_data(value, for_daemon=False)
    assert info.value.subpath == '.outer.point'
    assert info.value.type_name(value) == 'serialization_helpers.Point'
    assert info.value.reason == 'inside a dict or list only JSON values can be stored'
    assert 'pass it as its own input' in info.value.fix


@pytest.mark.parametrize('kind', ['set', 'lock', 'nested_lock'])
def test_task_results_use_the_same_rules(kind: str) -> None:
    """The values :func:`serialization_helpers.bad_result` returns are refused by the same rules."""
    with pytest.raises(ConversionRefused):
        to_data(make_unkeepable(kind), for_daemon=False)


# region __main__


def make_main_class(monkeypatch: pytest.MonkeyPatch) -> type:
    """Return a ``to_dict``/``from_dict`` class whose module is ``__main__`` and that ``__main__`` really holds."""

    def from_dict(cls: type, data: dict[str, Any]) -> Any:
        return cls(**{key: value for key, value in data.items() if not key.startswith('@')})

    namespace = {
        '__module__': '__main__',
        '__init__': lambda self, a: setattr(self, 'a', a),
        'to_dict': lambda self: {'a': self.a},
        'from_dict': classmethod(from_dict),
        '__eq__': lambda self, other: type(other) is type(self) and other.a == self.a,
        '__hash__': lambda self: hash(self.a),
    }
    main_class = type('MainPoint', (), namespace)
    monkeypatch.setattr(sys.modules['__main__'], 'MainPoint', main_class, raising=False)
    return main_class


def test_main_class_is_refused_for_the_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    """An instance of a class defined in ``__main__`` is refused for submit: a daemon worker cannot import it."""
    value = make_main_class(monkeypatch)(1)
    with pytest.raises(ConversionRefused) as info:
        to_data(value, for_daemon=True)
    assert info.value.reason == 'its class is defined in __main__, which a daemon worker cannot import'
    assert info.value.fix == 'move it to an importable module (a daemon worker cannot import __main__)'


def test_main_class_is_accepted_in_process_when_it_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    """In this interpreter (run) the same value is kept: it loads back equal."""
    value = make_main_class(monkeypatch)(1)
    node = to_data(value, for_daemon=False)
    assert to_python(node) == value


def test_main_function_is_refused_for_the_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    """A function defined in ``__main__`` is refused for submit and kept as a reference for run."""

    def main_function(x: Any) -> Any:
        return x

    main_function.__module__ = '__main__'
    main_function.__qualname__ = 'main_function'
    monkeypatch.setattr(sys.modules['__main__'], 'main_function', main_function, raising=False)
    with pytest.raises(ConversionRefused) as info:
        to_data(main_function, for_daemon=True)
    assert info.value.reason == 'defined in __main__, which a daemon worker cannot import'
    assert to_python(to_data(main_function, for_daemon=False)) is main_function


# endregion

# region plain values (metadata, options)


def test_plain_json_is_accepted_unchanged() -> None:
    """A plain value (``metadata.options``) is validated, never converted: ``check_json`` returns nothing."""
    options = {'resources': {'num_machines': 1}, 'max_wallclock_seconds': 60, 'prepend_text': 'echo', 'flags': [1]}
    assert check_json(options) is None


@pytest.mark.parametrize(
    ('value', 'subpath', 'type_name'),
    [
        ({'options': {'max_wallclock_seconds': Point(1, 2)}}, '.options.max_wallclock_seconds', 'Point'),
        ({'options': {'resources': {'num_machines': {1}}}}, '.options.resources.num_machines', 'builtins.set'),
        ({'options': {'additional_retrieve_list': ['a', b'b']}}, '.options.additional_retrieve_list[1]', 'bytes'),
    ],
    ids=['object', 'set', 'bytes-in-list'],
)
def test_plain_value_that_is_not_json_is_refused_with_its_path(value: Any, subpath: str, type_name: str) -> None:
    """A non-JSON item of a plain value is refused with its place inside the value."""
    with pytest.raises(ConversionRefused) as info:
        check_json(value)
    assert info.value.subpath == subpath
    assert info.value.type_name(value).endswith(type_name)
    assert info.value.reason.startswith('not JSON-serializable (Object of type')
    assert info.value.fix == 'pass plain JSON values here'


def test_plain_value_with_int_keys_is_refused() -> None:
    """JSON needs string keys, also in plain values."""
    with pytest.raises(ConversionRefused) as info:
        check_json({'options': {1: 'a'}})
    assert info.value.subpath == '.options'
    assert info.value.reason == 'dict key 1 is a int, but JSON needs string keys'


# endregion

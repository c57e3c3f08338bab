"""Conversion of single Python values to AiiDA data, and back, by aiida-pythonjob's rules.

These functions know nothing about graphs or paths: :mod:`.walk` calls them once per value and turns a
:class:`ConversionRefused` into a :class:`~.errors.ValueProblem` that carries the value's path.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import json
import socket
import threading
import types
from typing import Any

from aiida import orm
from aiida.common.exceptions import ValidationError
from aiida.orm.implementation.utils import clean_value
from aiida.orm.nodes.data.base import to_aiida_type

from ..orm.value_rows import PLAIN_VALUE_CLASSES, PlainValue
from .content import ContentWalker, storage_refuses_nul
from .errors import ConversionRefused

BASE_TYPES = (orm.Int, orm.Float, orm.Str, orm.Bool, orm.List, orm.Dict)
FIX_MODULE = 'move it to an importable module (a daemon worker cannot import __main__)'
FIX_SERIALIZER = (
    'register an `aiida.data` entry point named `<prefix>.<module>.<Class>`, give the class '
    '`to_dict()`/`from_dict()`, or pass an AiiDA node'
)
FIX_CONTENT = 'convert it to a JSON value (str, number, bool, None, list, dict) or pass it as its own input'
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_LIVE_TYPES = (
    (types.GeneratorType, 'a generator holds live execution state and cannot be stored', 'pass a list of its items'),
    (
        types.CoroutineType,
        'a coroutine holds live execution state and cannot be stored',
        'await it and pass its result',
    ),
    (io.IOBase, 'an open file handle cannot be stored', 'pass the file content or an `orm.SinglefileData`'),
    (_LOCK_TYPES, 'a lock is runtime state and cannot be stored', 'create the lock inside the task'),
    (socket.socket, 'a socket is a live connection and cannot be stored', 'open the connection inside the task'),
)


def _serializers() -> dict[str, str]:
    """Return aiida-pythonjob's serializer registry (imported lazily: it reads the AiiDA profile)."""
    from aiida_pythonjob.data.serializer import all_serializers

    return all_serializers


def _refuse_callables(value: Any, for_daemon: bool) -> None:
    """Refuse functions and classes that cannot be imported back by name."""
    if not (inspect.isfunction(value) or inspect.isclass(value)):
        return
    if value.__name__ == '<lambda>':
        raise ConversionRefused('a lambda has no importable name', 'define a module-level function and pass it')
    if '<locals>' in value.__qualname__:
        raise ConversionRefused(
            'a function or class defined inside another function cannot be imported', 'define it at module level'
        )
    if for_daemon and value.__module__ == '__main__':
        raise ConversionRefused('defined in __main__, which a daemon worker cannot import', FIX_MODULE)


def _refuse_live_objects(value: Any, nested: bool = False) -> None:
    """Refuse objects that hold runtime state (files, locks, generators, sockets), sets and (top-level) tuples.

    :param nested: the value sits inside a dict or list, where a tuple is stored as a list like AiiDA's ``Dict``
        does.
    """
    for live_type, reason, fix in _LIVE_TYPES:
        if isinstance(value, live_type):
            raise ConversionRefused(reason, fix)
    if isinstance(value, (set, frozenset)):
        raise ConversionRefused('sets have no serializer', 'pass a sorted list instead')
    if isinstance(value, tuple) and not nested:
        raise ConversionRefused('tuples have no serializer', 'pass a list instead')


def _storable_reason(exception: Exception, what: str = '') -> tuple[str, str]:
    """Return the reason and fix for a value the database refused (``clean_value``'s ``ValidationError``).

    :param what: what was not JSON-serializable, e.g. ``'its stored form is '``.
    """
    if 'nan' in str(exception):
        return 'NaN and infinity cannot be stored in the database', 'pass None or a finite number'
    return f'{what}not JSON-serializable ({exception})', FIX_CONTENT


def _check_stored_leaf(item: Any) -> None:
    """Refuse an item inside a dict or list that the database cannot store (its place is added by the walker)."""
    _refuse_live_objects(item, nested=True)
    try:
        clean_value(item)
    except ValidationError as exception:
        reason, fix = _storable_reason(exception)
        if fix == FIX_CONTENT:
            reason = 'inside a dict or list only JSON values can be stored'
        raise ConversionRefused(reason, fix) from exception


def _check_content(value: Any) -> None:
    """Refuse a dict or list the database cannot store: non-string keys, cycles, too deep nesting, strings it
    cannot hold, live objects, sets, objects without a JSON form, NaN and infinity. The refusal names the item's
    place (``.k``, ``[2]``).
    """
    ContentWalker(_check_stored_leaf, storage_refuses_nul()).walk(value)


def _check_attribute_leaf(item: Any) -> None:
    """Refuse an attribute value of a converted node that the database cannot store."""
    try:
        clean_value(item)
    except ValidationError as exception:
        raise ConversionRefused(*_storable_reason(exception, 'its stored form is ')) from exception


def _check_attributes(node: orm.Data) -> None:
    """Refuse a converted node whose attributes the database cannot store (it would fail only when stored): values
    without a JSON form, NaN, strings the storage refuses, too deep nesting."""
    _check_attribute_values(node.base.attributes.all)


def _check_attribute_values(attributes: dict[str, Any]) -> None:
    """Refuse node attributes the database cannot store (see :func:`_check_attributes`)."""
    try:
        ContentWalker(_check_attribute_leaf, storage_refuses_nul()).walk(attributes)
    except ConversionRefused as refused:
        raise ConversionRefused(refused.reason, refused.fix) from refused


def to_plain_value(value: Any, serializer: Any) -> PlainValue | None:
    """Keep an ``int``/``float``/``str``/``bool`` as a :class:`~aiida_workgraph.orm.value_rows.PlainValue`, which
    the engine stores as a row, where converting it would give the matching base-type node (``orm.Int``, ...).

    :param value: the value.
    :param serializer: the port's own serializer, or ``None`` where our rules (aiida-pythonjob's serializers) apply.
    :return: the plain value, or ``None`` for any other value, or where a serializer other than aiida-core's default
        (``to_aiida_type``) or the registered one for the type would convert it.
    :raises ConversionRefused: if the value cannot be stored as that node's attribute (NaN, a string the storage
        refuses).
    """
    node_class = PLAIN_VALUE_CLASSES.get(type(value))
    if node_class is None:
        return None
    if serializer is None:
        registered = _serializers().get(f'builtins.{type(value).__name__}')
        if registered != f'{node_class.__module__}.{node_class.__name__}':
            return None
    elif serializer is not to_aiida_type:
        return None
    _check_attribute_values({'value': value})
    return PlainValue(value)


def check_storable(value: Any, node: orm.Data) -> None:
    """Check that ``node``, made from ``value`` (by a port's own serializer), can be stored.

    :raises ConversionRefused: naming the item inside a dict or list value that cannot be stored.
    """
    if isinstance(value, (dict, list)):
        _check_content(value)
    if not (isinstance(value, (dict, list)) and isinstance(node, (orm.List, orm.Dict))):
        _check_attributes(node)


def diagnose(value: Any, *, for_daemon: bool) -> None:
    """Explain, by our rules, why a value cannot be kept; return quietly if no rule refuses it.

    Used when a port's own serializer refuses a value, to give the specific reason (a lock, a lambda, ...).

    :raises ConversionRefused: with the reason and fix of the first rule that refuses the value.
    """
    _refuse_callables(value, for_daemon)
    _refuse_live_objects(value)
    if isinstance(value, (dict, list)):
        _check_content(value)


def _reload(node: orm.Data) -> Any:
    """Rebuild the Python value from ``node`` the way it is rebuilt after loading from the database."""
    cached = node.__dict__.pop('_obj', None)
    try:
        return to_python(node)
    finally:
        if cached is not None:
            node._obj = cached


def _check_round_trip(value: Any, node: orm.Data, for_daemon: bool) -> None:
    """Load ``node`` back once and refuse the value if it does not rebuild, or rebuilds an object that is not equal.

    Equality is checked only for classes that define ``__eq__``: without it ``==`` is identity, which a rebuilt
    object never has, so loading back without error is what can be checked.
    """
    value_type = type(value)
    if for_daemon and value_type.__module__ == '__main__':
        raise ConversionRefused('its class is defined in __main__, which a daemon worker cannot import', FIX_MODULE)
    try:
        rebuilt = _reload(node)
    except Exception as exception:  # noqa: BLE001 - any failure to rebuild is the problem we report
        raise ConversionRefused(
            f'serializes but does not load back ({type(exception).__name__}: {exception})',
            'give the class `to_dict()`/`from_dict()` that rebuild it, or register an `aiida.data` entry point',
        ) from exception
    if value_type.__eq__ is object.__eq__:
        return
    try:
        equal = rebuilt == value
        equal = bool(equal) if isinstance(equal, bool) else True
    except Exception:  # noqa: BLE001 - objects whose comparison is ambiguous (arrays) count as loadable
        equal = True
    if not equal:
        raise ConversionRefused(
            f'serializes but loads back as a different object ({rebuilt!r})',
            'make `from_dict(to_dict(obj)) == obj` hold, or pass an AiiDA node',
        )


def to_data(value: Any, *, for_daemon: bool) -> orm.Data:
    """Convert ``value`` to an unstored AiiDA data node by aiida-pythonjob's rules, checking that it loads back.

    :param value: any Python value; AiiDA data nodes are returned as they are; ``None`` becomes aiida-pythonjob's
        ``NoneData``.
    :param for_daemon: refuse what a daemon worker cannot load (classes and functions defined in ``__main__``).
    :raises ConversionRefused: if the value cannot be converted or does not load back.
    """
    if isinstance(value, orm.Data):
        return value
    if isinstance(value, orm.Node):
        raise ConversionRefused('a process node is not data', 'pass one of its output nodes instead')
    if value is None:
        from aiida_pythonjob.data.common_data import NoneData

        return NoneData()
    _refuse_callables(value, for_daemon)
    _refuse_live_objects(value)
    if isinstance(value, (dict, list)):
        _check_content(value)
    from aiida_pythonjob.data.jsonable_data import JsonableData
    from aiida_pythonjob.data.utils import import_from_path

    from .dataclass_data import DataclassData

    value_type = type(value)
    key = f'{value_type.__module__}.{value_type.__name__}'
    serializers = _serializers()
    try:
        if key in serializers:
            node = import_from_path(serializers[key])(value)
        elif dataclasses.is_dataclass(value):
            node = DataclassData(value)
        else:
            node = JsonableData(value)
    except (TypeError, ValueError) as exception:
        if key in serializers:
            raise ConversionRefused(f'its serializer failed: {exception}', FIX_SERIALIZER) from exception
        if isinstance(exception, TypeError) and _has_dict_form(value):
            cause = exception.__cause__ or exception
            raise ConversionRefused(
                f'its dict form is not JSON-serializable ({cause})',
                'make `to_dict()` (or the fields) return only JSON values, or pass an AiiDA node',
            ) from exception
        raise ConversionRefused('no serializer is registered for this type', FIX_SERIALIZER) from exception
    except Exception as exception:  # noqa: BLE001 - a third-party serializer may raise anything
        raise ConversionRefused(f'its serializer failed: {exception}', FIX_SERIALIZER) from exception
    if not (isinstance(value, (dict, list)) and isinstance(node, (orm.List, orm.Dict))):
        _check_attributes(node)  # the content of a dict or list was checked item by item above
    if not isinstance(node, BASE_TYPES):
        _check_round_trip(value, node, for_daemon)
    return node


def _has_dict_form(value: Any) -> bool:
    """Whether ``value`` is turned into a dict by ``JsonableData`` (``to_dict``-like method, dataclass, model)."""
    methods = ('as_dict', 'to_dict', 'todict', 'asdict', 'model_dump')
    return dataclasses.is_dataclass(value) or any(hasattr(value, method) for method in methods)


def check_json(value: Any) -> None:
    """Check that a plain value (a ``metadata`` port, an option) is JSON-serializable; it is never converted.

    :raises ConversionRefused: if it is not.
    """
    ContentWalker(_check_json_leaf, storage_refuses_nul(), finite_floats=False).walk(value)


def _check_json_leaf(item: Any) -> None:
    """Refuse an item of a plain value that ``json.dumps`` cannot write (its place is added by the walker)."""
    if isinstance(item, float):
        return
    try:
        json.dumps(item)
    except (TypeError, ValueError) as exception:
        raise ConversionRefused(f'not JSON-serializable ({exception})', 'pass plain JSON values here') from exception


def to_python(data: Any) -> Any:
    """Turn AiiDA data (or a nested dict of it) back into plain Python values for a task function.

    ``NoneData`` becomes ``None``; ``DataclassData`` and ``JsonableData`` become an equal object of the original class
    (a dataclass, a pydantic model, a class with ``from_dict``), also when loaded from the database.

    :raises ValueError: if a data node has no ``value`` and no registered deserializer.
    :raises ImportError: if the class of a ``JsonableData`` value cannot be imported.
    """
    from aiida_pythonjob.data.deserializer import deserialize_to_raw_python_data
    from aiida_pythonjob.data.jsonable_data import JsonableData

    from .dataclass_data import load_object

    if isinstance(data, dict):
        return {key: to_python(item) for key, item in data.items()}
    if isinstance(data, JsonableData):
        return load_object(data)
    if isinstance(data, orm.Data):
        return deserialize_to_raw_python_data(data)
    return data

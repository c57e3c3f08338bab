"""The check a value must pass before it is handed to node-graph when a graph is built.

node-graph copies the dicts of task inputs recursively and turns every dict assigned to ``ctx`` into nested
namespaces, splitting keys on dots. A dict or list that contains itself, a very deep nesting, or (in ``ctx``) a key
that is not a string makes it crash (``RecursionError``, ``TypeError: argument of type 'int' is not iterable``).
:func:`check_shape` finds these first and raises the contract's error, naming the path; everything else about the
value is left to the walk at ``run()``/``submit()``, which reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .content import FIX_CYCLE, FIX_DEPTH, MAX_DEPTH, format_keys
from .errors import ValueProblem, WorkGraphSerializationError, type_name


def _problems(
    value: Any, path: str, keys: list[Any], string_keys: bool, open_: set[int], found: list[ValueProblem]
) -> None:
    if not isinstance(value, (Mapping, list, tuple)):
        return
    where = f'{path}{format_keys(keys)}'
    if id(value) in open_:
        reason = f'it contains itself (a {type(value).__name__} that holds itself)'
        found.append(ValueProblem(where, type_name(value), reason, FIX_CYCLE))
        return
    if len(open_) >= MAX_DEPTH:
        reason = f'dicts and lists are nested deeper than {MAX_DEPTH} levels'
        found.append(ValueProblem(where, type_name(value), reason, FIX_DEPTH))
        return
    open_.add(id(value))
    if isinstance(value, Mapping):
        for key, item in value.items():
            if string_keys and not isinstance(key, str):
                reason = f'dict key {key!r} is a {type(key).__name__}, but JSON needs string keys'
                found.append(ValueProblem(where, type_name(value), reason, 'use string keys'))
                continue
            _problems(item, path, [*keys, key], string_keys, open_, found)
    else:
        for index, item in enumerate(value):
            _problems(item, path, [*keys, index], string_keys, open_, found)
    open_.discard(id(value))


def shape_problems(value: Any, path: str, *, string_keys: bool) -> list[ValueProblem]:
    """Return the problems of ``value`` that node-graph cannot even take: cycles, too deep nesting, and (with
    ``string_keys``, for ``ctx``) dict keys that are not strings. Never recurses deeper than :data:`MAX_DEPTH`."""
    found: list[ValueProblem] = []
    _problems(value, path, [], string_keys, set(), found)
    return found


def check_shape(values: Mapping[str, Any], prefix: str, graph_name: str, *, string_keys: bool = False) -> None:
    """Check values before they are set on a task's inputs or on ``ctx``.

    :param values: ``{name: value}``, e.g. the keyword arguments of ``add_task`` or the dict assigned to ``ctx``.
    :param prefix: the path of the place, e.g. ``tasks.add1`` or ``ctx``.
    :param graph_name: names the graph in the error.
    :param string_keys: refuse dict keys that are not strings (``ctx``, whose dicts become namespaces).
    :raises WorkGraphSerializationError: listing every value that contains itself, is nested deeper than
        :data:`MAX_DEPTH` levels or (with ``string_keys``) has a key that is not a string; nothing is stored.
    """
    found: list[ValueProblem] = []
    for name, value in values.items():
        if string_keys and not isinstance(name, str):
            reason = f'dict key {name!r} is a {type(name).__name__}, but JSON needs string keys'
            found.append(ValueProblem(prefix, type_name(values), reason, 'use string keys'))
            continue
        found.extend(shape_problems(value, f'{prefix}.{name}', string_keys=string_keys))
    if found:
        raise WorkGraphSerializationError(found, f'WorkGraph<{graph_name}>')


__all__ = ['check_shape', 'shape_problems']

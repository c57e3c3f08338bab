"""The single walk over a WorkGraph engine's input namespace.

``WorkGraphEngine.__init__`` walks its inputs once with an :class:`InputWalker`: it visits every value once,
converts what must become AiiDA data, validates plain values, and collects every problem, which the engine raises as
one :class:`~.errors.WorkGraphSerializationError`. No other code path converts input values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiida import orm

from .content import FIX_CYCLE, FIX_DEPTH, MAX_DEPTH, check_string, storage_refuses_nul
from .convert import ConversionRefused, check_json, check_storable, diagnose, to_data
from .errors import ValueProblem, type_name
from .schema import DATA, NAMESPACE, PLAIN, Slot


@dataclass
class WalkResult:
    """What the walk produced.

    :param data: the tree of AiiDA data nodes (unstored where they were converted), keyed like the input.
    :param plain: the tree of plain values (metadata, options) that stay in the graph structure.
    :param visited: the path of every leaf value visited, in visiting order.
    :param report: for each visited path, the AiiDA type it becomes (or ``plain``).
    """

    data: dict[str, Any] = field(default_factory=dict)
    plain: dict[str, Any] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)
    report: dict[str, str] = field(default_factory=dict)


class InputWalker:
    """Walks input trees against their schema, once per value, and collects every problem.

    :param for_daemon: refuse values a daemon worker could not load back.
    """

    def __init__(self, for_daemon: bool):
        self.for_daemon = for_daemon
        self.problems: list[ValueProblem] = []
        self.visited: list[str] = []
        self.report: dict[str, str] = {}
        self.refuse_nul = storage_refuses_nul()
        self._open: set[int] = set()

    def walk(self, value: Any, slot: Slot, path: str, data: dict, plain: dict, key: str) -> None:
        """Visit ``value`` at ``path`` and put its converted form into ``data`` or ``plain`` under ``key``."""
        if value is None:
            return
        if slot.kind == NAMESPACE and isinstance(value, dict):
            self._walk_namespace(value, slot, path, data, plain, key)
            return
        self.visited.append(path)
        try:
            if slot.kind == PLAIN:
                check_json(value)
                plain[key] = value
                self.report[path] = 'plain'
                return
            node = self._convert(value, slot)
        except ConversionRefused as refused:
            self.problems.append(
                ValueProblem(f'{path}{refused.subpath}', refused.type_name(value), refused.reason, refused.fix)
            )
            return
        data[key] = node
        self.report[path] = type_name(node)

    def _walk_namespace(self, value: dict, slot: Slot, path: str, data: dict, plain: dict, key: str) -> None:
        """Visit the keys of a namespace (a dict whose keys are ports or ``ctx`` names), refusing bad keys and a
        namespace that contains itself or is nested too deep."""
        problem = None
        if id(value) in self._open:
            problem = (f'it contains itself (a {type(value).__name__} that holds itself)', FIX_CYCLE)
        elif len(self._open) >= MAX_DEPTH:
            problem = (f'dicts and lists are nested deeper than {MAX_DEPTH} levels', FIX_DEPTH)
        if problem:
            self.problems.append(ValueProblem(path, type_name(value), *problem))
            return
        self._open.add(id(value))
        data_child: dict[str, Any] = {}
        plain_child: dict[str, Any] = {}
        for child_key, child_value in value.items():
            if not isinstance(child_key, str):
                reason = f'dict key {child_key!r} is a {type(child_key).__name__}, but JSON needs string keys'
                self.problems.append(ValueProblem(path, type_name(value), reason, 'use string keys'))
                continue
            try:
                check_string(child_key, self.refuse_nul)
            except ConversionRefused as refused:
                place = f'{path}[{child_key!r}]'
                self.problems.append(ValueProblem(place, 'builtins.str', f'its key: {refused.reason}', refused.fix))
                continue
            self.walk(child_value, slot.child(child_key), f'{path}.{child_key}', data_child, plain_child, child_key)
        self._open.discard(id(value))
        if data_child:
            data[key] = data_child
        if plain_child:
            plain[key] = plain_child

    def _convert(self, value: Any, slot: Slot) -> orm.Data:
        """Convert one leaf: the port's own serializer when it has one, else our rules."""
        if slot.serializer is not None and not isinstance(value, orm.Data):
            try:
                node = slot.serializer(value)
            except Exception as exception:  # noqa: BLE001 - a port serializer may raise anything
                diagnose(value, for_daemon=self.for_daemon)  # our rules give a specific reason when they have one
                raise ConversionRefused(
                    f"the port's serializer refused it ({exception})",
                    "pass an AiiDA node or a value the port's serializer accepts",
                ) from exception
            if isinstance(node, orm.Data):
                check_storable(value, node)
                return node
        # A non-dict value in a namespace (a ctx entry such as ``ctx.a = 5``) is a data leaf of that namespace.
        if slot.kind not in (DATA, NAMESPACE):
            raise ConversionRefused('unexpected schema', 'report this as a bug')
        return to_data(value, for_daemon=self.for_daemon)


__all__ = ['InputWalker', 'WalkResult']

"""The single walk over a WorkGraph engine's input namespace.

``WorkGraphEngine.__init__`` walks its inputs once with an :class:`InputWalker`: it visits every value once,
converts what must become AiiDA data, validates plain values, and collects every problem, which the engine raises as
one :class:`~.errors.WorkGraphSerializationError`. No other code path converts input values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiida import orm
from aiida.orm.nodes.data.base import to_aiida_type

from ..orm.value_rows import PlainValue
from .content import FIX_CYCLE, FIX_DEPTH, MAX_DEPTH, check_string, storage_refuses_nul
from .convert import ConversionRefused, check_json, check_storable, diagnose, to_data, to_plain_value
from .errors import ValueProblem, class_name, type_name
from .schema import DATA, NAMESPACE, PLAIN, Slot


@dataclass
class WalkResult:
    """What the walk produced.

    :param data: the tree of AiiDA data nodes (unstored where they were converted) and plain values kept for storing
        as rows (:class:`~aiida_workgraph.orm.value_rows.PlainValue`), keyed like the input.
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
    :param plain_values: keep ``int``/``float``/``str``/``bool`` values that would become base-type nodes as
        :class:`~aiida_workgraph.orm.value_rows.PlainValue` (checked, not yet nodes), for the engine to store as rows.
    """

    def __init__(self, for_daemon: bool, plain_values: bool = False):
        self.for_daemon = for_daemon
        self.plain_values = plain_values
        self.problems: list[ValueProblem] = []
        self.visited: list[str] = []
        self.report: dict[str, str] = {}
        self.refuse_nul = storage_refuses_nul()
        self._open: set[int] = set()

    def walk(self, value: Any, slot: Slot, path: str, data: dict, plain: dict, key: str) -> None:
        """Visit ``value`` at ``path`` and put its converted form into ``data`` or ``plain`` under ``key``.

        ``None`` is passed through as ``NoneData`` (which a task receives as ``None``) where the value is data of our
        own rules (a ``ctx`` value, a task result, an input of a plain-function task or PythonJob); on a plain value
        or on a port of an AiiDA process it means "not given", as for aiida-core, and is left out.
        """
        if value is None and (slot.kind == PLAIN or slot.port):
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
        self.report[path] = class_name(node.node_class) if isinstance(node, PlainValue) else type_name(node)

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

    def _convert(self, value: Any, slot: Slot) -> orm.Data | PlainValue:
        """Convert one leaf: the port's own serializer when it has one, else our rules.

        Where aiida-core's default serializer ``to_aiida_type`` (which every process-function port gets) refuses a
        value, our rules convert it instead, if the port accepts the node they make (a dataclass in a calcfunction
        becomes ``DataclassData``, as in a plain task); any other serializer's refusal is final. With ``plain_values``,
        a value that would become an ``Int``, ``Float``, ``Str`` or ``Bool`` is kept as a :class:`PlainValue`.
        """
        if self.plain_values and slot.kind in (DATA, NAMESPACE):
            plain = to_plain_value(value, slot.serializer)
            if plain is not None:
                return plain
        if slot.serializer is not None and not isinstance(value, orm.Data):
            try:
                node = slot.serializer(value)
            except Exception as exception:  # noqa: BLE001 - a port serializer may raise anything
                diagnose(value, for_daemon=self.for_daemon)  # our rules give a specific reason when they have one
                refused = ConversionRefused(
                    f"the port's serializer refused it ({exception})",
                    "pass an AiiDA node or a value the port's serializer accepts",
                )
                if slot.serializer is not to_aiida_type:
                    raise refused from exception
                node = to_data(value, for_daemon=self.for_daemon)
                if slot.valid_type is not None and not isinstance(node, slot.valid_type):
                    raise refused from exception
                return node
            if isinstance(node, orm.Data):
                check_storable(value, node)
                return node
        # A non-dict value in a namespace (a ctx entry such as ``ctx.a = 5``) is a data leaf of that namespace.
        if slot.kind not in (DATA, NAMESPACE):
            raise ConversionRefused('unexpected schema', 'report this as a bug')
        return to_data(value, for_daemon=self.for_daemon)


__all__ = ['InputWalker', 'WalkResult']

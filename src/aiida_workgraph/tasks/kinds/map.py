"""The ``Map`` zone kinds: the zone (``MAP``), its item (``MAP_ITEM``) and its gathered results (``GATHER_ITEM``).

A ``Map`` zone runs the tasks inside it once per item of its ``source`` (a dict, or a namespace of values). The
structure keeps the tasks once, as templates; the engine (:mod:`aiida_workgraph.engine.instances`) makes one instance
of each per item, named as upstream names them (``<key>_<task>``). ``MAP_ITEM`` and ``GATHER_ITEM`` tasks are
*virtual*: they never run; the engine reads the item of an instance (``key``, ``value``) and the values gathered
from each instance directly.
"""

from __future__ import annotations

import re
from typing import Any

from aiida import orm

from ...serialization.convert import to_data
from ...serialization.errors import ConversionRefused
from .base import TaskView
from .zones import ZoneKind

MAP = 'MAP'
MAP_ITEM = 'MAP_ITEM'
GATHER_ITEM = 'GATHER_ITEM'
#: What an item key may hold: it becomes part of task instance names and of process call link labels.
ITEM_KEY = re.compile(r'^[A-Za-z0-9_]+$')


class MapKind(ZoneKind):
    """``Map(source)``: its tasks run once per item of ``source``; ``gather`` collects their results per key."""

    name = MAP

    def items(self, task: TaskView, inputs: dict[str, Any], *, for_daemon: bool) -> dict[str, orm.Data]:
        """The items of the map: ``{key: data node}``, in the order of the source.

        Plain values of a source read from a ``Dict`` node are converted by the same rules as any task result.

        :raises ValueError: if the source is not a mapping, or naming every item whose key cannot name a
            task instance or whose value cannot be converted (``<map>.item[<key>]``).
        """
        source = inputs.get('source', {})  # an empty dict leaves the namespace without values
        if isinstance(source, orm.Dict):
            source = source.get_dict()
        if not isinstance(source, dict):
            raise ValueError(
                f'the source of {task.name} must be a dict (or a namespace of values), got {type(source).__name__}'
            )
        items: dict[str, orm.Data] = {}
        problems = []
        for key, value in source.items():
            place = f'{task.name}.item[{key!r}]'
            if not isinstance(key, str) or not ITEM_KEY.match(key):
                problems.append(f'{place}: the key must be a string of letters, digits and underscores')
                continue
            try:
                items[key] = to_data(value, for_daemon=for_daemon)
            except ConversionRefused as refused:
                problems.append(f'{place}{refused.subpath}: {refused.reason}; fix: {refused.fix}')
        if problems:
            raise ValueError('; '.join(problems))
        return items


class MapItemKind(ZoneKind):
    """The item of a ``Map`` zone (``map_zone.key``, ``map_zone.value``), read by the engine for each instance."""

    name = MAP_ITEM
    virtual = True


class GatherItemKind(ZoneKind):
    """The values a ``Map`` zone gathers from each instance (``map_zone.gather({...})``), read by the engine."""

    name = GATHER_ITEM
    virtual = True

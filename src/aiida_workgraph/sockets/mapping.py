"""Which ``workgraph.*`` socket identifier a type hint gets, and which identifiers may be linked to which.

Both tables are registered as entry points (``aiida_workgraph.type_mapping`` and ``aiida_workgraph.type_promotion``),
so plugins can add their own; :mod:`aiida_workgraph.registry` merges them.
"""

from __future__ import annotations

from typing import Any

from aiida import orm

builtins_type_mapping: dict[Any, str] = {
    'any': 'workgraph.any',
    'default': 'workgraph.any',
    'namespace': 'workgraph.namespace',
    Any: 'workgraph.any',
    int: 'workgraph.int',
    float: 'workgraph.float',
    str: 'workgraph.string',
    bool: 'workgraph.bool',
    list: 'workgraph.list',
    dict: 'workgraph.dict',
    orm.Int: 'workgraph.int',
    orm.Float: 'workgraph.float',
    orm.Str: 'workgraph.string',
    orm.Bool: 'workgraph.bool',
    orm.List: 'workgraph.list',
    orm.Dict: 'workgraph.dict',
    orm.StructureData: 'workgraph.aiida_structuredata',
}
"""Type hint -> socket identifier; ``'default'`` is used for every type that is not listed."""

TYPE_PROMOTIONS: set[tuple[str, str]] = {
    ('workgraph.bool', 'workgraph.int'),
    ('workgraph.bool', 'workgraph.float'),
    ('workgraph.int', 'workgraph.float'),
}
"""(source, target) socket identifiers that may be linked although they differ."""

"""Merge entries into dict attributes of a stored node in the database, without reading or rewriting the rest.

``node.base.attributes.set(name, whole_dict)`` writes the whole dict: a task record that holds a thousand task
instances costs a thousand entries on every change. :func:`merge_attributes` sends only the changed entries, merged
by the database (``json_patch`` on SQLite, ``jsonb_set`` with ``||`` on PostgreSQL), in one statement.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from aiida import orm
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from .transaction import atomic

__all__ = ('merge_attributes',)


def merge_attributes(node: orm.Node, values: dict[str, dict[str, Any]]) -> None:
    """Merge ``{attribute: {key: value}}`` into the dict attributes of ``node`` (created where missing).

    Values are JSON values (a ``None`` value removes its key on SQLite, as a JSON merge patch does). On an unstored
    node the attributes are set in memory.

    :raises TypeError: if a value is not JSON-serializable.
    """
    if not node.is_stored:
        for name, entries in values.items():
            node.base.attributes.set(name, {**node.base.attributes.get(name, {}), **entries})
        return
    model = node.backend_entity.bare_model
    table = type(model).__table__
    storage = node.backend
    session = storage.get_session()
    column = table.c.attributes
    if session.bind.dialect.name == 'postgresql':
        merged: Any = column
        for name, entries in values.items():
            current = sa.func.coalesce(column[name], sa.literal({}, JSONB))
            update = current.op('||')(sa.literal(json.loads(json.dumps(entries)), JSONB))
            merged = sa.func.jsonb_set(merged, sa.cast([name], ARRAY(sa.Text)), update)
    else:
        merged = sa.func.json_patch(column, json.dumps(values))
    with atomic(storage):
        session.execute(table.update().where(table.c.id == node.pk).values(attributes=merged))
    session.expire(model, ['attributes'])

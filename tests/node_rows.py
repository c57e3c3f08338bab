"""Node rows read back from the database, for tests that compare stored nodes column by column."""

from __future__ import annotations

from typing import Any

from aiida import orm

#: The columns of a node row that ``store()`` writes, besides uuid, user, computer and times.
ROW_FIELDS = ('node_type', 'process_type', 'label', 'description', 'attributes', 'extras', 'repository_metadata')


def row(pk: int) -> dict[str, Any]:
    """The database row of node ``pk`` (the columns that store() writes), read with the QueryBuilder."""
    projections = [*ROW_FIELDS, 'uuid', 'user_id', 'dbcomputer_id', 'ctime', 'mtime']
    values = orm.QueryBuilder().append(orm.Node, filters={'id': pk}, project=projections).one()
    return dict(zip(projections, values))


def node_count() -> int:
    """The number of nodes in the database."""
    return orm.QueryBuilder().append(orm.Node).count()

"""Plain ``int``/``float``/``str``/``bool`` values written as node rows, without making node objects first.

A graph of a thousand tasks with plain values has thousands of input nodes. Making an ``orm.Int`` object for each and
storing it costs many times the row it becomes (SQLAlchemy's instrumentation of the object, a flush per node, the
object kept in the session afterwards). The engine's input walk keeps such values as :class:`PlainValue`, and
:func:`store_plain_values` writes them with one ``INSERT``: each row holds what ``store()`` writes for that node (node
type, uuid, times, user, ``value`` attribute, empty repository metadata and the ``_aiida_hash`` extra used for
caching), so that loading it gives the node ``store()`` would have made.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from aiida import orm
from aiida.common import timezone
from aiida.common.hashing import make_hash
from aiida.common.utils import get_new_uuid
from aiida.orm.entities import EntityTypes
from sqlalchemy import insert, select

from .bulk_store import add_to_autogroup
from .transaction import atomic

__all__ = ('PLAIN_VALUE_CLASSES', 'PlainValue', 'insert_rows', 'store_plain_values')

#: The Python types kept as :class:`PlainValue` (exactly these, no subclasses), and the node class each becomes.
PLAIN_VALUE_CLASSES: dict[type, type[orm.Data]] = {int: orm.Int, float: orm.Float, str: orm.Str, bool: orm.Bool}

#: How many uuids one query looks up (SQLite's default limit is 999 parameters per statement).
_UUIDS_PER_QUERY = 500


@dataclass(frozen=True)
class PlainValue:
    """A Python ``int``, ``float``, ``str`` or ``bool`` that becomes a node of the matching AiiDA base type.

    :param value: the value, of exactly one of the types of :data:`PLAIN_VALUE_CLASSES`.
    :raises TypeError: if ``value`` is of another type (a subclass of one of them included).
    """

    value: Any

    def __post_init__(self) -> None:
        if type(self.value) not in PLAIN_VALUE_CLASSES:
            names = ', '.join(cls.__name__ for cls in PLAIN_VALUE_CLASSES)
            raise TypeError(f'PlainValue takes a value of exactly one of the types {names}, not {type(self.value)!r}')

    @property
    def node_class(self) -> type[orm.Data]:
        """The AiiDA class of the node the value becomes (``orm.Int`` for an ``int``, ...)."""
        return PLAIN_VALUE_CLASSES[type(self.value)]

    def to_node(self) -> orm.Data:
        """The unstored node of the value, for where a node object is needed (provenance not stored)."""
        return self.node_class(self.value)


def store_plain_values(storage: Any, values: Sequence[PlainValue]) -> list[int]:
    """Write one node row per value, all with one ``INSERT``, and return their pks in the order of ``values``.

    Inside an enclosing transaction of ``storage`` the rows are committed or rolled back with it; otherwise they are
    written in a transaction of their own, all or none. When an auto-group is active (``verdi run --auto-group``) the
    new nodes are added to it, as ``store()`` adds them.

    :param storage: the profile's storage backend.
    :param values: the values.
    :raises sqlalchemy.exc.SQLAlchemyError: if the rows cannot be written; none is.
    """
    if not values:
        return []
    now = timezone.now()
    user_id = storage.default_user.pk
    hashes: dict[tuple[type, str], str] = {}  # by repr: 0.0 and -0.0 are equal but hash differently
    rows = []
    for plain in values:
        node_class = PLAIN_VALUE_CLASSES[type(plain.value)]
        key = (node_class, repr(plain.value))
        if key not in hashes:
            hashes[key] = make_hash({**_hashed_objects(node_class), 'attributes': {'value': plain.value}})
        rows.append(
            {
                'uuid': get_new_uuid(),
                'node_type': _node_type(node_class),
                'process_type': None,
                'label': '',
                'description': '',
                'ctime': now,
                'mtime': now,
                'user_id': user_id,
                'dbcomputer_id': None,
                'attributes': {'value': plain.value},
                'extras': {_HASH_EXTRA_KEY: hashes[key]},
                'repository_metadata': {},
            }
        )
    with nullcontext() if storage.in_transaction else atomic(storage):
        insert_rows(storage, EntityTypes.NODE, rows)
        pks = _pks_by_uuid(storage, [row['uuid'] for row in rows])
    if storage.autogroup.is_enabled:
        add_to_autogroup(
            storage, orm.QueryBuilder(backend=storage).append(orm.Data, filters={'id': {'in': pks}}).all(flat=True)
        )
    return pks


def insert_rows(storage: Any, entity_type: EntityTypes, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into the table of ``entity_type`` with one executemany ``INSERT``, in the caller's transaction.

    Unlike the storage's ``bulk_insert``, nothing is returned, so no ORM object is built for each inserted row.

    :raises sqlalchemy.exc.IntegrityError: if a row breaks a constraint of the table (the caller's transaction is then
        rolled back by it).
    """
    if rows:
        storage.get_session().execute(insert(_table(storage, entity_type)), rows)


def _pks_by_uuid(storage: Any, uuids: list[str]) -> list[int]:
    """The pks of the node rows with ``uuids``, in their order."""
    table = _table(storage, EntityTypes.NODE)
    session = storage.get_session()
    found: dict[str, int] = {}
    for start in range(0, len(uuids), _UUIDS_PER_QUERY):
        chunk = uuids[start : start + _UUIDS_PER_QUERY]
        rows = session.execute(select(table.c.uuid, table.c.id).where(table.c.uuid.in_(chunk))).all()
        found.update((str(uuid), pk) for uuid, pk in rows)  # a UUID object on PostgreSQL, a string on SQLite
    return [found[uuid] for uuid in uuids]


def _table(storage: Any, entity_type: EntityTypes) -> Any:
    """The SQLAlchemy table of ``entity_type`` in ``storage`` (the same model aiida-core's ``bulk_insert`` uses)."""
    mapper, _ = storage._get_mapper_from_entity(entity_type, False)
    return mapper.local_table


@functools.cache
def _node_type(node_class: type[orm.Data]) -> str:
    """The ``node_type`` column of a node of ``node_class`` (``data.core.int.Int.``), computed once per class."""
    return node_class.class_node_type


@functools.cache
def _hashed_objects(node_class: type[orm.Data]) -> dict[str, Any]:
    """What aiida-core hashes for a new node of ``node_class`` besides its attributes (``get_objects_to_hash``): the
    class, the hash of its (empty) repository and its computer (none)."""
    from aiida.repository import Repository

    return {'class': str(node_class), 'repository_hash': Repository().hash(), 'computer_uuid': None}


_HASH_EXTRA_KEY = orm.nodes.caching.NodeCaching._HASH_EXTRA_KEY

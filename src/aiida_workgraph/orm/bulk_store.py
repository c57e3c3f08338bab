"""Store a batch of unstored basic data nodes with one ``bulk_insert`` of the storage backend, as ``store()`` would.

``node.store()`` of ``n`` nodes costs ``n`` round trips through the ORM (an insert and a flush, then the caching hash
written as an extra with an update): about 1.3 ms per ``Int`` on SQLite. :func:`bulk_store` writes the same rows in
one ``INSERT`` statement and then attaches the Python objects to the session as stored, so that they behave exactly
like nodes that went through ``store()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiida import orm
from aiida.common import timezone
from aiida.orm.entities import EntityTypes
from sqlalchemy.orm import make_transient_to_detached

__all__ = ('BULK_STORABLE_TYPES', 'add_to_autogroup', 'bulk_store')

#: The node classes :func:`bulk_store` accepts: exactly these, no subclasses (a subclass may store more than rows).
BULK_STORABLE_TYPES: tuple[type[orm.Data], ...] = (orm.Int, orm.Float, orm.Str, orm.Bool, orm.Dict, orm.List)

# The columns of a node row that bulk_store writes (the primary key is given by the database).
_COLUMNS = (
    'uuid',
    'node_type',
    'process_type',
    'label',
    'description',
    'ctime',
    'mtime',
    'user_id',
    'dbcomputer_id',
    'attributes',
    'extras',
    'repository_metadata',
)


def bulk_store(nodes: Sequence[orm.Data]) -> list[orm.Data]:
    """Store unstored ``Int``/``Float``/``Str``/``Bool``/``Dict``/``List`` nodes with one ``bulk_insert``.

    Each node gets what ``node.store()`` would write: its node type, ``process_type`` ``None``, uuid, creation and
    modification time, user, computer, label, description, cleaned attributes, repository metadata and the
    ``_aiida_hash`` extra used for caching; the node is checked (``_validate``) as ``store()`` checks it, and added to
    the auto-group when one is active. Afterwards every node ``is_stored`` and has its ``pk``. The batch is written in
    one statement: all of it is stored, or, if the insert fails, none of it. Inside an enclosing transaction of the
    storage, the rows are committed or rolled back with it (after a rollback the Python objects still have their
    pk, as after ``store()``: discard them).

    :param nodes: the nodes, all unstored, each object once, each of exactly one of :data:`BULK_STORABLE_TYPES`.
    :return: ``nodes``, stored, in the same order.
    :raises TypeError: if a node is not of exactly one of :data:`BULK_STORABLE_TYPES`; nothing is stored.
    :raises ValueError: if a node is already stored, appears twice, or has incoming links waiting to be stored;
        nothing is stored.
    """
    nodes = list(nodes)
    _check_batch(nodes)
    if not nodes:
        return nodes
    storage = nodes[0].backend
    for node in nodes:
        node._validate_storability()
        node._validate()
        node.backend_entity.clean_values()
    now = timezone.now()
    rows = []
    session = storage.get_session()
    repository_backend = storage.get_repository()
    # No autoflush: the transient rows must not be flushed (nor cascaded into the session) while they are read here.
    with session.no_autoflush:
        for node in nodes:
            _store_repository(node, repository_backend)
            model = node.backend_entity.model._model
            model.ctime = model.mtime = now
            # The foreign keys: a flush takes them from the relationships, an insert of rows needs them as values.
            model.user_id = model.user.id
            model.dbcomputer_id = model.dbcomputer.id if model.dbcomputer is not None else None
            hash_key = node.base.caching._HASH_EXTRA_KEY
            model.extras = {**(model.extras or {}), hash_key: node.base.caching._compute_hash()}
            rows.append({column: getattr(model, column) for column in _COLUMNS})
    pks = storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
    for node, pk in zip(nodes, pks, strict=True):
        model = node.backend_entity.model._model
        model.id = pk
        make_transient_to_detached(model)  # the row exists: attach the object as loaded, with no second insert
        session.add(model)
    add_to_autogroup(storage, nodes)
    return nodes


def _store_repository(node: orm.Data, repository_backend: Any) -> None:
    """Do what ``store()`` does first: move the node's repository to the profile's, and record its metadata.

    A node whose repository holds no object (the usual case for these types) gets an empty repository on the profile's
    backend directly (``store()`` would clone its empty sandbox into it, looking the backend up once per node); one
    with objects is cloned by aiida-core's own code.
    """
    from aiida.repository import Repository

    repository = node.base.repository
    instance = repository._repository_instance
    if instance is None or not instance.list_object_names():
        repository._repository = Repository(backend=repository_backend)
        node.backend_entity.repository_metadata = repository.serialize()
    else:
        repository._store()


def _check_batch(nodes: list[Any]) -> None:
    """Refuse a batch that ``bulk_store`` cannot store as ``store()`` would, before anything is written.

    :raises TypeError: for a node of another type; :raises ValueError: for a stored, repeated or linked node.
    """
    seen: set[int] = set()
    for index, node in enumerate(nodes):
        if type(node) not in BULK_STORABLE_TYPES:
            names = ', '.join(cls.__name__ for cls in BULK_STORABLE_TYPES)
            raise TypeError(
                f'bulk_store: item {index} is a {type(node).__module__}.{type(node).__qualname__}; only unstored '
                f'nodes of exactly these types can be stored in bulk: {names}. Store it with .store() instead.'
            )
        if node.is_stored:
            raise ValueError(f'bulk_store: item {index}, {node!r}, is already stored; nothing was stored.')
        if id(node) in seen:
            raise ValueError(f'bulk_store: item {index}, {node!r}, appears twice in the batch; nothing was stored.')
        seen.add(id(node))
        if node.base.links.incoming_cache:
            raise ValueError(
                f'bulk_store: item {index}, {node!r}, has incoming links waiting to be stored, which bulk_store does '
                'not write; store it with .store(); nothing was stored.'
            )


def add_to_autogroup(storage: Any, nodes: list[orm.Data]) -> None:
    """Add the nodes to the active auto-group (``verdi run --auto-group``), those its include/exclude lists select, as
    ``store()`` does."""
    grouped = [node for node in nodes if storage.autogroup.is_to_be_grouped(node)]
    if grouped:
        storage.autogroup.get_or_create_group().add_nodes(grouped)

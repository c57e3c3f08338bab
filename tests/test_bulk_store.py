"""``aiida_workgraph.orm.bulk_store.bulk_store``: a batch of basic data nodes in one insert, node for node as store().

Every test compares a node stored with ``bulk_store`` against the same value stored with ``node.store()``, read back
from the database (fresh ``load_node`` and a QueryBuilder projection of the row), not from the Python objects.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from aiida import orm
from aiida.engine import calcfunction
from node_rows import ROW_FIELDS, node_count, row

from aiida_workgraph.orm.bulk_store import BULK_STORABLE_TYPES, bulk_store


def make_values() -> list[orm.Data]:
    """One unstored node of each supported type, with nested and non-trivial values."""
    return [
        orm.Int(7),
        orm.Float(2.5),
        orm.Str('hello'),
        orm.Bool(True),
        orm.Dict({'a': {'b': [1, 2.5, 'c']}, 'empty': {}, 'none': None}),
        orm.List([1, 'x', [2, 3], {'k': False}]),
    ]


def test_nodes_are_stored_as_store_would(aiida_profile_clean: Any) -> None:
    """Rows, hashes, users, times, pks and Python objects of bulk-stored nodes match those of store()."""
    reference = [node.store() for node in make_values()]
    before = datetime.datetime.now(datetime.timezone.utc)
    nodes = make_values()
    returned = bulk_store(nodes)

    assert returned == nodes
    for ours, theirs in zip(nodes, reference):
        assert ours.is_stored
        assert isinstance(ours.pk, int) and ours.pk not in {node.pk for node in reference}
        ours_row, theirs_row = row(ours.pk), row(theirs.pk)
        for field in ROW_FIELDS:
            assert ours_row[field] == theirs_row[field], field
        assert ours_row['process_type'] is None
        assert ours_row['extras']['_aiida_hash'] == theirs.base.caching.get_hash()
        assert ours_row['user_id'] == theirs_row['user_id'] == orm.User.collection.get_default().pk
        assert ours_row['dbcomputer_id'] is None
        assert ours_row['uuid'] == ours.uuid != theirs.uuid
        assert ours_row['ctime'] == ours_row['mtime'] >= before
        loaded = orm.load_node(ours.pk)
        assert type(loaded) is type(theirs)
        assert loaded.uuid == ours.uuid
        assert loaded.base.attributes.all == theirs.base.attributes.all
        assert loaded.base.caching.get_hash() == loaded.base.caching.compute_hash()
        assert ours.base.caching.get_hash() == theirs.base.caching.get_hash()
        assert ours.ctime == loaded.ctime and ours.user.pk == loaded.user.pk
    assert [node.value for node in nodes[:4]] == [7, 2.5, 'hello', True]
    assert nodes[4].get_dict() == reference[4].get_dict()
    assert nodes[5].get_list() == reference[5].get_list()


def test_bulk_stored_nodes_behave_as_stored_nodes(aiida_profile_clean: Any) -> None:
    """A bulk-stored node takes extras, is found by caching's hash and can be the input of a process."""

    @calcfunction
    def add(x, y):
        return x + y

    x, y = bulk_store([orm.Int(3), orm.Int(4)])
    x.base.extras.set('tag', 'bulk')
    assert orm.load_node(x.pk).base.extras.get('tag') == 'bulk'
    with pytest.raises(Exception, match='immutable'):
        x.base.attributes.set('value', 5)
    result = add(x, y)
    assert result.value == 7
    assert {link.node.pk for link in result.creator.base.links.get_incoming().all()} == {x.pk, y.pk}
    same = orm.QueryBuilder().append(orm.Int, filters={'extras._aiida_hash': x.base.caching.get_hash()}).all(flat=True)
    assert x.pk in {node.pk for node in same}


def test_repository_content_is_stored(aiida_profile_clean: Any) -> None:
    """A node with files in its repository gets them in the profile's repository, with the metadata store() writes."""

    def with_file() -> orm.Str:
        node = orm.Str('with a file')
        node.base.repository.put_object_from_bytes(b'content', 'folder/file.txt')
        return node

    reference = with_file().store()
    (node,) = bulk_store([with_file()])
    assert row(node.pk)['repository_metadata'] == row(reference.pk)['repository_metadata'] != {}
    assert orm.load_node(node.pk).base.repository.get_object_content('folder/file.txt', mode='rb') == b'content'
    assert node.base.caching.get_hash() == reference.base.caching.get_hash()


def test_many_nodes_in_one_call(aiida_profile_clean: Any) -> None:
    """A batch of 500 nodes is stored with consecutive pks, in order."""
    nodes = bulk_store([orm.Int(i) for i in range(500)])
    assert [orm.load_node(node.pk).value for node in nodes] == list(range(500))
    assert node_count() == 500
    assert bulk_store([]) == []


@pytest.mark.parametrize(
    ('make', 'error', 'message'),
    [
        (lambda: orm.ArrayData(), TypeError, r'item 1 is a aiida\.orm\.nodes\.data\.array\.array\.ArrayData; only'),
        (lambda: orm.Int(1).store(), ValueError, r'item 1, .*, is already stored; nothing was stored'),
    ],
)
def test_refused_batch_stores_nothing(aiida_profile_clean: Any, make: Any, error: type, message: str) -> None:
    """A batch with an unsupported or stored node raises with its index and stores none of the others."""
    bad = make()
    before = node_count()
    first = orm.Int(0)
    with pytest.raises(error, match=message):
        bulk_store([first, bad, orm.Str('after')])
    assert node_count() == before
    assert not first.is_stored


def test_enclosing_transaction_rolls_back_the_rows(aiida_profile_clean: Any) -> None:
    """Inside a storage transaction that fails, the bulk-stored rows are rolled back with the rest, as store()'s."""
    from aiida.manage import get_manager

    storage = get_manager().get_profile_storage()
    session = storage.get_session()
    if session.in_transaction():
        session.commit()
    with pytest.raises(RuntimeError, match='the enclosing work failed'):
        with storage.transaction():
            orm.Int(1).store()
            nodes = bulk_store([orm.Int(2), orm.Str('three')])
            assert orm.QueryBuilder().append(orm.Node, filters={'id': nodes[0].pk}).count() == 1
            raise RuntimeError('the enclosing work failed')
    assert node_count() == 0


def test_repeated_node_is_refused(aiida_profile_clean: Any) -> None:
    """The same object twice in a batch is refused before anything is written."""
    node = orm.Int(1)
    with pytest.raises(ValueError, match=r'item 1, .*, appears twice in the batch; nothing was stored'):
        bulk_store([node, node])
    assert node_count() == 0
    assert not node.is_stored


def test_supported_types_are_the_basic_ones() -> None:
    """Exactly the six basic data types are accepted (no subclass: they may store more than a row)."""
    assert {cls.__name__ for cls in BULK_STORABLE_TYPES} == {'Int', 'Float', 'Str', 'Bool', 'Dict', 'List'}

"""Plain values stored as node rows (``aiida_workgraph.orm.value_rows``), and ``wg.save()``/``run()`` that use them.

Every node written from a plain value is compared with the same value stored by ``node.store()``, read back from the
database (a QueryBuilder projection of the row and a fresh ``load_node``), not from Python objects.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from aiida.manage import get_manager
from aiida.orm.nodes.data.base import to_aiida_type
from node_rows import ROW_FIELDS, node_count, row
from tasks_for_tests import add

from aiida_workgraph import WorkGraph
from aiida_workgraph.engine.engine_inputs import prepare_engine_inputs, take_plain_values
from aiida_workgraph.orm.transaction import atomic
from aiida_workgraph.orm.value_rows import PlainValue, store_plain_values

VALUES = [7, 2**62, -3, 2.5, -0.0, 1e-300, 'hello', 'ünïcødé ✓', '', True, False]


def storage() -> Any:
    """The profile's storage backend."""
    return get_manager().get_profile_storage()


def test_rows_are_the_nodes_store_writes(aiida_profile_clean: Any) -> None:
    """Each row has the node type, attributes, hash, user, times and repository of ``to_aiida_type(v).store()``."""
    reference = [to_aiida_type(value).store() for value in VALUES]
    before = datetime.datetime.now(datetime.timezone.utc)
    pks = store_plain_values(storage(), [PlainValue(value) for value in VALUES])

    assert len(set(pks)) == len(VALUES)
    assert not set(pks) & {node.pk for node in reference}
    for pk, theirs, value in zip(pks, reference, VALUES):
        ours_row, theirs_row = row(pk), row(theirs.pk)
        for field in ROW_FIELDS:
            assert ours_row[field] == theirs_row[field], (value, field)
        assert ours_row['user_id'] == orm.User.collection.get_default().pk
        assert ours_row['dbcomputer_id'] is None
        assert ours_row['ctime'] == ours_row['mtime'] >= before
        loaded = orm.load_node(pk)
        assert type(loaded) is type(theirs)
        assert loaded.value == value and type(loaded.value) is type(value)
        assert loaded.uuid == ours_row['uuid'] != theirs.uuid
        assert loaded.base.caching.get_hash() == loaded.base.caching.compute_hash() == theirs.base.caching.get_hash()
    assert str(orm.load_node(pks[VALUES.index(-0.0)]).value) == '-0.0'


def test_equal_values_are_separate_nodes_in_order(aiida_profile_clean: Any) -> None:
    """Repeated values each get their own node; the pks come back in the order of the values."""
    values = [1, 1, 1.0, True, '1', 1]
    pks = store_plain_values(storage(), [PlainValue(value) for value in values])
    assert len(set(pks)) == len(values)
    loaded = [orm.load_node(pk) for pk in pks]
    assert [type(node).__name__ for node in loaded] == ['Int', 'Int', 'Float', 'Bool', 'Str', 'Int']
    assert [node.value for node in loaded] == values


def test_rows_roll_back_with_the_enclosing_transaction(aiida_profile_clean: Any) -> None:
    """Written inside a transaction that fails, no row is left."""
    count = node_count()
    with pytest.raises(RuntimeError, match='after the rows'):
        with atomic(storage()):
            assert len(store_plain_values(storage(), [PlainValue(value) for value in VALUES])) == len(VALUES)
            raise RuntimeError('after the rows')
    assert node_count() == count


def test_nodes_join_the_active_autogroup(aiida_profile_clean: Any) -> None:
    """With auto-grouping on (``verdi run --auto-group``), the new nodes are in the auto-group, as after store()."""
    autogroup = storage().autogroup
    autogroup.enable()
    try:
        pks = store_plain_values(storage(), [PlainValue(5), PlainValue('x')])
        group = autogroup.get_or_create_group()
    finally:
        autogroup.disable()
    assert sorted(node.pk for node in group.nodes) == sorted(pks)


@pytest.mark.parametrize('value', [[1], 1j, None, type('MyInt', (int,), {})(3)])
def test_other_values_are_refused(value: Any) -> None:
    """Only ``int``, ``float``, ``str`` and ``bool`` themselves are plain values."""
    with pytest.raises(TypeError, match='PlainValue takes a value of exactly one of the types int, float, str, bool'):
        PlainValue(value)


def test_without_provenance_every_plain_value_is_a_node() -> None:
    """With ``store_provenance`` off nothing is taken out: every plain value is an unstored node in the inputs."""
    wg = WorkGraph('no_provenance')
    wg.add_task(add, name='first', x=1, y=2.5)
    prepared, _ = prepare_engine_inputs(wg.prepare_inputs('run', {'store_provenance': False}))
    kept, taken = take_plain_values(prepared, ('graph_inputs', 'tasks'))
    assert taken == {}
    first = kept['tasks']['first']
    assert isinstance(first['x'], orm.Int) and first['x'].value == 1 and not first['x'].is_stored
    assert isinstance(first['y'], orm.Float) and first['y'].value == 2.5

    prepared, _ = prepare_engine_inputs(wg.prepare_inputs('run'))
    kept, taken = take_plain_values(prepared, ('graph_inputs', 'tasks'))
    assert taken == {('tasks', 'first', 'x'): PlainValue(1), ('tasks', 'first', 'y'): PlainValue(2.5)}
    assert 'first' not in kept['tasks']


def test_saved_graph_links_its_plain_values(aiida_profile_clean: Any) -> None:
    """``wg.save()`` links one node per plain value, with the input's label; loading and running the graph use them."""
    wg = WorkGraph('plain_values')
    wg.add_task(add, name='ints', x=1, y=2)
    wg.add_task(add, name='floats', x=0.5, y=0.25)
    wg.add_task(add, name='texts', x='a', y='b')
    count = node_count()
    node = wg.save()

    links = node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).all()
    by_label = {link.link_label: link.node for link in links}
    expected = {
        'tasks__ints__x': (orm.Int, 1),
        'tasks__ints__y': (orm.Int, 2),
        'tasks__floats__x': (orm.Float, 0.5),
        'tasks__floats__y': (orm.Float, 0.25),
        'tasks__texts__x': (orm.Str, 'a'),
        'tasks__texts__y': (orm.Str, 'b'),
    }
    for label, (node_class, value) in expected.items():
        assert type(by_label[label]) is node_class and by_label[label].value == value
        assert by_label[label].base.caching.get_hash() == by_label[label].base.caching.compute_hash()
    assert node_count() == count + 1 + len(expected)

    loaded = WorkGraph.load(node.pk)
    assert loaded.tasks['floats'].inputs.x.value == 0.5
    assert loaded.tasks['texts'].inputs.y.value == 'b'

    ran = WorkGraph('plain_values_run')
    ran.add_task(add, name='ints', x=1, y=2)
    ran.add_task(add, name='texts', x='a', y='b')
    ran.run()
    assert ran.process.is_finished_ok
    assert ran.tasks['ints'].outputs.result.value == 3
    assert ran.tasks['texts'].outputs.result.value == 'ab'

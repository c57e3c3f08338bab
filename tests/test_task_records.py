"""The task records of a WorkGraph node are merged in the database: only changed entries are written.

On PostgreSQL the merge (``jsonb_set`` with ``||``) runs in every graph of ``serialization/test_storage_strings.py``
and ``production/test_postgres_rabbitmq.py``, which read the task states back.
"""

from __future__ import annotations

import pytest
from aiida import orm

from aiida_workgraph.enums import TASK_PROCESS, TASK_STATE
from aiida_workgraph.orm.attribute_merge import merge_attributes
from aiida_workgraph.orm.workgraph_node import WorkGraphNode


def stored_workgraph_node() -> WorkGraphNode:
    """A stored, unsealed WorkGraph process node with one task record."""
    node = WorkGraphNode()
    node.base.attributes.set(TASK_STATE, {'first': 'FINISHED'})
    return node.store()


def test_changes_are_merged_into_the_records() -> None:
    """New entries are added, changed ones replaced, the others kept; a record that did not exist is created."""
    node = stored_workgraph_node()
    node.update_task_records({(TASK_STATE, 'second'): 'RUNNING', (TASK_PROCESS, 'second'): 12})
    node.update_task_records({(TASK_STATE, 'second'): 'FINISHED', (TASK_STATE, 'k0_add'): 'PLANNED'})

    assert node.task_record(TASK_STATE) == {'first': 'FINISHED', 'second': 'FINISHED', 'k0_add': 'PLANNED'}
    assert node.task_record(TASK_PROCESS) == {'second': 12}
    reloaded = orm.load_node(node.pk)
    assert reloaded.task_record(TASK_STATE) == node.task_record(TASK_STATE)
    assert reloaded.base.attributes.get(TASK_PROCESS) == {'second': 12}


def test_nested_values_and_other_attributes_are_kept() -> None:
    """A nested value (the result pks of a task) is written whole; attributes outside the records are untouched."""
    node = stored_workgraph_node()
    node.base.attributes.set('process_label', 'WorkGraph<records>')
    merge_attributes(node, {'task_results': {'add': {'result': 5, 'extra': {'a': 6}}}})
    merge_attributes(node, {'task_results': {'add1': {'result': 7}}})

    reloaded = orm.load_node(node.pk)
    assert reloaded.base.attributes.get('task_results') == {
        'add': {'result': 5, 'extra': {'a': 6}},
        'add1': {'result': 7},
    }
    assert reloaded.base.attributes.get('process_label') == 'WorkGraph<records>'
    assert reloaded.task_record(TASK_STATE) == {'first': 'FINISHED'}


def test_an_unstored_node_is_updated_in_memory() -> None:
    """Before the node is stored, the records are plain attributes."""
    node = WorkGraphNode()
    merge_attributes(node, {TASK_STATE: {'a': 'PLANNED'}})
    merge_attributes(node, {TASK_STATE: {'b': 'RUNNING'}})
    assert node.base.attributes.get(TASK_STATE) == {'a': 'PLANNED', 'b': 'RUNNING'}


def test_a_value_that_is_not_json_is_refused_and_nothing_changes() -> None:
    """A value JSON cannot hold raises ``TypeError`` before anything is written."""
    node = stored_workgraph_node()
    with pytest.raises(TypeError):
        merge_attributes(node, {TASK_STATE: {'bad': object()}})
    assert orm.load_node(node.pk).task_record(TASK_STATE) == {'first': 'FINISHED'}

"""``WorkGraph.save()`` and ``WorkGraph.load()``: the process node holds everything needed to rebuild the graph."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from tasks_for_tests import add, check_positive, cube, multiply

from aiida_workgraph import WorkGraph, spec
from aiida_workgraph.orm.workgraph_node import WorkGraphNode

BUILTINS = ('graph_inputs', 'graph_outputs', 'graph_ctx')


def user_task_names(wg: WorkGraph) -> list[str]:
    """Return the names of the tasks the user added (no graph-level tasks)."""
    return [name for name in wg.get_task_names() if name not in BUILTINS]


def link_set(wg: WorkGraph) -> set[tuple[str, str, str, str]]:
    """Return the links of a graph as ``(from_task, from_socket, to_task, to_socket)`` tuples."""
    return {
        (link['from_task'], link['from_socket'], link['to_task'], link['to_socket']) for link in wg.to_dict()['links']
    }


def node_value(value: Any) -> Any:
    """Return the plain value of a socket value that may be an AiiDA base-type node."""
    return value.value if isinstance(value, orm.Data) and hasattr(value, 'value') else value


def build_graph() -> WorkGraph:
    """A graph with graph inputs, ctx, a plain-function chain, a calcfunction and graph outputs."""
    wg = WorkGraph('save_load', inputs=spec.namespace(offset=int))
    wg.ctx = {'factor': 3}
    add1 = wg.add_task(add, name='add1', x=1, y=2)
    mul1 = wg.add_task(multiply, name='mul1', x=add1.outputs.result, y=wg.ctx.factor)
    cube1 = wg.add_task(cube, name='cube1', x=orm.Int(2))
    shift = wg.add_task(add, name='shift', x=mul1.outputs.result, y=wg.inputs.offset)
    cube1 >> shift
    wg.outputs.product = mul1.outputs.result
    wg.outputs.shifted = shift.outputs.result
    wg.outputs.cubed = cube1.outputs.result
    wg.inputs.offset = 100
    return wg


def test_save_creates_a_process_node_without_running() -> None:
    """``save()`` stores the process node with its inputs and structure; no task runs."""
    wg = build_graph()
    node = wg.save()

    assert isinstance(node, WorkGraphNode)
    assert node.is_stored
    assert wg.pk == node.pk
    assert node.process_state.value == 'created'
    assert not node.is_terminated
    assert node.called == []
    assert node.get_structure()['name'] == 'save_load'
    labels = set(node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).all_link_labels())
    assert {
        'tasks__add1__x',
        'tasks__add1__y',
        'tasks__cube1__x',
        'graph_inputs__offset',
        'workgraph_data__ctx__factor',
    } <= labels
    assert node.base.attributes.get('checkpoints', None) is not None


@pytest.mark.parametrize('identifier', ['pk', 'uuid', 'node'])
def test_load_saved_graph_rebuilds_tasks_links_and_values(identifier: str) -> None:
    """``WorkGraph.load(pk | uuid | node)`` rebuilds the tasks, links and input values of a saved graph."""
    wg = build_graph()
    node = wg.save()

    loaded = WorkGraph.load({'pk': node.pk, 'uuid': node.uuid, 'node': node}[identifier])

    assert isinstance(loaded, WorkGraph)
    assert loaded.name == 'save_load'
    assert loaded.pk == node.pk
    assert user_task_names(loaded) == user_task_names(wg) == ['add1', 'mul1', 'cube1', 'shift']
    assert link_set(loaded) == link_set(wg)
    assert ('cube1', '_wait', 'shift', '_wait') in link_set(loaded)
    assert node_value(loaded.tasks['add1'].inputs.x.value) == 1
    assert node_value(loaded.tasks['add1'].inputs.y.value) == 2
    assert node_value(loaded.tasks['cube1'].inputs.x.value) == 2
    assert node_value(loaded.inputs.offset.value) == 100
    assert node_value(loaded.ctx.factor.value) == 3
    # Loaded values are the stored input nodes of the process.
    incoming = node.base.links.get_incoming(link_type=LinkType.INPUT_WORK)
    assert loaded.tasks['add1'].inputs.x.value.pk == incoming.get_node_by_label('tasks__add1__x').pk
    assert all(loaded.tasks[name].state == 'PLANNED' for name in user_task_names(loaded))
    assert loaded.tasks['add1'].spec.task_type == wg.tasks['add1'].spec.task_type == 'PYFUNCTION'
    assert loaded.tasks['cube1'].spec.task_type == 'CALCFUNCTION'


def test_load_after_run_restores_states_and_outputs() -> None:
    """After a run, ``load()`` restores task states, task processes and output values (``socket.value``)."""
    wg = build_graph()
    outputs = wg.run()
    assert wg.process.is_finished_ok
    assert {key: node.value for key, node in outputs.items()} == {'product': 9, 'shifted': 109, 'cubed': 8}

    loaded = WorkGraph.load(wg.pk)

    assert loaded.state == 'FINISHED'
    assert {name: loaded.tasks[name].state for name in user_task_names(loaded)} == dict.fromkeys(
        ['add1', 'mul1', 'cube1', 'shift'], 'FINISHED'
    )
    for name in ('add1', 'mul1', 'shift', 'cube1'):
        assert loaded.tasks[name].outputs.result.value.pk == wg.tasks[name].outputs.result.value.pk
    assert loaded.tasks['mul1'].outputs.result.value.value == 9
    assert loaded.tasks['shift'].outputs.result.value.value == 109
    assert loaded.tasks['cube1'].process.pk == wg.tasks['cube1'].process.pk
    assert loaded.tasks['cube1'].process.exit_status == 0
    # A plain function's run is recorded as an aiida-pythonjob PyFunction process, loaded like any other.
    assert loaded.tasks['add1'].process.pk == wg.tasks['add1'].process.pk
    assert loaded.tasks['add1'].process.process_type == 'aiida_pythonjob.calculations.pyfunction.PyFunction'
    assert loaded.tasks['add1'].outputs.result.value.creator.pk == loaded.tasks['add1'].process.pk
    assert loaded.outputs.shifted.value.pk == outputs['shifted'].pk
    assert loaded.outputs.cubed.value.value == 8


def test_load_after_failure_restores_failed_and_skipped_states() -> None:
    """``load()`` of a graph whose task failed restores FAILED, SKIPPED and FINISHED states and the error log."""
    wg = WorkGraph('load_failed')
    bad = wg.add_task(check_positive, name='bad', x=-1)
    wg.add_task(add, name='after', x=bad.outputs.result, y=1)
    wg.add_task(add, name='independent', x=1, y=1)
    wg.run()

    loaded = WorkGraph.load(wg.pk)

    assert loaded.process.exit_status == 302
    assert loaded.tasks['bad'].state == 'FAILED'
    assert loaded.tasks['after'].state == 'SKIPPED'
    assert loaded.tasks['independent'].state == 'FINISHED'
    assert 'check_positive refused the value -1' in loaded.tasks['bad'].log


def test_running_a_graph_that_has_a_process_raises() -> None:
    """A graph that already has a process (run, saved or loaded) cannot be run or saved again (a saved one is told to
    submit)."""
    wg = WorkGraph('twice')
    wg.add_task(add, name='add1', x=1, y=2)
    wg.run()
    first_pk = wg.pk
    with pytest.raises(ValueError, match='already has a process'):
        wg.run()
    with pytest.raises(ValueError, match='already has a process'):
        wg.save()
    assert wg.pk == first_pk

    saved = WorkGraph('saved')
    saved.add_task(add, name='add1', x=1, y=2)
    saved.save()
    with pytest.raises(ValueError, match=rf'^Process {saved.pk} has already been created\. Please use the submit\(\)'):
        saved.run()

    loaded = WorkGraph.load(first_pk)
    with pytest.raises(ValueError, match='already has a process'):
        loaded.run()
    with pytest.raises(ValueError, match='already has a process'):
        loaded.submit()
    # Nothing new was created by the refused attempts.
    count = orm.QueryBuilder().append(WorkGraphNode, filters={'id': {'>': saved.pk}}).count()
    assert count == 0


def test_load_refuses_a_node_that_is_not_a_workgraph() -> None:
    """Loading a node that is not a WorkGraph process raises ``ValueError``."""
    node = orm.Int(5).store()
    with pytest.raises(ValueError, match='not a WorkGraph process'):
        WorkGraph.load(node.pk)

"""Sub-graphs: a ``WorkGraph`` added to (or called in) another graph runs as a child WorkGraph process."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from control_flow.flow_tasks import add, fail, make_subgraph

from aiida_workgraph import WorkGraph
from aiida_workgraph.serialization import WorkGraphSerializationError


def called_work(node: orm.ProcessNode) -> dict[str, orm.ProcessNode]:
    """The workflows ``node`` called, by CALL link label."""
    return {link.link_label: link.node for link in node.base.links.get_outgoing(link_type=LinkType.CALL_WORK).all()}


def node_count() -> int:
    """The number of nodes in the profile."""
    return orm.QueryBuilder().append(orm.Node).count()


def test_add_task_of_a_workgraph_runs_it_as_a_child() -> None:
    """Its graph inputs and outputs are the task's sockets; the values set inside are inputs of the parent."""
    wg = WorkGraph('subgraph_parent')
    sub_task = wg.add_task(make_subgraph(), name='sub1', x=1, y=2)
    after = wg.add_task(add, name='after', x=sub_task.outputs.sum, y=1)
    wg.outputs.total = after.outputs.result

    assert {'x', 'y'} <= set(sub_task.inputs._get_keys())
    assert 'sum' in sub_task.outputs._get_keys()
    outputs = wg.run()

    assert outputs['total'].value == 1 + 2 + 10 + 1
    child = called_work(wg.process)['sub1']
    assert child.process_label == 'WorkGraph<sub>'
    assert child.is_finished_ok
    assert sub_task.state == 'FINISHED'
    assert sub_task.outputs.sum.value.value == 13
    inputs = wg.process.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested()
    assert inputs['tasks']['sub1']['subgraph_tasks']['add2']['y'].value == 10
    child_inputs = child.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested()
    assert child_inputs['tasks']['add2']['y'].pk == inputs['tasks']['sub1']['subgraph_tasks']['add2']['y'].pk
    assert child_inputs['graph_inputs']['x'].pk == inputs['tasks']['sub1']['x'].pk


def test_calling_a_workgraph_inside_a_graph() -> None:
    """``sub({'x': ..., 'y': ...})`` in a graph context adds the sub-graph task and returns its outputs."""
    sub = make_subgraph('called_sub', offset=100)
    with WorkGraph('subgraph_called') as wg:
        outputs = sub({'x': 1, 'y': 2})
        wg.outputs.total = add(x=outputs.sum, y=1).result
    result = wg.run()

    assert result['total'].value == 104
    assert called_work(wg.process)['called_sub'].process_label == 'WorkGraph<called_sub>'


def test_calling_a_workgraph_without_a_current_graph_raises() -> None:
    """Outside a graph context there is nothing to add the sub-graph to."""
    with pytest.raises(RuntimeError, match='no graph is current'):
        make_subgraph()({'x': 1, 'y': 2})


def test_subgraph_ctx_and_values_are_walked_with_the_parent() -> None:
    """A ``ctx`` value of the sub-graph is converted with the parent and read inside the child."""
    sub = WorkGraph('ctx_sub', inputs=['x'], outputs=['sum'])
    sub.ctx = {'offset': 7}
    inner = sub.add_task(add, name='inner', x=sub.inputs.x, y=sub.ctx.offset)
    sub.outputs.sum = inner.outputs.result
    wg = WorkGraph('subgraph_ctx')
    wg.add_task(sub, name='sub1', x=5)
    report = wg.validate()
    assert report.values['tasks.sub1.subgraph_ctx.offset'].endswith('Int')

    wg.run()
    assert wg.tasks['sub1'].outputs.sum.value.value == 12


def test_value_inside_a_subgraph_that_cannot_be_kept_is_refused_with_its_path() -> None:
    """A bad value set inside the sub-graph is refused when the parent is created, naming its path; nothing stored."""
    wg = WorkGraph('subgraph_bad_value')
    wg.add_task(make_subgraph(offset={1, 2}), name='sub1', x=1, y=2)
    before = node_count()

    with pytest.raises(WorkGraphSerializationError, match=r'tasks\.sub1\.subgraph_tasks\.add2\.y'):
        wg.run()
    assert [problem.path for problem in wg.validate().problems] == ['tasks.sub1.subgraph_tasks.add2.y']
    assert node_count() == before


def test_failure_inside_a_subgraph_fails_its_task() -> None:
    """A task failing inside the sub-graph: the child ends with 302 and so does the parent."""
    sub = WorkGraph('failing_sub', inputs=['x'], outputs=['result'])
    sub.outputs.result = sub.add_task(fail, name='boom', x=sub.inputs.x).outputs.result
    wg = WorkGraph('subgraph_failure')
    wg.add_task(sub, name='sub1', x=1)
    wg.run()

    child = called_work(wg.process)['sub1']
    assert child.exit_status == 302
    assert wg.process.exit_status == 302
    assert wg.tasks['sub1'].state == 'FAILED'
    assert 'finished with exit status 302' in wg.tasks['sub1'].log


def test_load_keeps_the_subgraph_values() -> None:
    """``WorkGraph.load`` rebuilds the sub-graph task with the values set inside it and its state."""
    wg = WorkGraph('subgraph_load')
    wg.add_task(make_subgraph(), name='sub1', x=1, y=2)
    wg.run()

    loaded = WorkGraph.load(wg.pk)
    task = loaded.tasks['sub1']
    assert task.state == 'FINISHED'
    assert task.subgraph_values['subgraph_tasks']['add2']['y'].value == 10
    assert task.inputs.x.value.value == 1
    assert task.outputs.sum.value.value == 13


def test_reserved_graph_input_names_are_refused() -> None:
    """A sub-graph whose graph inputs use the reserved names cannot become a task."""
    sub = WorkGraph('reserved', inputs=['subgraph_tasks'])
    with pytest.raises(ValueError, match='reserved'):
        WorkGraph('parent').add_task(sub)


def test_extend_copies_tasks_with_a_prefix() -> None:
    """``extend`` copies the tasks, their values and the links between them; a name clash is refused."""
    wg = WorkGraph('extended')
    first = wg.add_task(add, name='first', x=1, y=1)
    wg.extend(make_subgraph(), prefix='p_')

    assert {'first', 'p_add1', 'p_add2'} <= set(wg.tasks._get_keys())
    assert [(link.from_task.name, link.to_task.name) for link in wg.links] == [('p_add1', 'p_add2')]
    wg.add_link(first.outputs.result, wg.tasks['p_add1'].inputs.x)
    wg.tasks['p_add1'].set_inputs({'y': 5})
    wg.outputs.total = wg.tasks['p_add2'].outputs.result
    assert wg.run()['total'].value == 2 + 5 + 10

    clash = WorkGraph('clash')
    clash.extend(make_subgraph(), prefix='p_')
    with pytest.raises(ValueError, match="has a task named 'p_add1' already"):
        clash.extend(make_subgraph(), prefix='p_')


@pytest.mark.daemon
def test_submit_a_graph_with_a_subgraph(started_daemon_client: Any) -> None:
    """Through the daemon: the worker launches the sub-graph as a child and the parent reads its outputs."""
    wg = WorkGraph('subgraph_daemon')
    sub_task = wg.add_task(make_subgraph(), name='sub1', x=3, y=4)
    wg.outputs.total = sub_task.outputs.sum
    node = wg.submit(wait=True, timeout=180, interval=0.5)

    assert node.is_finished_ok, node.exit_message
    assert wg.outputs.total.value.value == 17
    assert called_work(node)['sub1'].get_structure()['launch'] == 'submit'

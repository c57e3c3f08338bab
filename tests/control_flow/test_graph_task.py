"""``@task.graph``: graph tasks run as child WorkGraph processes, against the session's real profile."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from control_flow.flow_tasks import (
    add,
    add_twice,
    bad_constant,
    countdown,
    nested_outputs,
    outer,
    raises_while_building,
    returns_raw_value,
    sum_and_diff,
    whole_namespace,
    with_failure,
)

from aiida_workgraph import WorkGraph, task
from aiida_workgraph.serialization import WorkGraphSerializationError


def called_work(node: orm.ProcessNode) -> dict[str, orm.ProcessNode]:
    """The workflows ``node`` called, by CALL link label."""
    return {link.link_label: link.node for link in node.base.links.get_outgoing(link_type=LinkType.CALL_WORK).all()}


def returned(node: orm.ProcessNode) -> dict[str, Any]:
    """The values of the outputs ``node`` returned, nested by name."""
    outputs = node.base.links.get_outgoing(link_type=LinkType.RETURN).nested()
    return _values(outputs)


def _values(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {key: _values(value) for key, value in tree.items()}
    return tree.value


def workgraph_count(label: str) -> int:
    """The number of WorkGraph process nodes with this process label."""
    query = orm.QueryBuilder().append(orm.WorkflowNode, filters={'attributes.process_label': label})
    return query.count()


def test_graph_task_runs_as_child_workgraph() -> None:
    """A graph task in a graph: a child ``WorkGraph<add_twice>`` linked by a CALL link named after the task."""
    with WorkGraph('graph_task_child') as wg:
        wg.outputs.total = add(x=add_twice(x=1, y=2).result, y=3).result
    outputs = wg.run()

    assert outputs['total'].value == 1 + 2 + 2 + 3
    assert wg.process.is_finished_ok
    assert wg.tasks['add_twice'].state == 'FINISHED'
    child = called_work(wg.process)['add_twice']
    assert child.process_label == 'WorkGraph<add_twice>'
    assert child.is_finished_ok
    assert wg.tasks['add_twice'].process.pk == child.pk
    assert returned(child) == {'result': 5}
    inner = {link.link_label for link in child.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()}
    assert inner == {'add', 'add1'}
    assert wg.tasks['add_twice'].outputs.result.value.value == 5


def test_graph_task_inputs_are_the_nodes_of_the_parent() -> None:
    """The child's graph inputs are the parent's nodes: a result of a parent task goes in as the same node."""
    with WorkGraph('graph_task_inputs') as wg:
        first = add(x=1, y=1).result
        wg.outputs.total = add_twice(x=first, y=orm.Int(3)).result
    wg.run()

    first_node = wg.tasks['add'].outputs.result.value
    child = called_work(wg.process)['add_twice']
    inputs = child.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested()
    assert inputs['graph_inputs']['x'].pk == first_node.pk
    assert inputs['graph_inputs']['y'].value == 3
    assert wg.outputs.total.value.value == 2 + 3 + 3


def test_graph_task_several_outputs() -> None:
    """A returned dict is spread over the declared outputs."""
    wg = WorkGraph('graph_task_two_outputs')
    graph_task = wg.add_task(sum_and_diff, name='sd', x=7, y=2)
    wg.run()

    assert graph_task.state == 'FINISHED'
    assert graph_task.outputs.sum.value.value == 9
    assert graph_task.outputs.diff.value.value == 5
    assert returned(called_work(wg.process)['sd']) == {'sum': 9, 'diff': 5}


def test_graph_task_returns_a_namespace_of_outputs() -> None:
    """Returning a task's outputs namespace, and a nested dict of sockets, fill the namespaces of outputs."""
    wg = WorkGraph('graph_task_namespaces')
    whole = wg.add_task(whole_namespace, name='whole', x=5, y=1)
    nested = wg.add_task(nested_outputs, name='nested', x=1, y=2)
    wg.outputs.parts = nested.outputs.parts
    outputs = wg.run()

    assert returned(called_work(wg.process)['whole']) == {'sum': 6, 'diff': 4}
    assert whole.outputs.sum.value.value == 6
    assert returned(called_work(wg.process)['nested']) == {'total': 5, 'parts': {'first': 2, 'second': 3}}
    assert nested.outputs.parts.first.value.value == 2
    assert {key: value.value for key, value in outputs['parts'].items()} == {'first': 2, 'second': 3}


def test_build_returns_the_workgraph_of_the_function() -> None:
    """``handle.build(**inputs)`` makes the graph without running it; its inputs are the values given."""
    graph = add_twice.build(x=1, y=2)

    assert isinstance(graph, WorkGraph)
    assert graph.name == 'add_twice'
    assert {name for name in graph.tasks._get_keys()} >= {'add', 'add1'}
    assert graph.inputs.x.value == 1
    assert graph.process is None
    assert graph.run()['result'].value == 5


def test_handle_run_and_bare_and_called_forms() -> None:
    """``handle.run(**inputs)`` returns the outputs; ``@task.graph`` and ``@task.graph()`` make the same kind."""

    @task.graph()
    def called_form(x: Any) -> Any:
        return add(x=x, y=1).result

    assert called_form._spec.task_type == add_twice._spec.task_type == 'GRAPH'
    assert add_twice.run(x=2, y=3)['result'].value == 8
    assert called_form.run(x=4)['result'].value == 5


def test_nested_graph_tasks() -> None:
    """A graph task that calls a graph task: three levels of WorkGraph processes."""
    wg = WorkGraph('graph_task_nested')
    wg.add_task(outer, name='outer', x=1)
    wg.run()

    child = called_work(wg.process)['outer']
    grandchild = called_work(child)['add_twice']
    assert child.process_label == 'WorkGraph<outer>'
    assert grandchild.process_label == 'WorkGraph<add_twice>'
    assert returned(grandchild) == {'result': 3}
    assert wg.tasks['outer'].outputs.result.value.value == 13


def test_recursive_graph_task_within_max_depth() -> None:
    """A recursion of three levels with ``max_depth=3`` finishes."""
    wg = WorkGraph('graph_task_recursion')
    wg.add_task(countdown, name='countdown', n=2)
    wg.run()

    assert wg.process.is_finished_ok
    assert wg.tasks['countdown'].outputs.result.value.value == 100
    depth, node = 0, wg.process
    while 'countdown' in called_work(node):
        node = called_work(node)['countdown']
        depth += 1
    assert depth == 3


def test_recursion_beyond_max_depth_fails_the_task_and_the_graph() -> None:
    """The graph task that would run at depth 4 with ``max_depth=3`` fails without a process; every level fails."""
    before = workgraph_count('WorkGraph<countdown>')
    wg = WorkGraph('graph_task_too_deep')
    wg.add_task(countdown, name='countdown', n=5)
    wg.run()

    assert wg.process.exit_status == 302
    assert wg.tasks['countdown'].state == 'FAILED'
    chain = []
    node = wg.process
    while 'countdown' in called_work(node):
        node = called_work(node)['countdown']
        chain.append(node)
    assert len(chain) == 3
    assert workgraph_count('WorkGraph<countdown>') - before == 3
    assert [child.exit_status for child in chain] == [302, 302, 302]
    deepest = WorkGraph.load(chain[-1].pk)
    assert deepest.tasks['countdown'].state == 'FAILED'
    assert 'nesting depth 4, deeper than its max_depth=3' in deepest.tasks['countdown'].log
    assert deepest.tasks['countdown'].process is None


def test_failure_inside_the_child_fails_the_task() -> None:
    """A task failing in the child graph: the child ends with 302, the graph task fails and skips its dependents."""
    with WorkGraph('graph_task_child_fails') as wg:
        add(x=with_failure(x=1).result, y=1)
    wg.run()

    child = called_work(wg.process)['with_failure']
    assert child.exit_status == 302
    assert wg.process.exit_status == 302
    assert wg.tasks['with_failure'].state == 'FAILED'
    assert f'WorkGraph<with_failure><{child.pk}> finished with exit status 302' in wg.tasks['with_failure'].log
    assert wg.tasks['add'].state == 'SKIPPED'


def test_function_that_raises_fails_the_task_without_a_child() -> None:
    """An error while the function builds the graph fails the task with its message; no child process is made."""
    before = workgraph_count('WorkGraph<raises_while_building>')
    wg = WorkGraph('graph_task_raises')
    wg.add_task(raises_while_building, name='builder', x=4)
    wg.run()

    assert wg.process.exit_status == 302
    assert wg.tasks['builder'].state == 'FAILED'
    assert 'RuntimeError: cannot build a graph for 4' in wg.tasks['builder'].log
    assert called_work(wg.process) == {}
    assert workgraph_count('WorkGraph<raises_while_building>') == before


def test_raw_return_value_fails_the_task_with_a_clear_message() -> None:
    """Returning a plain value instead of a socket fails the task and says how to fix it."""
    wg = WorkGraph('graph_task_raw_value')
    wg.add_task(returns_raw_value, name='raw', x=1)
    wg.run()

    assert wg.tasks['raw'].state == 'FAILED'
    assert 'Invalid graph return payload' in wg.tasks['raw'].log
    assert called_work(wg.process) == {}


def test_graph_task_input_that_cannot_be_kept_is_refused_with_its_path() -> None:
    """A graph task's input values go through the same walk: the error names ``tasks.<task>.<input>``."""
    wg = WorkGraph('graph_task_bad_input')
    wg.add_task(add_twice, name='g1', x={1, 2}, y=1)
    nodes_before = orm.QueryBuilder().append(orm.Node).count()

    with pytest.raises(WorkGraphSerializationError, match=r'tasks\.g1\.x'):
        wg.run()
    report = wg.validate()
    assert [problem.path for problem in report.problems] == ['tasks.g1.x']
    assert orm.QueryBuilder().append(orm.Node).count() == nodes_before


def test_value_set_inside_the_built_graph_that_cannot_be_kept_fails_the_task() -> None:
    """A value the function sets inside its graph is walked when the child is created: the task fails naming it."""
    before = workgraph_count('WorkGraph<bad_constant>')
    wg = WorkGraph('graph_task_bad_constant')
    wg.add_task(bad_constant, name='g1', x=1)
    wg.run()

    assert wg.process.exit_status == 302
    log = wg.tasks['g1'].log
    assert 'could not launch: WorkGraphSerializationError' in log
    assert 'WorkGraph<bad_constant>' in log
    assert 'tasks.add.y' in log
    assert workgraph_count('WorkGraph<bad_constant>') == before


def test_max_number_jobs_limits_the_built_graph_and_max_depth_is_checked() -> None:
    """``max_number_jobs`` is the limit of the graph the task builds; it and ``max_depth`` must be > 0."""

    @task.graph(max_number_jobs=2)
    def limited(x: Any) -> Any:
        return add(x=x, y=1).result

    assert limited.build(x=1).max_number_jobs == 2
    with pytest.raises(ValueError, match='max_number_jobs must be a positive integer'):

        @task.graph(max_number_jobs=0)
        def unlimited(x: Any) -> Any:
            return add(x=x, y=1).result

    with pytest.raises(ValueError, match='max_depth must be a positive integer'):

        @task.graph(max_depth=0)
        def no_depth(x: Any) -> Any:
            return add(x=x, y=1).result

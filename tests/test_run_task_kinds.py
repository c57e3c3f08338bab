"""Every kind of task, link and graph-level socket, run in this interpreter with ``wg.run()``."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.links import LinkType
from tasks_for_tests import DoubleWorkChain, EchoWorkChain, add, add_multiply_wf, cube, multiply

from aiida_workgraph import WorkGraph, get_current_graph, spec, task
from aiida_workgraph.orm.workgraph_node import WorkGraphNode


def input_link_labels(node: orm.ProcessNode) -> set[str]:
    """Return the labels of the ``INPUT_WORK`` links of a WorkGraph process node."""
    return set(node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).all_link_labels())


def call_links(node: orm.ProcessNode) -> dict[str, orm.ProcessNode]:
    """Return ``{link label: child process}`` for the ``CALL`` links of a process node."""
    triples = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return {triple.link_label: triple.node for triple in triples}


def assert_graph_finished_ok(wg: WorkGraph, tasks: list[str]) -> None:
    """Assert that the WorkGraph process finished with exit status 0 and that ``tasks`` are all FINISHED."""
    assert isinstance(wg.process, WorkGraphNode)
    assert wg.process.is_finished_ok, (wg.process.exit_status, wg.process.exit_message)
    assert wg.process.exit_status == 0
    assert wg.state == 'FINISHED'
    for name in tasks:
        assert wg.tasks[name].state == 'FINISHED', (name, wg.tasks[name].state, wg.tasks[name].log)


def test_plain_function_tasks_bare_and_called_decorator() -> None:
    """``@task`` and ``@task()`` functions run in the engine's process; a socket assignment links them."""
    wg = WorkGraph('plain_functions')
    add1 = wg.add_task(add, name='add1', x=1, y=2)
    mul1 = wg.add_task(multiply, name='mul1', x=add1.outputs.result, y=4)
    wg.outputs.product = mul1.outputs.result

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['add1', 'mul1'])
    assert outputs['product'].value == 12
    assert add1.outputs.result.value.value == 3
    assert mul1.outputs.result.value.value == 12
    assert add1.outputs.result.value.is_stored
    # The values set on task inputs are input links of the WorkGraph node; the linked input `mul1.x` is not.
    labels = input_link_labels(wg.process)
    assert {'tasks__add1__x', 'tasks__add1__y', 'tasks__mul1__y'} <= labels
    assert 'tasks__mul1__x' not in labels
    incoming = wg.process.base.links.get_incoming(link_type=LinkType.INPUT_WORK)
    assert incoming.get_node_by_label('tasks__add1__x').value == 1
    assert incoming.get_node_by_label('tasks__mul1__y').value == 4
    # Plain functions are recorded as aiida-pythonjob PyFunction processes, called by the graph under the task name.
    children = call_links(wg.process)
    assert set(children) == {'add1', 'mul1'}
    for name, child in children.items():
        assert isinstance(child, orm.CalcFunctionNode)
        assert child.process_type == 'aiida_pythonjob.calculations.pyfunction.PyFunction'
        assert child.exit_status == 0
        assert wg.tasks[name].process.pk == child.pk
    assert children['add1'].process_label == 'add'
    assert children['mul1'].process_label == 'multiply'
    # Provenance across tasks: `mul1` got the very node `add1` created as its input `x`.
    mul1_inputs = children['mul1'].base.links.get_incoming(link_type=LinkType.INPUT_CALC)
    assert mul1_inputs.get_node_by_label('function_inputs__x').pk == add1.outputs.result.value.pk
    assert add1.outputs.result.value.creator.pk == children['add1'].pk
    # The graph output is returned: the node `mul1` created.
    returned = wg.process.base.links.get_outgoing(link_type=LinkType.RETURN).get_node_by_label('product')
    assert returned.pk == outputs['product'].pk
    assert returned.creator.pk == children['mul1'].pk


def test_calcfunction_task_in_context_manager() -> None:
    """A ``task.calcfunction`` handle called inside ``with WorkGraph()`` runs as a child with the task name as label."""
    with WorkGraph('calcfunction') as wg:
        assert get_current_graph() is wg
        total = add(x=1, y=2).result
        cubed = cube(x=total)
        wg.outputs.cubed = cubed.result
    assert get_current_graph() is not wg
    assert [name for name in wg.get_task_names() if name not in ('graph_inputs', 'graph_outputs', 'graph_ctx')] == [
        'add',
        'cube',
    ]

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['add', 'cube'])
    assert outputs['cubed'].value == 27
    children = call_links(wg.process)
    assert set(children) == {'add', 'cube'}
    assert children['add'].process_type == 'aiida_pythonjob.calculations.pyfunction.PyFunction'
    assert children['add'].pk == wg.tasks['add'].process.pk
    child = children['cube']
    assert child.pk == wg.tasks['cube'].process.pk
    assert child.process_label == 'cube'
    assert child.exit_status == 0
    assert child.base.links.get_incoming(link_type=LinkType.INPUT_CALC).get_node_by_label('x').value == 3
    # The graph output is the very node the calcfunction created.
    assert outputs['cubed'].creator.pk == child.pk
    assert wg.tasks['cube'].outputs.result.value.pk == outputs['cubed'].pk


def test_workfunction_task() -> None:
    """A ``task.workfunction`` task runs as a child workfunction that calls its own calcfunctions."""
    wg = WorkGraph('workfunction')
    wf = wg.add_task(add_multiply_wf, name='wf', x=orm.Int(2), y=3, z=4)
    wg.outputs.result = wf.outputs.result

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['wf'])
    assert outputs['result'].value == 20
    child = call_links(wg.process)['wf']
    assert isinstance(child, orm.WorkFunctionNode)
    assert child.exit_status == 0
    assert len(child.called) == 2
    assert {'tasks__wf__x', 'tasks__wf__y', 'tasks__wf__z'} <= input_link_labels(wg.process)


def test_calcjob_class_with_add_task(bash_code: orm.InstalledCode) -> None:
    """``add_task(ArithmeticAddCalculation, ...)`` runs a real CalcJob on localhost; plain ints become ``Int``."""
    wg = WorkGraph('calcjob_add_task')
    calc = wg.add_task(ArithmeticAddCalculation, name='calc', x=3, y=orm.Int(4), code=bash_code)
    wg.outputs.sum = calc.outputs.sum

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['calc'])
    assert outputs['sum'].value == 7
    child = call_links(wg.process)['calc']
    assert isinstance(child, orm.CalcJobNode)
    assert child.exit_status == 0
    assert child.process_class is ArithmeticAddCalculation
    assert wg.tasks['calc'].process.pk == child.pk
    assert child.outputs.sum.pk == outputs['sum'].pk
    assert child.outputs.retrieved.base.repository.get_object_content('aiida.out').strip() == '7'
    assert {'tasks__calc__x', 'tasks__calc__y', 'tasks__calc__code'} <= input_link_labels(wg.process)
    assert child.inputs.code.pk == bash_code.pk


def test_calcjob_class_with_task_handle(bash_code: orm.InstalledCode) -> None:
    """``task(ArithmeticAddCalculation)`` is a handle: calling it in a graph adds a CalcJob task; outputs link on."""
    add_job = task(ArithmeticAddCalculation)
    with WorkGraph('calcjob_handle') as wg:
        first = add_job(x=orm.Int(1), y=orm.Int(2), code=bash_code)
        second = add_job(x=first.sum, y=orm.Int(10), code=bash_code)
        wg.outputs.sum = second.sum

    names = [name for name in wg.get_task_names() if name not in ('graph_inputs', 'graph_outputs', 'graph_ctx')]
    assert len(names) == 2
    outputs = wg.run()

    assert_graph_finished_ok(wg, names)
    assert outputs['sum'].value == 13
    children = call_links(wg.process)
    assert set(children) == set(names)
    first_node, second_node = (children[name] for name in names)
    assert first_node.exit_status == 0 and second_node.exit_status == 0
    # The second job got the first job's output node as its input: provenance is kept across tasks.
    assert second_node.inputs.x.pk == first_node.outputs.sum.pk


def test_workchain_class_task() -> None:
    """A WorkChain class is a task; it runs as a ``CALL_WORK`` child with the task name as link label."""
    wg = WorkGraph('workchain')
    double = wg.add_task(DoubleWorkChain, name='double', x=orm.Int(21))
    again = wg.add_task(task(DoubleWorkChain), name='again', x=double.outputs.result)
    wg.outputs.result = again.outputs.result

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['double', 'again'])
    assert outputs['result'].value == 84
    children = call_links(wg.process)
    assert set(children) == {'double', 'again'}
    assert all(isinstance(node, orm.WorkChainNode) and node.exit_status == 0 for node in children.values())
    assert children['again'].inputs.x.pk == children['double'].outputs.result.pk
    link_types = {triple.link_label: triple.link_type for triple in wg.process.base.links.get_outgoing().all()}
    assert link_types['double'] == LinkType.CALL_WORK
    assert link_types['result'] == LinkType.RETURN


def test_entry_point_string_tasks() -> None:
    """``add_task('workgraph.test_add')`` and ``'workgraph.test_sum_diff'`` load the built-in tasks by name."""
    wg = WorkGraph('entry_points')
    first = wg.add_task('workgraph.test_add', name='first', x=2, y=3)
    both = wg.add_task('workgraph.test_sum_diff', name='both', x=first.outputs.result, y=1)
    wg.outputs.sum = both.outputs.sum
    wg.outputs.diff = both.outputs.diff

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['first', 'both'])
    assert outputs['sum'].value == 6
    assert outputs['diff'].value == 4
    assert wg.tasks['both'].outputs.sum.value.value == 6
    children = call_links(wg.process)
    assert set(children) == {'first', 'both'}
    # Plain tasks, as upstream's: PyFunction processes whose inputs are linked as ``function_inputs__<name>``.
    assert isinstance(children['first'], orm.CalcFunctionNode)
    assert children['first'].process_type == 'aiida_pythonjob.calculations.pyfunction.PyFunction'
    assert children['both'].inputs.function_inputs.x.pk == children['first'].outputs.result.pk


def test_unknown_entry_point_string_raises() -> None:
    """An identifier that is no task entry point is refused when the task is added."""
    wg = WorkGraph('unknown_entry_point')
    with pytest.raises(ValueError, match='workgraph.no_such_task'):
        wg.add_task('workgraph.no_such_task', name='nope')
    assert 'nope' not in wg.get_task_names()


def test_add_link_and_wait_ordering() -> None:
    """``add_link`` links sockets; ``a >> b`` makes ``b`` wait for ``a`` although no value flows between them."""
    wg = WorkGraph('links')
    # `late` is added first: without the wait link it would be the first task launched.
    late = wg.add_task(cube, name='late', x=orm.Int(2))
    early = wg.add_task(cube, name='early', x=orm.Int(3))
    consumer = wg.add_task(add, name='consumer', y=1)
    wg.add_link(early.outputs.result, consumer.inputs.x)
    early >> late
    wg.outputs.late = late.outputs.result
    wg.outputs.consumer = consumer.outputs.result

    links = {
        (link['from_task'], link['from_socket'], link['to_task'], link['to_socket']) for link in wg.to_dict()['links']
    }
    assert ('early', 'result', 'consumer', 'x') in links
    assert ('early', '_wait', 'late', '_wait') in links

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['late', 'early', 'consumer'])
    assert outputs['late'].value == 8
    assert outputs['consumer'].value == 28
    assert wg.tasks['early'].process.ctime < wg.tasks['late'].process.ctime
    assert wg.tasks['early'].process.pk < wg.tasks['late'].process.pk


def test_graph_inputs_from_spec_and_run_inputs() -> None:
    """``WorkGraph(inputs=spec.namespace(...))`` declares graph inputs; ``run(inputs=...)`` sets their values."""
    wg = WorkGraph('graph_inputs', inputs=spec.namespace(x=int, y=int))
    total = wg.add_task(add, name='total', x=wg.inputs.x, y=wg.inputs.y)
    wg.outputs.sum = total.outputs.result

    outputs = wg.run(inputs={'x': 5, 'y': 6})

    assert_graph_finished_ok(wg, ['total'])
    assert outputs['sum'].value == 11
    labels = input_link_labels(wg.process)
    assert {'graph_inputs__x', 'graph_inputs__y'} <= labels
    assert not any(label.startswith('tasks__total') for label in labels)
    incoming = wg.process.base.links.get_incoming(link_type=LinkType.INPUT_WORK)
    assert incoming.get_node_by_label('graph_inputs__x').value == 5


def test_graph_inputs_set_by_attribute() -> None:
    """On a graph without an inputs spec, ``wg.inputs.x = value`` adds a graph input."""
    wg = WorkGraph('graph_inputs_attribute')
    wg.inputs.x = 3
    total = wg.add_task(add, name='total', x=wg.inputs.x, y=4)
    wg.outputs.sum = total.outputs.result

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['total'])
    assert outputs['sum'].value == 7
    assert {'graph_inputs__x', 'tasks__total__y'} <= input_link_labels(wg.process)


def test_graph_outputs_are_returned_and_linked() -> None:
    """``wg.outputs.name = task.outputs.result`` exposes outputs: returned by ``run()`` and ``RETURN`` links."""
    wg = WorkGraph('graph_outputs')
    first = wg.add_task(add, name='first', x=1, y=1)
    second = wg.add_task(cube, name='second', x=first.outputs.result)
    wg.outputs.sum = first.outputs.result
    wg.outputs.cube = second.outputs.result

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['first', 'second'])
    assert set(outputs) == {'sum', 'cube'}
    assert outputs['sum'].value == 2
    assert outputs['cube'].value == 8
    returned = {
        triple.link_label: triple.node.pk
        for triple in wg.process.base.links.get_outgoing(link_type=LinkType.RETURN).all()
    }
    assert returned == {'sum': outputs['sum'].pk, 'cube': outputs['cube'].pk}
    assert wg.outputs.cube.value.pk == outputs['cube'].pk


def test_ctx_initial_values_and_task_results() -> None:
    """``wg.ctx = {...}`` sets initial ctx values; ``wg.ctx.v = socket`` stores a result a later task reads."""
    wg = WorkGraph('ctx')
    wg.ctx = {'a': 5, 'params': {'offset': 100}}
    first = wg.add_task(add, name='first', x=wg.ctx.a, y=1)
    wg.ctx.v = first.outputs.result
    second = wg.add_task(add, name='second', x=wg.ctx.v, y=wg.ctx.params.offset)
    wg.outputs.out = second.outputs.result

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['first', 'second'])
    assert outputs['out'].value == 106
    labels = input_link_labels(wg.process)
    assert {'workgraph_data__ctx__a', 'workgraph_data__ctx__params__offset'} <= labels
    # `second` reads `ctx.v`, which only `first` writes: it must have waited for `first`.
    assert wg.tasks['first'].outputs.result.value.pk < wg.tasks['second'].outputs.result.value.pk


def result_values(outputs: dict[str, Any]) -> dict[str, Any]:
    """Return the plain values of a dict of AiiDA base-type nodes."""
    return {key: node.value for key, node in outputs.items()}


def test_mixed_graph_of_every_kind(bash_code: orm.InstalledCode) -> None:
    """One graph chaining a function, a calcfunction, a workfunction, a WorkChain and a CalcJob."""
    with WorkGraph('mixed') as wg:
        total = add(x=1, y=2).result
        cubed = cube(x=total).result
        wf = add_multiply_wf(x=cubed, y=orm.Int(3), z=orm.Int(2)).result
        doubled = task(DoubleWorkChain)(x=wf).result
        summed = wg.add_task(ArithmeticAddCalculation, name='job', x=doubled, y=orm.Int(1), code=bash_code)
        wg.outputs.total = total
        wg.outputs.final = summed.outputs.sum

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['add', 'cube', 'add_multiply_wf', 'DoubleWorkChain', 'job'])
    assert result_values(outputs) == {'total': 3, 'final': 121}
    children = call_links(wg.process)
    assert set(children) == {'add', 'cube', 'add_multiply_wf', 'DoubleWorkChain', 'job'}
    assert children['add'].process_type == 'aiida_pythonjob.calculations.pyfunction.PyFunction'
    assert children['cube'].inputs.x.pk == children['add'].outputs.result.pk


@pytest.fixture
def global_runner() -> Any:
    """aiida's global runner, replaced by a fresh one if earlier code closed the event loop it shares."""
    from aiida.manage import get_manager

    manager = get_manager()
    runner = manager.get_runner()
    if runner.loop.is_closed():
        manager.set_runner(manager.create_runner())
        runner = manager.get_runner()
    assert not runner.loop.is_closed()
    return runner


def test_run_leaves_the_global_runner_usable(global_runner: Any) -> None:
    """Consecutive ``wg.run()`` calls work, and aiida's global runner and its event loop still work afterwards."""
    from aiida.manage import get_manager

    for name in ('first_run', 'second_run'):
        wg = WorkGraph(name)
        wg.add_task(add, name='add1', x=1, y=2)
        wg.run()
        assert wg.process.exit_status == 0
        assert wg.tasks['add1'].outputs.result.value.value == 3

    assert get_manager().get_runner() is global_runner
    assert not global_runner.loop.is_closed()
    outputs, node = global_runner.run_get_node(DoubleWorkChain, x=orm.Int(4))
    assert node.exit_status == 0
    assert outputs['result'].value == 8


def test_declared_sockets_of_a_process_class_are_added_to_its_ports(bash_code: orm.InstalledCode) -> None:
    """``task(inputs=..., outputs=...)`` on a process class: a declared port keeps the port's spec, a declared name
    that is not a port becomes an extra optional socket; the CalcJob runs as without them."""
    handle = task(inputs=['x', 'note'], outputs=['sum', 'extra'])(ArithmeticAddCalculation)
    wg = WorkGraph('calcjob_declared_sockets')
    calc = wg.add_task(handle, name='calc', x=3, y=orm.Int(4), code=bash_code)
    wg.outputs.sum = calc.outputs.sum
    port_names = set(ArithmeticAddCalculation.spec().inputs)
    assert port_names | {'note'} <= set(calc.inputs._get_keys())
    assert {'sum', 'retrieved', 'extra'} <= set(calc.outputs._get_keys())
    assert not calc.inputs['note']._metadata.required

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['calc'])
    assert outputs['sum'].value == 7
    assert call_links(wg.process)['calc'].outputs.sum.value == 7
    assert calc.outputs['extra'].value is None  # ArithmeticAddCalculation does not return it


def test_a_value_for_a_declared_input_the_process_does_not_accept_fails_the_task(bash_code: orm.InstalledCode) -> None:
    """A value given to a declared input that is not a port of the process fails the task at launch, with aiida-core's
    port validation error naming the input; the graph exits with 302 and no CalcJob is created."""
    handle = task(inputs=['note'])(ArithmeticAddCalculation)
    wg = WorkGraph('calcjob_declared_input_refused')
    wg.add_task(handle, name='calc', x=3, y=orm.Int(4), code=bash_code, note=orm.Str('hello'))

    wg.run()

    assert wg.process.exit_status == 302
    assert wg.tasks['calc'].state == 'FAILED'
    assert "Unexpected ports {'note'" in wg.tasks['calc'].log
    assert call_links(wg.process) == {}


def test_declared_output_of_a_dynamic_namespace_links_to_the_next_task() -> None:
    """A declared output that is not a port of a WorkChain with a dynamic output namespace is linked like a port."""
    echo = task(outputs=['extra'])(EchoWorkChain)
    wg = WorkGraph('workchain_declared_output')
    first = wg.add_task(echo, name='echo', x=orm.Int(5), names=orm.List(['extra']))
    second = wg.add_task(add, name='add', x=first.outputs.extra, y=1)
    wg.outputs.total = second.outputs.result

    outputs = wg.run()

    assert_graph_finished_ok(wg, ['echo', 'add'])
    assert outputs['total'].value == 6
    child = call_links(wg.process)['echo']
    assert child.outputs.extra.value == 5
    assert wg.tasks['add'].process.inputs.function_inputs.x.pk == child.outputs.extra.pk

"""Provenance of plain ``@task`` functions: each run is an aiida-pythonjob ``PyFunction`` process node.

Every plain task a WorkGraph runs, with ``run()`` in this interpreter or ``submit()`` to a daemon worker, leaves the
node aiida-pythonjob's ``PyFunction`` process would make: a sealed ``CalcFunctionNode`` with its ``process_type``,
label, attributes and caching hash, called by the WorkGraph under the task name, its inputs linked as
``function_inputs__<name>`` and its results created under the output names. The node is compared with one made by
running ``PyFunction`` itself on the same function. No data node of the run is left without a creator or a consumer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from aiida import orm
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from aiida.engine import run_get_node
from checkpoint_tasks import total
from tasks_for_tests import add, check_positive, multiply

from aiida_workgraph import WorkGraph

PYFUNCTION_TYPE = 'aiida_pythonjob.calculations.pyfunction.PyFunction'
#: The attributes aiida-pythonjob's ``PyFunction`` writes on its node (besides the process attributes).
PYFUNCTION_ATTRIBUTES = {
    'function_name',
    'function_namespace',
    'inputs_spec',
    'outputs_spec',
    'serializers',
    'deserializers',
    'metadata_inputs',
    'version',
}
TIMEOUT = 120
#: The inputs of the ``PyFunction`` process that a plain task has as sockets beside its function's arguments.
PYFUNCTION_INPUTS = ('metadata', 'function_data', 'process_label', 'function_inputs')

#: ``task name: (handle, function inputs, result)`` of :func:`chain_graph`.
CHAIN = {
    'add1': (add, {'x': 1, 'y': 2}, 3),
    'mul1': (multiply, {'x': 3, 'y': 4}, 12),
    'add2': (add, {'x': 12, 'y': 3}, 15),
}


def chain_graph(name: str) -> WorkGraph:
    """``add1 = 1 + 2``, ``mul1 = add1 * 4``, ``add2 = mul1 + add1``; graph outputs ``product`` and ``total``."""
    wg = WorkGraph(name)
    add1 = wg.add_task(add, name='add1', x=1, y=2)
    mul1 = wg.add_task(multiply, name='mul1', x=add1.outputs.result, y=orm.Int(4))
    add2 = wg.add_task(add, name='add2', x=mul1.outputs.result, y=add1.outputs.result)
    wg.outputs.product = mul1.outputs.result
    wg.outputs.total = add2.outputs.result
    return wg


def last_pk() -> int:
    """The largest pk of any node in the database (0 if there is none)."""
    found = orm.QueryBuilder().append(orm.Node, project='id').order_by({orm.Node: {'id': 'desc'}}).first()
    return found[0] if found else 0


def reference_node(handle: Any, name: str, function_inputs: dict[str, Any], wg: WorkGraph) -> orm.CalcFunctionNode:
    """Run aiida-pythonjob's ``PyFunction`` itself on the task's function, specs and inputs; return its node.

    The call link label is passed as the WorkGraph passes it, so that ``metadata_inputs`` can be compared as a whole.
    """
    from aiida_pythonjob.calculations.pyfunction import PyFunction
    from aiida_pythonjob.launch import prepare_pyfunction_inputs

    task = wg.tasks[name]
    # The task's sockets hold PyFunction's own inputs beside the function's; the node records the function's.
    own = {key: field for key, field in task.spec.inputs.fields.items() if key not in PYFUNCTION_INPUTS}
    inputs = prepare_pyfunction_inputs(
        handle._callable,
        function_inputs=function_inputs,
        inputs_spec=replace(task.spec.inputs, fields=own),
        outputs_spec=task.spec.outputs,
        metadata={'call_link_label': name},
    )
    _, node = run_get_node(PyFunction, **inputs)
    return node


def links(node: orm.Node, incoming: bool, link_types: tuple[LinkType, ...]) -> dict[str, LinkType]:
    """``{label: link type}`` of a node's incoming or outgoing links of the given types."""
    manager = node.base.links.get_incoming if incoming else node.base.links.get_outgoing
    return {triple.link_label: triple.link_type for triple in manager(link_type=link_types).all()}


def assert_pyfunction_node(wg: WorkGraph, name: str, function: str, exit_status: int = 0) -> orm.CalcFunctionNode:
    """Check the shape of the process node of the plain task ``name`` running ``function``, and return it."""
    task = wg.tasks[name]
    node = task.process
    assert isinstance(node, orm.CalcFunctionNode), (name, node)
    assert task.pk == node.pk
    assert orm.load_node(task.pk).uuid == node.uuid
    assert node.process_type == PYFUNCTION_TYPE
    assert node.process_label == function
    assert node.exit_status == exit_status
    assert node.is_sealed
    assert node.process_state.value == 'finished'
    assert PYFUNCTION_ATTRIBUTES <= set(node.base.attributes.keys())
    # Called by the WorkGraph under the task name.
    calls = node.base.links.get_incoming(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    assert [(call.link_label, call.link_type, call.node.pk) for call in calls] == [
        (name, LinkType.CALL_CALC, wg.process.pk)
    ]
    assert node.caller.pk == wg.process.pk
    # Its caching hash is set and is the hash of what it holds.
    assert node.base.caching.get_hash() is not None
    assert node.base.caching.get_hash() == node.base.caching.compute_hash()
    return node


def assert_same_as_pyfunction(node: orm.CalcFunctionNode, reference: orm.CalcFunctionNode) -> None:
    """Same attributes (keys and values) and the same input and output link labels and types as ``reference``."""
    assert reference.process_type == PYFUNCTION_TYPE
    assert set(node.base.attributes.keys()) == set(reference.base.attributes.keys())
    assert node.base.attributes.all == reference.base.attributes.all
    data_links = (LinkType.INPUT_CALC,)
    assert links(node, True, data_links) == links(reference, True, data_links)
    out_links = (LinkType.CREATE, LinkType.RETURN)
    assert links(node, False, out_links) == links(reference, False, out_links)


def assert_chain_provenance(wg: WorkGraph) -> None:
    """Every task of :func:`chain_graph`: its node, its input and result links, and the node ``PyFunction`` makes."""
    assert wg.process.is_finished_ok, (wg.process.exit_status, wg.process.exit_message)
    assert wg.process.process_label == f'WorkGraph<{wg.name}>'
    nodes = {
        name: assert_pyfunction_node(wg, name, handle._callable.__name__) for name, (handle, _, _) in CHAIN.items()
    }
    assert {called.pk for called in wg.process.called} == {node.pk for node in nodes.values()}
    for name, (handle, function_inputs, result) in CHAIN.items():
        node = nodes[name]
        inputs = node.base.links.get_incoming(link_type=LinkType.INPUT_CALC)
        assert {label: inputs.get_node_by_label(label).value for label in inputs.all_link_labels()} == {
            f'function_inputs__{key}': value for key, value in function_inputs.items()
        }
        created = node.base.links.get_outgoing(link_type=LinkType.CREATE).all()
        assert [(triple.link_label, triple.node.value) for triple in created] == [('result', result)]
        assert wg.tasks[name].outputs.result.value.pk == created[0].node.pk
        assert created[0].node.creator.pk == node.pk
        assert_same_as_pyfunction(node, reference_node(handle, name, function_inputs, wg))
    # Provenance runs through the tasks: each linked input is the node the upstream task created.
    mul1_inputs = nodes['mul1'].base.links.get_incoming(link_type=LinkType.INPUT_CALC)
    assert mul1_inputs.get_node_by_label('function_inputs__x').pk == wg.tasks['add1'].outputs.result.value.pk
    add2_inputs = nodes['add2'].base.links.get_incoming(link_type=LinkType.INPUT_CALC)
    assert add2_inputs.get_node_by_label('function_inputs__x').pk == wg.tasks['mul1'].outputs.result.value.pk
    assert add2_inputs.get_node_by_label('function_inputs__y').pk == wg.tasks['add1'].outputs.result.value.pk
    # The graph returns the very nodes the tasks created.
    returned = wg.process.base.links.get_outgoing(link_type=LinkType.RETURN)
    assert returned.get_node_by_label('product').pk == wg.tasks['mul1'].outputs.result.value.pk
    assert returned.get_node_by_label('total').pk == wg.tasks['add2'].outputs.result.value.pk


def orphan_data(after: int) -> list[tuple[int, str]]:
    """The data nodes with a pk above ``after`` that no process created or returned and no process took as input."""
    new = {'id': {'>': after}}
    made = dict(orm.QueryBuilder().append(orm.Data, filters=new, project=['id', 'node_type']).all())
    created = orm.QueryBuilder().append(orm.ProcessNode, tag='process')
    created.append(
        orm.Data,
        with_incoming='process',
        filters=new,
        edge_filters={'type': {'in': [LinkType.CREATE.value, LinkType.RETURN.value]}},
        project='id',
    )
    consumed = orm.QueryBuilder().append(orm.ProcessNode, tag='process')
    consumed.append(
        orm.Data,
        with_outgoing='process',
        filters=new,
        edge_filters={'type': {'in': [LinkType.INPUT_CALC.value, LinkType.INPUT_WORK.value]}},
        project='id',
    )
    linked = set(created.all(flat=True)) | set(consumed.all(flat=True))
    return sorted((pk, kind) for pk, kind in made.items() if pk not in linked)


def test_run_records_every_plain_task_as_a_pyfunction_process() -> None:
    """``run()``: each plain task is a ``PyFunction`` node of the same shape as ``PyFunction`` makes itself."""
    before = last_pk()
    wg = chain_graph('provenance_run')

    outputs = wg.run()

    assert {key: node.value for key, node in outputs.items()} == {'product': 12, 'total': 15}
    assert_chain_provenance(wg)
    assert orphan_data(before) == []
    # The query does find a data node that nothing created or used.
    stray = orm.Int(0).store()
    assert orphan_data(before) == [(stray.pk, stray.node_type)]


def test_var_keyword_inputs_are_linked_as_pyfunction_links_them() -> None:
    """``**values`` inputs are linked flat, ``function_inputs__<key>``, as ``PyFunction`` links them."""
    wg = WorkGraph('provenance_var_keyword')
    first = wg.add_task(add, name='add1', x=1, y=2)
    second = wg.add_task(add, name='add2', x=3, y=4)
    summed = wg.add_task(total, name='summed')
    wg.add_link(first.outputs.result, summed.inputs.values)
    wg.add_link(second.outputs.result, summed.inputs.values)
    given = wg.add_task(total, name='given', values={'p': 1, 'q': 2})

    wg.run()

    assert wg.process.is_finished_ok, wg.process.exit_message
    assert summed.outputs.result.value.value == 10
    assert given.outputs.result.value.value == 3
    assert links(summed.process, True, (LinkType.INPUT_CALC,)) == {
        'function_inputs__add1_result': LinkType.INPUT_CALC,
        'function_inputs__add2_result': LinkType.INPUT_CALC,
    }
    reference = reference_node(total, 'given', {'p': 1, 'q': 2}, wg)
    assert reference.is_finished_ok
    assert links(given.process, True, (LinkType.INPUT_CALC,)) == links(reference, True, (LinkType.INPUT_CALC,))


@pytest.mark.daemon
def test_submit_records_every_plain_task_as_a_pyfunction_process(started_daemon_client: Any) -> None:
    """``submit()`` to a daemon worker: the same nodes, links and attributes as with ``run()``."""
    before = last_pk()
    wg = chain_graph('provenance_submit')

    wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert wg.process.is_terminated, wg.process.process_state
    assert_chain_provenance(wg)
    assert orphan_data(before) == []


def test_raising_function_is_a_failed_pyfunction_process() -> None:
    """A plain function that raises: its node finishes with 323 and the exception, the task fails with that message,
    the graph exits with 302 and the task depending on it is skipped (no process)."""
    before = last_pk()
    wg = WorkGraph('provenance_raises')
    start = wg.add_task(add, name='add1', x=1, y=2)
    bad = wg.add_task(check_positive, name='bad', x=-5)
    after = wg.add_task(add, name='after', x=bad.outputs.result, y=start.outputs.result)
    wg.outputs.after = after.outputs.result

    outputs = wg.run()

    assert wg.process.exit_status == 302
    assert wg.process.exit_message == (
        "WorkGraph finished, but tasks: ['bad'] failed. Thus all their child tasks are skipped."
    )
    assert {name: wg.tasks[name].state for name in ('add1', 'bad', 'after')} == {
        'add1': 'FINISHED',
        'bad': 'FAILED',
        'after': 'SKIPPED',
    }
    assert outputs == {}
    assert wg.tasks['after'].process is None
    assert wg.tasks['after'].pk is None
    node = assert_pyfunction_node(wg, 'bad', 'check_positive', exit_status=323)
    lines = node.exit_message.splitlines()
    assert lines[:2] == ['Function execution failed.', 'check_positive refused the value -5']
    assert lines[2] == 'Traceback (most recent call last):'
    assert lines[-1] == 'ValueError: check_positive refused the value -5'
    # No result: nothing created; the input is linked as PyFunction links it.
    assert node.base.links.get_outgoing().all() == []
    inputs = node.base.links.get_incoming(link_type=LinkType.INPUT_CALC)
    assert {label: inputs.get_node_by_label(label).value for label in inputs.all_link_labels()} == {
        'function_inputs__x': -5
    }
    # The task's error is the node's exit status and message; the report says the task failed.
    assert wg.tasks['bad'].log.startswith(f'check_positive<{node.pk}> finished with exit status 323: ')
    assert node.exit_message in wg.tasks['bad'].log
    report = get_workchain_report(wg.process, 'REPORT')
    assert 'Task bad failed' in report
    assert 'check_positive refused the value -5' in report
    # The same attributes, links and exit status as PyFunction's own node for the same call.
    reference = reference_node(check_positive, 'bad', {'x': -5}, wg)
    assert reference.exit_status == 323
    assert reference.exit_message.splitlines()[:2] == lines[:2]
    assert set(node.base.attributes.keys()) == set(reference.base.attributes.keys())
    differing = {
        key for key, value in node.base.attributes.all.items() if reference.base.attributes.get(key, None) != value
    }
    assert differing == {'exit_message'}  # the tracebacks differ: they run in different frames
    assert links(node, True, (LinkType.INPUT_CALC,)) == links(reference, True, (LinkType.INPUT_CALC,))
    assert orphan_data(before) == []

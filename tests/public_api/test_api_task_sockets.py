"""Sockets and task classes as upstream builds them: the process's own inputs beside the function's, ``**kwargs`` of
process functions spread, nested dynamic namespaces, the identifiers, classes and schema sources of the tasks."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.links import LinkType
from aiida.engine import WorkChain, calcfunction, run_get_node
from aiida.workflows.arithmetic.multiply_add import MultiplyAddWorkChain
from node_graph.task_spec import SchemaSource

from aiida_workgraph import WorkGraph, spec, task
from aiida_workgraph.tasks.aiida import AiiDAFunctionTask, AiiDAProcessTask
from aiida_workgraph.tasks.graph_task import GraphTask
from aiida_workgraph.tasks.pythonjob_tasks import PyFunctionTask, PythonJobTask

PYFUNCTION_INPUTS = {'metadata', 'function_data', 'process_label', 'function_inputs'}


@task
def scale(x, factor=2, **extra):
    """Return ``x * factor`` plus the sum of the extra keyword arguments."""
    return x * factor + sum(extra.values())


@task.calcfunction()
def add_all(**kwargs):
    """Sum every keyword argument (an AiiDA calcfunction with only ``**kwargs``)."""
    return orm.Int(sum(value.value for value in kwargs.values()))


@task.calcfunction()
def first_plus_rest(a, **rest):
    """``a`` plus the sum of the other keyword arguments."""
    return orm.Int(a.value + sum(value.value for value in rest.values()))


def _plain_add_all(**kwargs):
    return orm.Int(sum(value.value for value in kwargs.values()))


class NestedDynamic(WorkChain):
    """A WorkChain whose input namespace ``values`` is dynamic and takes any value: its result is the sum of the
    integers found in it, nested namespaces included."""

    @classmethod
    def define(cls, spec: Any) -> None:
        """``values`` (dynamic, nested) -> ``total``."""
        super().define(spec)
        spec.input_namespace('values', dynamic=True)
        spec.output('total', valid_type=orm.Int)
        spec.outline(cls.sum_values)

    def sum_values(self) -> None:
        """Sum the nested values."""

        def total(tree: Any) -> int:
            if isinstance(tree, orm.Int):
                return tree.value
            return sum(total(value) for value in tree.values())

        self.out('total', orm.Int(total(self.inputs['values'])).store())


def links_in(node: orm.ProcessNode) -> dict[str, int]:
    """``{link label: value}`` of the input data of a calculation node."""
    triples = node.base.links.get_incoming(link_type=LinkType.INPUT_CALC).all()
    return {triple.link_label: triple.node.value for triple in triples}


def test_plain_task_has_the_pyfunction_inputs() -> None:
    """A plain ``@task`` has PyFunction's ``metadata``, ``function_data``, ``process_label``, ``function_inputs`` as
    keyword sockets beside the function's; the function itself receives only its arguments."""
    node = scale._spec.to_task()
    assert isinstance(node, PyFunctionTask)
    assert node.identifier == 'scale'
    assert set(node.args_data['kwargs']) == {'x', 'factor'} | PYFUNCTION_INPUTS
    assert node.args_data['var_kwargs'] == 'extra'
    assert node.inputs.metadata._metadata.is_metadata
    assert {'label', 'description', 'call_link_label'} <= set(node.inputs.metadata._get_keys())
    assert node.inputs.function_data._metadata.required

    wg = WorkGraph('plain_task_sockets')
    wg.add_task(scale, name='scaled', x=3, extra={'p': 1}, metadata={'label': 'my label', 'description': 'text'})
    wg.run()

    process = wg.tasks.scaled.process
    assert process.is_finished_ok, process.exit_message
    assert wg.tasks.scaled.outputs.result.value.value == 7
    assert (process.label, process.description) == ('my label', 'text')
    assert links_in(process) == {'function_inputs__x': 3, 'function_inputs__factor': 2, 'function_inputs__p': 1}
    # The node records the function's own inputs, as PyFunction does.
    assert set(process.base.attributes.get('inputs_spec')['fields']) == {'x', 'factor', 'extra'}


def test_graph_task_has_a_metadata_input() -> None:
    """A ``@task.graph`` task has a ``metadata`` input of plain values, which the function does not receive."""

    @task.graph
    def doubled(x, **more):
        return scale(x=x).result

    node = doubled._spec.to_task()
    assert isinstance(node, GraphTask)
    assert node.args_data['kwargs'] == ['x', 'metadata']
    assert node.inputs.metadata._metadata.is_metadata

    wg = WorkGraph('graph_task_metadata')
    wg.add_task(doubled, name='inner', x=2, metadata={'label': 'inner graph'})
    wg.run()
    assert wg.tasks.inner.process.is_finished_ok
    assert wg.tasks.inner.process.label == 'inner graph'
    assert wg.tasks.inner.outputs.result.value.value == 4


def test_pythonjob_task_has_the_pythonjob_ports() -> None:
    """A ``@task.pythonjob`` task has PythonJob's ports as inputs and a CalcJob's outputs beside the function's."""

    @task.pythonjob()
    def add(x, y):
        return x + y

    node = add._spec.to_task()
    assert isinstance(node, PythonJobTask)
    names = set(node.get_input_names())
    assert {'function_inputs', 'function_data', 'process_label', 'copy_files', 'parent_folder', 'upload_files'} <= names
    assert {'remote_folder', 'remote_stash', 'retrieved'} <= set(node.get_output_names())


def test_process_ports_match_aiida_pythonjob() -> None:
    """The ports written out without importing aiida-pythonjob are those of its ``PyFunction`` and ``PythonJob``."""
    from aiida_pythonjob.calculations.pyfunction import PyFunction
    from aiida_pythonjob.calculations.pythonjob import PythonJob

    from aiida_workgraph.tasks.process_ports import pyfunction_inputs, pythonjob_inputs, pythonjob_outputs

    def shape(port: Any) -> tuple:
        return port.identifier == 'workgraph.namespace', bool(port.meta.dynamic), bool(port.meta.is_metadata)

    ports = PyFunction.spec().inputs
    for name, port in pyfunction_inputs().items():
        assert name in ports
        assert port.meta.required == ports[name].required, name
    assert set(pyfunction_inputs()['metadata'].fields) == set(ports['metadata'])
    ports = PythonJob.spec().inputs
    assert set(pythonjob_inputs()) | {'metadata', 'code'} == set(ports)
    assert set(pythonjob_outputs()) <= set(PythonJob.spec().outputs)
    namespaces = {name for name in ports if hasattr(ports[name], 'dynamic') and ports[name].dynamic}
    assert {name for name, port in pythonjob_inputs().items() if shape(port)[1]} == namespaces - {'metadata'}


def test_calcfunction_var_kwargs_reach_the_function_spread() -> None:
    """``**kwargs`` of a ``task.calcfunction``: a dynamic namespace whose items, and the extra inputs given to the
    task, reach the function as keyword arguments of their own, linked as aiida-core links them."""
    node = add_all._spec.to_task()
    assert isinstance(node, AiiDAFunctionTask)
    assert node.inputs._metadata.dynamic
    assert node.inputs.kwargs._metadata.dynamic
    assert node.inputs.kwargs._link_limit == 1e6
    assert node.outputs._metadata.dynamic

    wg = WorkGraph('calcfunction_kwargs')
    both = wg.add_task(add_all, name='both', x=orm.Int(1), y=orm.Int(2))
    more = wg.add_task(first_plus_rest, name='more', a=both.outputs.result, rest={'p': orm.Int(3)}, q=orm.Int(4))
    wg.run()

    assert wg.tasks.both.outputs.result.value.value == 3
    assert wg.tasks.more.outputs.result.value.value == 10
    assert links_in(both.process) == {'x': 1, 'y': 2}
    assert links_in(more.process) == {'a': 3, 'p': 3, 'q': 4}
    # The same labels as aiida-core records when the function is called with these keyword arguments itself.
    _, reference = run_get_node(calcfunction(_plain_add_all), x=orm.Int(1), y=orm.Int(2))
    assert set(links_in(reference)) == set(links_in(both.process))


def test_several_links_into_a_calcfunction_kwargs_namespace() -> None:
    """Two results linked into the ``**kwargs`` namespace: the function gets one keyword per link,
    ``<task>_<socket>``."""
    wg = WorkGraph('calcfunction_kwargs_links')
    one = wg.add_task(add_all, name='one', x=orm.Int(1))
    two = wg.add_task(add_all, name='two', x=orm.Int(2))
    total = wg.add_task(add_all, name='total')
    wg.add_link(one.outputs.result, total.inputs.kwargs)
    wg.add_link(two.outputs.result, total.inputs.kwargs)
    wg.run()

    assert wg.tasks.total.outputs.result.value.value == 3
    assert links_in(total.process) == {'one_result': 1, 'two_result': 2}


def test_nested_dynamic_namespace_of_a_process() -> None:
    """A dict set on a dynamic input namespace that takes any value becomes nested sockets
    (``values.nested.b``); linked items are links, and the process receives the nested values."""
    wg = WorkGraph('nested_dynamic')
    start = wg.add_task(add_all, name='start', x=orm.Int(5))
    nested = wg.add_task(
        NestedDynamic,
        name='nested',
        values={'a': orm.Int(1), 'nested': {'b': orm.Int(2), 'c': start.outputs.result}},
    )
    assert 'values.nested.b' in nested.inputs
    assert 'values.nested.c' in nested.inputs
    assert nested.inputs['values']._value == {'a': orm.Int(1), 'nested': {'b': orm.Int(2)}}
    assert len(wg.links) == 1
    wg.run()

    assert wg.tasks.nested.process.is_finished_ok, wg.tasks.nested.process.exit_message
    assert wg.tasks.nested.outputs.total.value.value == 8


@pytest.mark.parametrize(
    ('process_class', 'identifier'),
    [(ArithmeticAddCalculation, 'ArithmeticAddCalculation'), (MultiplyAddWorkChain, 'MultiplyAddWorkChain')],
)
def test_process_class_task_is_stored_by_reference(process_class: Any, identifier: str) -> None:
    """A task made from a process class alone is an ``AiiDAProcessTask`` named after the class, whose spec is
    stored as a reference to the class (``SchemaSource.CALLABLE``) and built again from it on load."""
    node = task(process_class)()._task
    assert isinstance(node, AiiDAProcessTask)
    assert node.identifier == identifier
    assert node.spec.schema_source == SchemaSource.CALLABLE
    stored = node.spec.to_dict()
    assert 'inputs' not in stored
    from node_graph.task_spec import TaskSpec

    rebuilt = TaskSpec.from_dict(stored)
    assert rebuilt.identifier == identifier
    assert set(rebuilt.inputs.fields) == set(node.spec.inputs.fields)
    # Declared extras are kept with the graph.
    declared = task(outputs=['extra'])(process_class)._spec
    assert declared.schema_source == SchemaSource.EMBEDDED


def test_calcjob_task_stored_by_reference_runs_and_loads(bash_code: Any) -> None:
    """A graph with a CalcJob task stored by reference runs, and loads back with its sockets and values."""
    wg = WorkGraph('calcjob_by_reference')
    wg.add_task(ArithmeticAddCalculation, name='add', x=orm.Int(1), y=orm.Int(2), code=bash_code)
    wg.run()
    assert wg.tasks.add.outputs.sum.value.value == 3

    loaded = WorkGraph.load(wg.pk)
    assert loaded.tasks.add.identifier == 'ArithmeticAddCalculation'
    assert isinstance(loaded.tasks.add, AiiDAProcessTask)
    assert loaded.tasks.add.inputs.x.value.value == 1
    assert loaded.tasks.add.outputs.sum.value.value == 3


def test_task_widget_value_shows_the_required_inputs() -> None:
    """``task.to_widget_value()``: the task alone, its required inputs by name and identifier, no links."""
    wg = WorkGraph('widget')
    first = wg.add_task('workgraph.test_sum_diff', 'first', x=2, y=3)
    second = wg.add_task('workgraph.test_sum_diff', 'second', x=4)
    wg.add_link(first.outputs.sum, second.inputs.y)
    value = second.to_widget_value()
    assert list(value['nodes']) == ['second']
    assert value['links'] == []
    # The PyFunction's ``function_data`` is its one required input.
    assert value['nodes']['second']['inputs'] == [{'name': 'function_data', 'identifier': 'workgraph.namespace'}]
    assert value['nodes']['second']['node_type'] == 'PYFUNCTION'
    assert value['nodes']['second']['properties']['x'] == {'identifier': 'workgraph.int', 'value': 4}


def test_base_add_task_recovers_a_negative_sum(bash_code: Any) -> None:
    """``aiida_workgraph.tasks.tests.BaseAddTask`` carries the error handler ``handle_negative_sum`` (exit status
    410): it is kept through ``to_dict``/``from_dict`` and runs the job again with the absolute values."""
    from aiida_workgraph.tasks.tests import BaseAddTask

    @task.graph()
    def add_graph(code, x, y):
        BaseAddTask(code=code, x=x, y=y)

    wg = add_graph.build(code=bash_code, x=1, y=-2)
    assert list(wg.tasks.ArithmeticAddCalculation.error_handlers) == ['handle_negative_sum']
    copy = WorkGraph.from_dict(wg.to_dict())
    assert list(copy.tasks.ArithmeticAddCalculation.error_handlers) == ['handle_negative_sum']
    wg.run()
    assert wg.tasks.ArithmeticAddCalculation.outputs.sum.value.value == 3


def test_output_extras_are_set_on_the_result_node() -> None:
    """``Annotated[float, spec.meta(extras={...})]`` on an output: its result node carries these extras."""

    @task()
    def energy() -> Annotated[float, spec.meta(extras={'unit': 'eV'})]:
        return 1.0

    wg = WorkGraph('output_extras')
    wg.add_task(energy, name='energy')
    wg.run()
    assert wg.tasks.energy.outputs.result.value.base.extras.get('unit') == 'eV'


def test_task_handle_called_inside_a_task_function_is_refused() -> None:
    """A task handle called inside a plain task's function fails that task: 'Invalid nested task call.'"""

    @task
    def inner(x, y):
        return x + y

    @task()
    def outer(m, n):
        return inner(m, n).result * 2

    with WorkGraph('nested_call') as wg:
        result = outer(3, 4).result
        wg.run()
    node = result._task.process
    assert node.exit_status == 323
    assert 'Invalid nested task call.' in node.exit_message
    assert "Task 'inner' was called inside the function of task 'outer'" in node.exit_message

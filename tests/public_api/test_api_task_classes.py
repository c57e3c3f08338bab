"""Task classes, process builders, dynamic namespaces and the reserved ``metadata`` argument name."""

from __future__ import annotations

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.workflows.arithmetic.multiply_add import MultiplyAddWorkChain
from api_tasks import ArithmeticAddTask, DynamicSum, ScaleTask

from aiida_workgraph import WorkGraph, task


def node_count() -> int:
    """The number of nodes in the profile's database."""
    return orm.QueryBuilder().append(orm.Node).count()


def test_task_subclass_with_default_spec_runs(bash_code: orm.InstalledCode) -> None:
    """``add_task(TaskSubclass)`` builds the task from its ``_default_spec``, of either executor form, and runs it."""
    wg = WorkGraph('task_classes')
    scale = wg.add_task(ScaleTask, name='scale', x=4)
    add = wg.add_task(ArithmeticAddTask, name='add', x=1, code=bash_code)
    add.inputs.y = scale.outputs.result
    assert isinstance(scale, ScaleTask) and isinstance(add, ArithmeticAddTask)
    assert scale.inputs.x._identifier == 'workgraph.int'
    wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    assert scale.outputs.result.value.value == 8
    assert add.outputs.sum.value.value == 9
    assert isinstance(WorkGraph.load(wg.pk).tasks.scale, ScaleTask)


def test_process_builder_as_task_and_set_from_builder(bash_code: orm.InstalledCode) -> None:
    """A ``ProcessBuilder`` given to ``add_task`` and ``task.set_from_builder(builder)`` set inputs and metadata."""
    builder = ArithmeticAddCalculation.get_builder()
    builder.x = orm.Int(2)
    builder.y = orm.Int(5)
    builder.code = bash_code
    builder.metadata.options.resources = {'num_machines': 1}
    builder.metadata.label = 'from builder'
    wg = WorkGraph('builders')
    first = wg.add_task(builder, name='first')
    second = wg.add_task(ArithmeticAddCalculation, name='second')
    second.set_from_builder(builder)
    second.inputs.x = first.outputs.sum
    wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    assert first.outputs.sum.value.value == 7
    assert second.outputs.sum.value.value == 12
    assert first.process.label == 'from builder'
    assert second.process.label == 'from builder'


def test_set_from_builder_refuses_another_process() -> None:
    """A builder of another process class, or something that is no builder, is refused; nothing is stored."""
    before = node_count()
    node = WorkGraph('wrong_builder').add_task(ArithmeticAddCalculation, name='add')
    with pytest.raises(
        ValueError, match="the builder is for MultiplyAddWorkChain, but task 'add' runs ArithmeticAddCalculation"
    ):
        node.set_from_builder(MultiplyAddWorkChain.get_builder())
    with pytest.raises(TypeError, match='set_from_builder\\(\\) expects a ProcessBuilder, got dict'):
        node.set_from_builder({'x': 1})
    assert node_count() == before


def test_dynamic_namespace_of_a_process_task() -> None:
    """Nested values in a process's dynamic namespace (``dynamic_port.nested.input1``) reach the process."""
    wg = WorkGraph('dynamic')
    node = wg.add_task(DynamicSum, name='total')
    node.set_inputs({'dynamic_port.a': 1, 'dynamic_port.nested.input1': 2, 'dynamic_port.nested.input2': orm.Int(3)})
    wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    assert node.outputs.total.value.value == 6
    received = node.process.base.links.get_incoming().nested()['dynamic_port']
    assert received['nested']['input1'].value == 2


def test_metadata_is_refused_as_an_argument_name() -> None:
    """A plain function with an argument named ``metadata`` is refused by every decorator form, as upstream does."""

    def uses_metadata(x, metadata=None):
        return x

    for decorate in (task, task(), task.pythonjob, task.pythonjob()):
        with pytest.raises(ValueError, match="Invalid input name: 'metadata'") as info:
            decorate(uses_metadata)
        assert "'metadata' is reserved for process-level settings" in str(info.value)
        assert 'Rename the argument in uses_metadata to something else, e.g.: task_metadata' in str(info.value)
    with pytest.raises(ValueError, match="Invalid input name: 'metadata'"):
        WorkGraph('refused').add_task(uses_metadata)


def test_dynamic_namespace_sockets_of_a_process_task() -> None:
    """Dotted keys make nested sockets in a dynamic port namespace, typed by the namespace's ``valid_type``."""
    node = WorkGraph('dynamic_sockets').add_task(DynamicSum, name='total')
    node.set_inputs({'dynamic_port.a': 1, 'dynamic_port.nested.input1': 2})
    assert node.inputs.dynamic_port._metadata.dynamic
    assert node.inputs.dynamic_port.a._identifier == 'workgraph.int'
    assert node.inputs.dynamic_port.nested._identifier == 'workgraph.namespace'
    assert node.inputs.dynamic_port.nested.input1.value == 2
    with pytest.raises(TypeError, match=r"Invalid value for property 'b'.*but got str"):
        node.set_inputs({'dynamic_port.b': 'text'})

"""The built-in ``workgraph.*`` task identifiers: each resolves with ``add_task``, and the runnable ones run."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType

from aiida_workgraph import WorkGraph
from aiida_workgraph.tasks.builtins import AiiDAProcessTask, GetContext, GraphLevelTask, SetContext

BUILTIN = {
    'set_context': (['key', 'value'], []),
    'get_context': (['key'], ['result']),
    'select': (['condition', 'true', 'false'], ['result']),
    'load_code': (['pk', 'uuid', 'label'], ['code']),
    'load_node': (['pk', 'uuid'], ['node']),
    'aiida_int': (['value'], ['result']),
    'aiida_float': (['value'], ['result']),
    'aiida_string': (['value'], ['result']),
    'aiida_bool': (['value'], ['result']),
    'aiida_list': (['value'], ['result']),
    'aiida_dict': (['value'], ['result']),
    'aiida_process': ([], []),
    'any': ([], []),
    'map_zone': (['source'], []),
    'map_item': ([], ['key', 'value']),
    'gather_item': ([], []),
    'test_add': (['x', 'y', 't'], ['result']),
    'test_sum_diff': (['x', 'y', 't'], ['sum', 'diff']),
    'test_arithmetic_multiply_add': (['x', 'y', 'z', 'code'], ['result']),
}


#: The sockets of the process that runs a task, beside the function's own (``PyFunction``'s inputs).
PROCESS_SOCKETS = ('metadata', 'function_data', 'process_label', 'function_inputs')


def user_sockets(namespace: Any) -> list[str]:
    """The socket names of a namespace without the built-in ``_wait``/``_outputs`` and the process's own inputs."""
    return [name for name in namespace._sockets if not name.startswith('_') and name not in PROCESS_SOCKETS]


@pytest.mark.parametrize('name', sorted(BUILTIN))
def test_builtin_identifier_resolves(name: str) -> None:
    """``add_task('workgraph.<name>')`` makes a task with the sockets upstream has (``*_context``: no ``context``)."""
    wg = WorkGraph('builtins')
    node = wg.add_task(f'workgraph.{name}', name='node')
    inputs, outputs = BUILTIN[name]
    assert user_sockets(node.inputs) == inputs
    assert user_sockets(node.outputs) == outputs
    assert f'workgraph.{name}' in {ep.name for ep in entry_points().select(group='aiida_workgraph.task')}


def test_subgraph_task_class_has_upstreams_path_and_entry_point() -> None:
    """A task made from a ``WorkGraph`` is ``aiida_workgraph.tasks.subgraph_task.SubGraphTask``, as upstream's."""
    from aiida_workgraph.tasks.subgraph_task import SubGraphTask

    sub = WorkGraph('sub', inputs=['x'], outputs=['y'])
    wg = WorkGraph('top')
    assert isinstance(wg.add_task(sub, name='inner'), SubGraphTask)
    entry = {ep.name: ep for ep in entry_points().select(group='aiida_workgraph.task')}['workgraph.subgraph_task']
    assert entry.load() is SubGraphTask


def test_builtin_task_classes() -> None:
    """Class-based built-ins are ``Task`` subclasses; the graph's own tasks are ``GraphLevelTask``."""
    wg = WorkGraph('classes')
    assert isinstance(wg.add_task('workgraph.set_context', name='set'), SetContext)
    assert isinstance(wg.add_task('workgraph.get_context', name='get'), GetContext)
    assert isinstance(wg.add_task('workgraph.aiida_process', name='proc'), AiiDAProcessTask)
    assert isinstance(wg.add_task('workgraph.graph_level', name='level'), GraphLevelTask)
    assert isinstance(wg.tasks.graph_inputs, GraphLevelTask)


def test_conversion_load_and_select_tasks_run(bash_code: orm.InstalledCode) -> None:
    """``aiida_*``, ``load_node``, ``load_code`` and ``select`` run and return what upstream returns."""
    stored = orm.Str('kept').store()
    wg = WorkGraph('run_builtins')
    wg.add_task('workgraph.aiida_int', name='as_int', value=3)
    wg.add_task('workgraph.aiida_float', name='as_float', value=2)
    wg.add_task('workgraph.aiida_string', name='as_string', value='s')
    wg.add_task('workgraph.aiida_bool', name='as_bool', value=False)
    wg.add_task('workgraph.aiida_list', name='as_list', value=[1, 2])
    wg.add_task('workgraph.aiida_dict', name='as_dict', value={'a': 1})
    wg.add_task('workgraph.load_node', name='by_pk', pk=stored.pk)
    wg.add_task('workgraph.load_node', name='by_uuid', uuid=stored.uuid)
    wg.add_task('workgraph.load_code', name='code', label=bash_code.full_label)
    wg.add_task('workgraph.select', name='pick', condition=False, true=1, false=2)
    wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    values = {name: wg.tasks[name].outputs for name in wg.get_task_names() if not name.startswith('graph_')}
    assert values['as_int'].result.value == orm.Int(3)
    assert isinstance(values['as_float'].result.value, orm.Float) and values['as_float'].result.value.value == 2.0
    assert values['as_string'].result.value.value == 's'
    assert values['as_bool'].result.value.value is False
    assert values['as_list'].result.value.get_list() == [1, 2]
    assert values['as_dict'].result.value.get_dict() == {'a': 1}
    assert values['by_pk'].node.value.pk == stored.pk
    assert values['by_uuid'].node.value.pk == stored.pk
    assert values['code'].code.value.pk == bash_code.pk
    assert values['pick'].result.value.value == 2


def test_load_node_without_identifier_fails_the_task() -> None:
    """``load_node`` with neither ``pk`` nor ``uuid`` fails its task with a message naming both."""
    wg = WorkGraph('load_nothing')
    wg.add_task('workgraph.load_node', name='nothing')
    wg.run()
    assert wg.tasks.nothing.state == 'FAILED'
    assert 'load_node needs `pk` or `uuid`' in wg.tasks.nothing.log
    assert wg.process.exit_status == 302


def test_test_tasks_run(bash_code: orm.InstalledCode) -> None:
    """``test_add``, ``test_sum_diff`` and ``test_arithmetic_multiply_add`` run with provenance."""
    wg = WorkGraph('test_tasks')
    first = wg.add_task('workgraph.test_add', name='first', x=1, y=2)
    both = wg.add_task('workgraph.test_sum_diff', name='both', x=first.outputs.result, y=1)
    chain = wg.add_task('workgraph.test_arithmetic_multiply_add', name='chain', x=2, y=3, code=bash_code)
    chain.inputs.z = both.outputs.diff
    wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    assert first.outputs.result.value.value == 3
    assert both.outputs.sum.value.value == 4
    assert both.outputs.diff.value.value == 2
    assert chain.outputs.result.value.value == 2 * 3 + 2
    called = {
        link.link_label
        for link in wg.process.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    }
    assert called == {'first', 'both', 'chain'}


def test_set_and_get_context_run() -> None:
    """``set_context`` writes the graph context at run time and ``get_context`` reads it back."""
    wg = WorkGraph('context_tasks')
    first = wg.add_task('workgraph.aiida_int', name='first', value=4)
    setter = wg.add_task('workgraph.set_context', name='setter', key='count', value=first.outputs.result)
    getter = wg.add_task('workgraph.get_context', name='getter', key='count')
    setter >> getter
    wg.outputs.count = getter.outputs.result
    outputs = wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    assert outputs['count'].pk == first.outputs.result.value.pk


def test_task_pool_entry_points() -> None:
    """``TaskPool`` holds the task entry points; ``add_task`` takes one of them."""
    from aiida_workgraph import TaskPool

    assert TaskPool.workgraph.test_add.name == 'workgraph.test_add'
    assert 'workgraph.load_node' in TaskPool
    wg = WorkGraph('pool')
    node = wg.add_task(TaskPool.workgraph.test_add, x=1, y=2)
    assert node.name == 'add'
    assert isinstance(wg.add_task(TaskPool.workgraph.set_context), SetContext)


def test_context_task_key_is_a_plain_value() -> None:
    """The ``key`` of ``set_context``/``get_context`` is a plain value for the walk (not converted to a node)."""
    from aiida_workgraph.serialization.schema import spec_slot

    wg = WorkGraph('context_key')
    setter = wg.add_task('workgraph.set_context', name='setter', key='results.count', value=3)
    getter = wg.add_task('workgraph.get_context', name='getter', key='results.count')
    assert setter.inputs.key._metadata.is_metadata and getter.inputs.key._metadata.is_metadata
    assert spec_slot(setter.spec.inputs).child('key').kind == 'plain'
    assert spec_slot(getter.spec.inputs).child('key').kind == 'plain'
    assert spec_slot(setter.spec.inputs).child('value').kind == 'data'

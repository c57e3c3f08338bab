"""WorkGraphs made by upstream aiida-workgraph 0.9.0 are read by this package: load, update, show, task list, report.

The graphs come from ``tests/data/upstream-0.9.0.aiida`` (see ``conftest.py``), imported into the session's profile.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aiida import orm
from aiida.cmdline.commands.cmd_process import process_report
from click.testing import CliRunner

from aiida_workgraph import WorkGraph
from aiida_workgraph.cli.cmd_workgraph import task_list
from aiida_workgraph.orm import WorkGraphNode
from aiida_workgraph.orm.upstream_graph import UpstreamGraphError


def _links(wg: WorkGraph) -> set[tuple[str, str, str, str]]:
    return {(link.from_task.name, link.from_socket._name, link.to_task.name, link.to_socket._name) for link in wg.links}


def _node_count() -> int:
    return orm.QueryBuilder().append(orm.Node).count()


def test_load_finished(upstream_graphs: dict[str, orm.WorkflowNode]) -> None:
    """Tasks, links, input values, states, processes, outputs and graph outputs of a finished upstream graph."""
    node = upstream_graphs['upstream_finished']
    assert isinstance(node, WorkGraphNode)
    wg = WorkGraph.load(node.pk)
    assert wg.name == 'upstream_finished'
    assert wg.process.pk == node.pk
    assert wg.state == 'FINISHED'
    assert [task.name for task in wg.tasks if not task.name.startswith('graph_')] == [
        'add',
        'multiply',
        'arithmetic_add',
    ]
    assert {
        ('add', 'result', 'multiply', 'x'),
        ('multiply', 'result', 'arithmetic_add', 'x'),
        ('arithmetic_add', 'sum', 'graph_outputs', 'sum'),
    } <= _links(wg)
    assert {task.name: task.state for task in wg.tasks if not task.name.startswith('graph_')} == {
        'add': 'FINISHED',
        'multiply': 'FINISHED',
        'arithmetic_add': 'FINISHED',
    }
    assert wg.tasks.add.inputs.x.value.value == 1
    assert wg.tasks.add.inputs.y.value.value == 2
    assert wg.tasks.multiply.inputs.y.value.value == 3
    assert wg.tasks.arithmetic_add.inputs.code.value.label == 'bash'
    assert wg.tasks.arithmetic_add.inputs.metadata.options.max_wallclock_seconds.value == 600
    assert wg.tasks.add.process.process_label == 'add'
    assert wg.tasks.multiply.process.process_label == 'multiply'
    assert wg.tasks.arithmetic_add.process.process_label == 'ArithmeticAddCalculation'
    assert wg.tasks.add.outputs.result.value.value == 3
    assert wg.tasks.multiply.outputs.result.value.value == 9
    assert wg.tasks.arithmetic_add.outputs.sum.value.value == 13
    assert wg.outputs.sum.value.value == 13


def test_load_failed(upstream_graphs: dict[str, orm.WorkflowNode]) -> None:
    """The failed task of an upstream graph is FAILED with its process's error, the task after it SKIPPED."""
    node = upstream_graphs['upstream_failed']
    wg = WorkGraph.load(node)
    assert node.exit_status == 302
    assert {task.name: task.state for task in wg.tasks if not task.name.startswith('graph_')} == {
        'add': 'FINISHED',
        'fail': 'FAILED',
        'add1': 'SKIPPED',
    }
    assert 'fail was given 3: positive values are refused' in wg.tasks.fail.log
    assert f'fail<{wg.tasks.fail.process.pk}> failed with exit status 323' in wg.tasks.fail.log
    assert wg.tasks.add1.process is None
    assert wg.tasks.add1.inputs.y.value.value == 1
    assert ('fail', 'result', 'add1', 'x') in _links(wg)


def test_load_unfinished(upstream_graphs: dict[str, orm.WorkflowNode]) -> None:
    """An upstream graph left waiting on its CalcJob: the finished task, the running CalcJob, the planned task."""
    node = upstream_graphs['upstream_unfinished']
    wg = WorkGraph.load(node.uuid)
    assert {task.name: task.state for task in wg.tasks if not task.name.startswith('graph_')} == {
        'add': 'FINISHED',
        'sleep_add': 'RUNNING',
        'add1': 'PLANNED',
    }
    assert wg.tasks.add.outputs.result.value.value == 3
    assert wg.tasks.sleep_add.process.process_label == 'ArithmeticAddCalculation'
    assert not wg.tasks.sleep_add.process.is_terminated
    assert wg.tasks.sleep_add.outputs.sum.value is None
    assert wg.tasks.add1.process is None


def test_load_reads_without_writing(upstream_graphs: dict[str, orm.WorkflowNode]) -> None:
    """Loading an upstream graph changes nothing in the database: no node, no attribute."""
    node = upstream_graphs['upstream_finished']
    before = (_node_count(), copy.deepcopy(node.base.attributes.all), node.base.repository.list_object_names())
    WorkGraph.load(node.pk)
    node = orm.load_node(node.pk)
    assert (_node_count(), node.base.attributes.all, node.base.repository.list_object_names()) == before


def test_update(upstream_graphs: dict[str, orm.WorkflowNode]) -> None:
    """``update()`` reads the task states, processes and outputs of an upstream graph from the node again."""
    wg = WorkGraph.load(upstream_graphs['upstream_finished'].pk)
    for task in wg.tasks:
        task.state = 'PLANNED'
    wg.tasks.add.process = None
    wg.update()
    assert wg.tasks.add.state == 'FINISHED'
    assert wg.tasks.arithmetic_add.state == 'FINISHED'
    assert wg.tasks.add.process.process_label == 'add'
    assert wg.tasks.arithmetic_add.outputs.sum.value.value == 13


@pytest.mark.parametrize(
    ('label', 'rows'),
    [
        ('upstream_finished', {'add': 'FINISHED', 'multiply': 'FINISHED', 'arithmetic_add': 'FINISHED'}),
        ('upstream_failed', {'add': 'FINISHED', 'fail': 'FAILED', 'add1': 'SKIPPED'}),
        ('upstream_unfinished', {'add': 'FINISHED', 'sleep_add': 'RUNNING', 'add1': 'PLANNED'}),
    ],
)
def test_show(upstream_graphs: dict[str, orm.WorkflowNode], capsys: Any, label: str, rows: dict[str, str]) -> None:
    """``show()`` prints the upstream graph's name and pk, and each task with its state and process pk."""
    node = upstream_graphs[label]
    wg = WorkGraph.load(node.pk)
    wg.show()
    printed = capsys.readouterr().out
    assert f'{label}, PK: {node.pk}' in printed
    for name, state in rows.items():
        task = wg.tasks[name]
        line = next(line for line in printed.splitlines() if line.split()[:1] == [name])
        assert line.split()[1:] == ([str(task.process.pk)] if task.process else []) + [state]


@pytest.mark.parametrize(
    ('label', 'rows'),
    [
        ('upstream_finished', {'add': 'FINISHED', 'multiply': 'FINISHED', 'arithmetic_add': 'FINISHED'}),
        ('upstream_failed', {'add': 'FINISHED', 'fail': 'FAILED', 'add1': 'SKIPPED'}),
        ('upstream_unfinished', {'add': 'FINISHED', 'sleep_add': 'RUNNING', 'add1': 'PLANNED'}),
    ],
)
def test_task_list(upstream_graphs: dict[str, orm.WorkflowNode], label: str, rows: dict[str, str]) -> None:
    """``workgraph task list PK`` prints every task of an upstream graph with its process pk and state, as upstream."""
    node = upstream_graphs[label]
    result = CliRunner().invoke(task_list, [str(node.pk)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith(f'WorkGraph: {label}, PK: {node.pk}, State: ')
    assert lines[4].split() == ['Name', 'PK', 'State']
    wg = WorkGraph.load(node.pk)
    expected = [
        [name, *([str(wg.tasks[name].process.pk)] if wg.tasks[name].process else []), state]
        for name, state in rows.items()
    ]
    assert [line.split() for line in lines[9:-1]] == expected


@pytest.mark.parametrize(
    ('label', 'line'),
    [
        ('upstream_finished', 'Finalize workgraph.'),
        ('upstream_failed', 'Task, fail, type: PYFUNCTION, failed. Error message: Function execution failed.'),
        ('upstream_unfinished', 'Process status: Waiting for child processes'),
    ],
)
def test_process_report(upstream_graphs: dict[str, orm.WorkflowNode], label: str, line: str) -> None:
    """``verdi process report PK`` shows what upstream reported for its graph."""
    result = CliRunner().invoke(process_report, [str(upstream_graphs[label].pk)])
    assert result.exit_code == 0, result.output
    assert line in result.output


def test_task_whose_function_is_gone(upstream_graphs: dict[str, orm.WorkflowNode], caplog: Any) -> None:
    """A task whose function cannot be imported any more is shown with untyped sockets, saying why."""
    source = upstream_graphs['upstream_finished']
    graph = copy.deepcopy(source.base.attributes.get('workgraph_data'))
    graph['tasks']['add']['spec']['executor']['module_path'] = 'upstream_db.gone_module'
    node = WorkGraphNode()
    node.base.attributes.set_many(
        {key: source.base.attributes.get(key) for key in ('task_states', 'task_processes', 'task_inputs', 'version')}
    )
    node.base.attributes.set('workgraph_data', graph)
    node.store()
    wg = WorkGraph.load(node.pk)
    reason = wg.tasks.add.spec.metadata['upstream_unreadable']
    assert reason.startswith('PYFUNCTION task (upstream_db.gone_module.add): ImportError: ')
    assert "No module named 'upstream_db.gone_module'" in reason
    assert f'WorkGraph<{node.pk}> (aiida-workgraph 0.9.0): task add is shown with untyped sockets' in caplog.text
    assert wg.tasks.add.state == 'FINISHED'
    assert wg.tasks.add.outputs.result.value.value == 3
    assert ('add', 'result', 'multiply', 'x') in _links(wg)
    assert wg.tasks.multiply.spec.task_type == 'CALCFUNCTION'


def test_graph_attribute_unreadable() -> None:
    """An upstream node whose graph attribute is not a graph: the error names the node and the attribute."""
    node = WorkGraphNode()
    node.base.attributes.set('workgraph_data', 'not a graph')
    node.store()
    count = _node_count()
    with pytest.raises(
        UpstreamGraphError,
        match=rf'WorkGraph<{node.pk}> \(aiida-workgraph 0.9.0\): its `workgraph_data` attribute is not a graph',
    ):
        WorkGraph.load(node.pk)
    result = CliRunner().invoke(task_list, [str(node.pk)])
    assert result.exit_code != 0
    assert (
        f'WorkGraph<{node.pk}> (aiida-workgraph 0.9.0): its `workgraph_data` attribute is not a graph' in result.output
    )
    assert _node_count() == count


def test_node_without_structure() -> None:
    """A WorkGraph node with neither this package's structure nor upstream's graph: the error names the node."""
    node = WorkGraphNode().store()
    count = _node_count()
    message = rf'WorkGraph<{node.pk}> holds no graph structure: neither `workgraph.json` in its repository'
    with pytest.raises(UpstreamGraphError, match=message):
        WorkGraph.load(node.pk)
    result = CliRunner().invoke(task_list, [str(node.pk)])
    assert result.exit_code != 0
    assert 'holds no graph structure' in result.output
    assert 'Traceback' not in result.output
    assert _node_count() == count


def test_input_only_upstream_could_construct(
    upstream_graphs: dict[str, orm.WorkflowNode], caplog: Any, tmp_path: Any
) -> None:
    """A plain input stored under a Python tag is neither constructed nor loaded: a warning names it."""
    source = upstream_graphs['upstream_finished']
    marker = tmp_path / 'constructed'
    node = WorkGraphNode()
    for key in ('workgraph_data', 'task_states', 'task_processes', 'version'):
        node.base.attributes.set(key, copy.deepcopy(source.base.attributes.get(key)))
    node.base.attributes.set(
        'task_inputs',
        f"add:\n  x: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n"
        'arithmetic_add:\n  metadata:\n    options:\n      max_wallclock_seconds: 60\n',
    )
    node.store()
    wg = WorkGraph.load(node.pk)
    assert not marker.exists()
    assert wg.tasks.arithmetic_add.inputs.metadata.options.max_wallclock_seconds.value == 60
    assert wg.tasks.add.inputs.x.value is None  # this node has no input links
    assert (
        f'WorkGraph<{node.pk}> (aiida-workgraph 0.9.0): the input add.x is left out: its tag '
        'tag:yaml.org,2002:python/object/apply:pathlib.Path.touch is not a plain value'
    ) in caplog.text

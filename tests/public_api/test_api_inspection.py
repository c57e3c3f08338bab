"""``repr(wg)``, ``wg.show()``, ``wg.to_html()``, provenance graphs and the summary helpers of ``utils``."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from aiida import orm

from aiida_workgraph import WorkGraph
from aiida_workgraph.executors.test import add
from aiida_workgraph.utils import (
    generate_provenance_graph,
    get_or_create_code,
    get_parent_workgraphs,
    get_process_summary,
)

needs_dot = pytest.mark.skipif(shutil.which('dot') is None, reason='the graphviz program `dot` is not installed')


@pytest.fixture(scope='module')
def finished_graph() -> WorkGraph:
    """A graph of two chained ``add`` tasks, run once for the module."""
    wg = WorkGraph('inspected')
    first = wg.add_task(add, name='add1', x=1, y=2)
    wg.add_task(add, name='add2', x=first.outputs.result, y=3)
    wg.outputs.total = wg.tasks.add2.outputs.result
    wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    return wg


def test_repr() -> None:
    """``repr(wg)`` is ``WorkGraph(name="...", uuid="...")``."""
    wg = WorkGraph('named')
    assert repr(wg) == f'WorkGraph(name="named", uuid="{wg.uuid}")'


def test_show_before_and_after_a_run(finished_graph: WorkGraph, capsys: pytest.CaptureFixture) -> None:
    """``show()`` prints the graph's pk and state and a table of tasks with their process pk and state."""
    wg = WorkGraph('unrun')
    wg.add_task(add, name='add1', x=1, y=2)
    wg.show()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == '-' * 80
    assert lines[1] == 'WorkGraph: unrun, PK: None, State: CREATED'
    assert lines[3] == 'Tasks:'
    assert lines[4].split() == ['Name', 'PK', 'State']
    assert lines[-2].split() == ['add1', 'PLANNED']
    finished_graph.show()
    out = capsys.readouterr().out
    assert f'WorkGraph: inspected, PK: {finished_graph.pk}, State: FINISHED' in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith('add')}
    assert rows == {
        'add1': [str(finished_graph.tasks.add1.pk), 'FINISHED'],
        'add2': [str(finished_graph.tasks.add2.pk), 'FINISHED'],
    }


def test_to_html_without_a_notebook(tmp_path: Path) -> None:
    """``to_html(output)`` writes a standalone page with the graph's tasks; ``_repr_html_`` embeds it in an iframe."""
    wg = WorkGraph('drawn')
    wg.add_task(add, name='add1', x=1, y=2)
    frame = wg.to_html(output=str(tmp_path / 'graph.html'))
    page = (tmp_path / 'graph.html').read_text()
    assert frame.src == str(tmp_path / 'graph.html')
    assert '"add1"' in page
    assert wg._repr_html_().startswith('<iframe srcdoc=')


@needs_dot
def test_provenance_graph(finished_graph: WorkGraph, tmp_path: Path) -> None:
    """The provenance graph is drawn by graphviz into an HTML page holding the processes and data nodes."""
    output = tmp_path / 'provenance.html'
    frame = finished_graph.generate_provenance_graph(output=str(output))
    page = output.read_text()
    assert frame.src == str(output)
    assert '<svg' in page
    assert f'({finished_graph.pk})' in page
    assert f'({finished_graph.tasks.add1.pk})' in page
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        generate_provenance_graph(finished_graph.pk)
    finally:
        os.chdir(cwd)
    assert (tmp_path / 'html' / f'node_graph_{finished_graph.pk}.html').exists()


def test_provenance_graph_without_dot(finished_graph: WorkGraph, tmp_path: Path, monkeypatch) -> None:
    """Without the ``dot`` program on the PATH, the error says to install graphviz; no file is written."""
    monkeypatch.setenv('PATH', str(tmp_path / 'empty'))
    output = tmp_path / 'provenance.html'
    with pytest.raises(RuntimeError, match=r'needs the graphviz program `dot`, which is not on the PATH; install'):
        finished_graph.generate_provenance_graph(output=str(output))
    assert not output.exists()


def test_provenance_graph_of_an_unrun_graph() -> None:
    """A graph without a process has no provenance to draw."""
    with pytest.raises(ValueError, match='has no process yet: run, submit or save it'):
        WorkGraph('unrun').generate_provenance_graph()


def test_process_summary(finished_graph: WorkGraph) -> None:
    """``get_process_summary`` returns the tables of inputs and outputs with pks and types, as upstream."""
    inputs = finished_graph.process.base.links.get_incoming().nested()['tasks']
    summary = get_process_summary(finished_graph.pk, data=['inputs', 'outputs'])
    lines = summary.splitlines()
    assert lines[:4] == ['', '', lines[2], lines[3]]
    assert lines[2].split() == ['Inputs', 'PK', 'Type']
    rows = [line.split() for line in lines]
    assert ['tasks'] in rows and ['add1'] in rows
    assert ['x', str(inputs['add1']['x'].pk), 'Int'] in rows
    assert ['Outputs', 'PK', 'Type'] in rows
    assert ['total', str(finished_graph.outputs.total.value.pk), 'Int'] in rows
    assert get_process_summary(finished_graph.process).startswith('\n\nOutputs')
    with pytest.raises(ValueError, match=r"unknown sections \['links'\]"):
        get_process_summary(finished_graph.pk, data=['links'])
    with pytest.raises(TypeError, match='is a Int, not a process'):
        get_process_summary(inputs['add1']['x'].pk)


def test_parent_workgraphs(finished_graph: WorkGraph) -> None:
    """``get_parent_workgraphs`` lists the process itself for a top-level graph and for its tasks."""
    assert get_parent_workgraphs(finished_graph.pk) == [[finished_graph.process.process_label, finished_graph.pk]]
    task_process = finished_graph.tasks.add1.process
    assert get_parent_workgraphs(task_process.pk) == [[task_process.process_label, task_process.pk]]


def test_parent_workgraphs_lists_every_caller() -> None:
    """Every workflow above a process, innermost first, up to the top-level one (upstream's test_utils chain)."""
    from aiida.common.links import LinkType

    top, middle, bottom = orm.WorkflowNode(), orm.WorkflowNode(), orm.WorkflowNode()
    bottom.base.links.add_incoming(middle, link_type=LinkType.CALL_WORK, link_label='call')
    middle.base.links.add_incoming(top, link_type=LinkType.CALL_WORK, link_label='call')
    for node in (top, middle, bottom):
        node.store()
    assert get_parent_workgraphs(bottom.pk) == [[None, bottom.pk], [None, middle.pk], [None, top.pk]]


def test_get_or_create_code(aiida_localhost: orm.Computer) -> None:
    """``get_or_create_code`` creates the code once, then returns the same one."""
    # A label no other test uses: a shell job test may have made `bash@localhost` from the `bash` on PATH already.
    label = f'bash-{uuid.uuid4().hex[:8]}'
    code = get_or_create_code(computer=aiida_localhost.label, code_label=label, code_path='/bin/bash')
    assert code.is_stored
    assert code.full_label == f'{label}@{aiida_localhost.label}'
    assert str(code.filepath_executable) == '/bin/bash'
    again = get_or_create_code(computer=aiida_localhost.label, code_label=label)
    assert again.pk == code.pk
    python = get_or_create_code(computer=aiida_localhost.label, code_label='python3')
    assert str(python.filepath_executable) == shutil.which('python3')


def test_create_and_pause_process(bash_code: orm.InstalledCode) -> None:
    """``create_and_pause_process`` stores a paused process with its checkpoint, without running it."""
    from aiida.calculations.arithmetic.add import ArithmeticAddCalculation

    from aiida_workgraph.utils import create_and_pause_process

    inputs = {'x': orm.Int(1), 'y': orm.Int(2), 'code': bash_code}
    process = create_and_pause_process(
        process_class=ArithmeticAddCalculation, inputs=inputs, state_msg='held for the test'
    )
    node = orm.load_node(process.node.pk)
    assert node.paused
    assert node.process_status == 'held for the test'
    assert node.checkpoint is not None
    assert not node.is_terminated
    assert node.inputs.x.value == 1
    with pytest.raises(ValueError, match='needs a process_class'):
        create_and_pause_process(inputs=inputs)

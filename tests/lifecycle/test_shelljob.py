"""``shelljob``: shell commands run by aiida-shell's ``ShellJob`` on ``localhost``, as tasks of a WorkGraph."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from aiida import orm
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from lifecycle.lifecycle_tasks import exit_zero_instead, parse_number

from aiida_workgraph import WorkGraph, WorkGraphSerializationError, shelljob
from aiida_workgraph.orm.workgraph_node import WorkGraphNode


def called(node: orm.ProcessNode) -> dict[str, orm.CalcJobNode]:
    """The CalcJobs ``node`` called, by CALL link label (the latest one per label)."""
    found: dict[str, orm.CalcJobNode] = {}
    for link in sorted(node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all(), key=lambda ln: ln.node.pk):
        found[link.link_label] = link.node
    return found


@pytest.fixture(autouse=True)
def localhost(aiida_computer_local: Any) -> orm.Computer:
    """The ``localhost`` computer, as ``verdi presto`` makes it (aiida-shell runs commands there by default)."""
    from aiida.common.exceptions import NotExistent

    try:
        return orm.load_computer('localhost')
    except NotExistent:
        return aiida_computer_local(label='localhost')


def test_arguments_with_node_placeholders() -> None:
    """``{name}`` placeholders take the values of ``nodes`` (a plain string becomes a ``Str``); ``metadata.options``
    reach the job; the task is called ``ShellJob`` and its process ``ShellJob<echo@localhost>``."""
    with WorkGraph('shell_echo') as wg:
        out = shelljob(
            command='echo',
            arguments=['{a}', '{b}'],
            nodes={'a': orm.Int(3), 'b': 'three'},
            metadata={'options': {'prepend_text': 'export GREETING=1'}},
        )
        wg.outputs.text = out.stdout

    outputs = wg.run()

    assert wg.process.exit_status == 0, get_workchain_report(wg.process, 'REPORT')
    assert outputs['text'].get_content().strip() == '3 three'
    job = called(wg.process)['ShellJob']
    assert job.process_label == 'ShellJob<echo@localhost>'
    assert job.inputs.nodes.b.value == 'three'
    assert job.get_option('prepend_text') == 'export GREETING=1'
    assert wg.tasks['ShellJob'].state == 'FINISHED'
    assert wg.tasks['ShellJob'].outputs.stdout.value.pk == outputs['text'].pk


def test_file_outputs_feed_the_next_command() -> None:
    """A file named in ``outputs`` is an output (``out.txt`` -> ``out_txt``) that the next shelljob reads."""
    with WorkGraph('shell_files') as wg:
        write = shelljob(command='bash', arguments=['-c', 'echo hello > out.txt'], outputs=['out.txt'])
        read = shelljob(
            command='cat', arguments=['{data}'], nodes={'data': write.out_txt}, metadata={'call_link_label': 'read'}
        )
        wg.outputs.copied = read.stdout

    outputs = wg.run()

    assert wg.process.exit_status == 0
    assert outputs['copied'].get_content() == 'hello\n'
    jobs = called(wg.process)
    assert set(jobs) == {'ShellJob', 'read'}
    assert jobs['read'].inputs.nodes.data.pk == jobs['ShellJob'].outputs.out_txt.pk


def test_parser_outputs_and_a_local_file() -> None:
    """A ``parser`` adds outputs (declared by ``parser_outputs``); a ``pathlib.Path`` node is a file node."""
    source = pathlib.Path(__file__).parent / 'lifecycle_tasks.py'
    with WorkGraph('shell_parser') as wg:
        counted = shelljob(
            command='bash',
            arguments=['-c', 'wc -l < {source}'],
            nodes={'source': source},
            parser=parse_number,
            parser_outputs=['number'],
        )
        wg.outputs.lines = counted.number

    outputs = wg.run()

    assert wg.process.exit_status == 0, get_workchain_report(wg.process, 'REPORT')
    assert outputs['lines'].value == len(source.read_text().splitlines())
    assert isinstance(called(wg.process)['ShellJob'].inputs.nodes.source, orm.SinglefileData)


def test_command_as_a_code_and_computer_by_object(localhost: orm.Computer) -> None:
    """``command`` may be a code; ``metadata.computer`` may be a ``Computer`` (kept as its label)."""
    from aiida_shell.launch import prepare_code

    code = prepare_code('date', localhost)
    with WorkGraph('shell_code') as wg:
        shelljob(command=code, arguments=['+%Y'])
        shelljob(command='hostname', metadata={'computer': localhost})

    wg.run()

    assert wg.process.exit_status == 0
    jobs = called(wg.process)
    assert jobs['ShellJob'].inputs.code.pk == code.pk
    assert jobs['ShellJob1'].computer.pk == localhost.pk
    assert jobs['ShellJob'].outputs.stdout.get_content().strip().isdigit()


def test_failing_command_is_retried_by_an_error_handler() -> None:
    """A command that exits non-zero ends the ShellJob with 400; a handler changes the arguments and it runs again."""
    with WorkGraph('shell_retry') as wg:
        out = shelljob(command='bash', arguments=['-c', 'exit 3'])
        wg.outputs.text = out.stdout
    wg.tasks['ShellJob'].add_error_handler({'fix': {'executor': exit_zero_instead, 'exit_codes': [400]}})

    outputs = wg.run()

    assert wg.process.exit_status == 0
    jobs = sorted(
        (ln.node for ln in wg.process.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()), key=lambda n: n.pk
    )
    assert [job.exit_status for job in jobs] == [400, 0]
    assert outputs['text'].get_content() == 'recovered\n'


def test_unknown_command_fails_the_task_without_a_job() -> None:
    """A command ``which`` cannot find: the task fails with aiida-shell's message and no ShellJob is made."""
    with WorkGraph('shell_unknown') as wg:
        shelljob(command='no-such-command-anywhere')

    wg.run()

    assert wg.process.exit_status == 302
    assert called(wg.process) == {}
    assert 'failed to determine the absolute path of the command' in wg.tasks['ShellJob'].log


def test_value_that_cannot_be_kept_is_refused_before_storing() -> None:
    """A node value no database can keep is refused by the walk with its path; nothing is stored."""
    before = orm.QueryBuilder().append(WorkGraphNode).count()
    with WorkGraph('shell_refused') as wg:
        shelljob(command='echo', arguments=['{a}'], nodes={'a': lambda: 1})
    with pytest.raises(WorkGraphSerializationError, match=r'tasks\.ShellJob\.nodes\.a'):
        wg.run()
    assert orm.QueryBuilder().append(WorkGraphNode).count() == before


def test_shelljob_outside_a_graph_and_a_bad_command() -> None:
    """Outside ``with WorkGraph()`` the task goes to the current graph, as any task call (upstream's behaviour); a
    command that is neither a string nor a code raises."""
    from aiida_workgraph.manager import get_current_graph, set_current_graph

    set_current_graph(None)
    try:
        shelljob(command='echo')
        graph = get_current_graph()
        assert isinstance(graph, WorkGraph)
        assert 'ShellJob' in [task.name for task in graph.tasks]
    finally:
        set_current_graph(None)
    with WorkGraph('shell_bad_command'), pytest.raises(TypeError, match='must be a string or an AiiDA code'):
        shelljob(command=3)


def test_add_task_with_shelljob_and_a_computer_set_after(localhost: orm.Computer) -> None:
    """``wg.add_task(shelljob, name=..., command=..., ...)`` takes the arguments of ``shelljob``; a ``Computer`` set
    afterwards on ``metadata.computer`` is kept as its label and the job runs there. Several links into ``nodes``
    and a link into one of its items are links."""
    from aiida_workgraph.tasks.shelljob_task import ShellJobTask

    wg = WorkGraph('shell_add_task')
    first = wg.add_task(
        shelljob,
        name='first',
        command='cat',
        arguments=['{file_a}', '{file_b}'],
        nodes={'file_a': orm.SinglefileData.from_string('a'), 'file_b': orm.SinglefileData.from_string('b')},
    )
    assert isinstance(first, ShellJobTask)
    first.set_inputs({'metadata.computer': localhost})
    second = wg.add_task(shelljob, name='second', command='cat', arguments=['{text}'], nodes={'text': None})
    wg.add_link(first.outputs.stdout, second.inputs['nodes.text'])
    assert 'nodes.text' in second.inputs
    wg.run()

    assert first.process.is_finished_ok, first.process.exit_message
    assert first.process.computer.label == localhost.label
    assert second.outputs.stdout.value.get_content() == 'ab'


def test_command_linked_from_a_graph_task_input() -> None:
    """Inside a ``@task.graph`` function the command is a graph input (a ``Str`` when the job launches)."""
    from aiida_workgraph import task

    @task.graph()
    def sum_in_shell(x, y, command: str):
        return shelljob(command=command, arguments=['{x}', '+', '{y}'], nodes={'x': x, 'y': y}).stdout

    wg = sum_in_shell.build(x=orm.Int(2), y=orm.Int(3), command='echo')
    wg.run()
    assert wg.outputs.result.value.get_content().strip() == '2 + 3'

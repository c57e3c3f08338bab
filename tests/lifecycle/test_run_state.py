"""State after a run and the lifecycle, as upstream aiida-workgraph 0.9.0 shows them: the process status cleared when
the graph ends, ``wait()`` for task states and its timeout message, ``restart()`` of a saved process, an engine made
from upstream's input layout, and ``workgraph task list`` in upstream's layout."""

from __future__ import annotations

from typing import Any

import pytest
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.engine import ProcessState
from click.testing import CliRunner
from tasks_for_tests import add

from aiida_workgraph import WorkGraph
from aiida_workgraph.cli.cmd_workgraph import task_list


def two_adds(name: str) -> WorkGraph:
    """``add1 -> add2``."""
    wg = WorkGraph(name)
    add1 = wg.add_task(add, name='add1', x=1, y=2)
    wg.add_task(add, name='add2', x=add1.outputs.result, y=3)
    return wg


def test_process_status_is_cleared_when_the_graph_ends(bash_code: Any) -> None:
    """The engine says what it waits for while a CalcJob runs; once the graph ended, no status is left (as upstream:
    ``verdi process list`` shows none)."""
    wg = WorkGraph('status_cleared')
    job = wg.add_task(ArithmeticAddCalculation, name='job', x=1, y=2, code=bash_code)
    wg.add_task(add, name='after', x=job.outputs.sum, y=1)
    wg.run()

    assert wg.process.is_finished_ok
    assert wg.process.process_status is None
    assert wg.tasks['after'].outputs.result.value == 4


def test_restart_of_a_saved_process_runs_every_task() -> None:
    """``restart()`` of a process that was saved and never ran (upstream allows it): nothing to reuse, a new process
    runs every task with the changed inputs; the saved process is left created."""
    wg = two_adds('restart_saved')
    saved = wg.save()
    loaded = WorkGraph.load(saved.pk)
    loaded.restart()
    assert loaded.process is None
    loaded.tasks['add1'].set_inputs({'y': 10})
    loaded.run()

    assert loaded.process.pk != saved.pk
    assert loaded.process.is_finished_ok
    assert loaded.tasks['add2'].outputs.result.value == 14
    assert saved.process_state == ProcessState.CREATED


def test_restart_of_a_running_process_is_refused() -> None:
    """A process that started and has not ended cannot be restarted from (its finished tasks are still changing)."""
    wg = two_adds('restart_waiting')
    node = wg.save()
    node.set_process_state(ProcessState.WAITING)
    with pytest.raises(ValueError, match=r'has not ended \(it is waiting\)'):
        WorkGraph.load(node.pk).restart()


def test_wait_for_task_states_and_the_timeout_message() -> None:
    """``wait(tasks={task: [states]})`` returns once each task is in one of its states; the timeout message starts
    with upstream's words and names the process, its state and the tasks not ended."""
    wg = two_adds('wait_states')
    wg.save()
    wg.wait(tasks={'add1': ['PLANNED']}, timeout=1, interval=0.1)
    with pytest.raises(TimeoutError) as info:
        wg.wait(tasks={'add1': ['RUNNING']}, timeout=1, interval=0.2)
    message = str(info.value)
    assert message.startswith(f'Timeout reached after 1 seconds while waiting for the WorkGraph: {wg.pk}. ')
    assert f'WorkGraph<{wg.pk}> (CREATED)' in message
    assert 'add1 (PLANNED)' in message
    with pytest.raises(ValueError, match='has no tasks named nosuch'):
        wg.wait(tasks={'nosuch': ['RUNNING']}, timeout=1)


def test_wait_for_ended_tasks_of_a_finished_graph() -> None:
    """A finished task satisfies any wanted state (it will never reach another one), and a list of names waits until
    they ended."""
    wg = two_adds('wait_finished')
    wg.run()
    wg.wait(tasks={'add2': ['RUNNING']}, timeout=1)
    wg.wait(tasks=['add1', 'add2'], timeout=1)
    assert wg.tasks['add2'].state == 'FINISHED'


def test_engine_from_upstream_input_layout() -> None:
    """``WorkGraphEngine(inputs={'workgraph_data': graph dict})``, the layout upstream's engine takes, makes a process
    of that graph (here an empty one, as upstream's test fixture makes)."""
    from aiida.manage import get_manager

    from aiida_workgraph.engine.workgraph import WorkGraphEngine

    runner = get_manager().create_runner(communicator=None)
    engine = WorkGraphEngine(
        inputs={'workgraph_data': {'name': 'test', 'state': '', 'tasks': {}, 'links': []}}, runner=runner
    )
    assert engine.node.is_stored
    assert engine.node.process_label == 'WorkGraph<test>'
    assert engine.structure['tasks'] == {}


def test_task_list_in_upstream_layout() -> None:
    """``workgraph task list PK``: a header with the graph's name, pk and state, then the columns Name, PK, State
    (upstream's widths: ``ArithmeticAddCalculation        PLANNED``), the graph-level tasks included."""
    wg = WorkGraph('cli_layout')
    wg.add_task(add, name='ArithmeticAddCalculation', x=1, y=2)
    wg.save()
    result = CliRunner().invoke(task_list, [str(wg.pk)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == lines[2] == lines[-1] == '-' * 80
    assert lines[1] == f'WorkGraph: cli_layout, PK: {wg.pk}, State: CREATED'
    assert lines[3] == 'Tasks:'
    assert 'ArithmeticAddCalculation        PLANNED' in result.output
    assert [line.split()[0] for line in lines[6:-1]] == [
        'graph_inputs',
        'graph_outputs',
        'graph_ctx',
        'ArithmeticAddCalculation',
    ]

    wg = two_adds('cli_finished')
    wg.run()
    lines = CliRunner().invoke(task_list, [str(wg.pk)]).output.splitlines()
    assert lines[1] == f'WorkGraph: cli_finished, PK: {wg.pk}, State: FINISHED'
    rows = {line.split()[0]: line.split()[1:] for line in lines[6:-1]}
    assert rows['add1'] == [str(wg.tasks['add1'].process.pk), 'FINISHED']
    assert rows['graph_inputs'] == ['FINISHED']


def test_to_dict_has_upstream_top_level_keys() -> None:
    """``wg.to_dict()`` has upstream 0.9.0's top-level keys (``connectivity`` aside); ``process`` is the UUID of the
    graph's process once it ran, and the dict still rebuilds the graph."""
    wg = two_adds('to_dict_keys')
    data = wg.to_dict()
    for key in ('restart_process', 'max_iteration', 'max_number_jobs', 'error_handlers', 'process'):
        assert key in data
    assert data['process'] is None
    assert data['max_number_jobs'] == wg.max_number_jobs
    rebuilt = WorkGraph.from_dict(data)
    assert [task.name for task in rebuilt.tasks] == [task.name for task in wg.tasks]
    wg.run()
    assert wg.to_dict()['process'] == wg.process.uuid
    assert 'process' not in wg.process.get_structure()

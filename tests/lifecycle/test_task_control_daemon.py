"""Pausing, playing, killing and resetting tasks of a WorkGraph running in a real daemon, through the broker."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from aiida.manage import get_manager
from click.testing import CliRunner
from lifecycle.lifecycle_tasks import scale_positive

from aiida_workgraph import WorkGraph
from aiida_workgraph.cli.cmd_workgraph import workgraph
from aiida_workgraph.engine.task_control import TaskControlError, send_task_action

pytestmark = pytest.mark.daemon

TIMEOUT = 180


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds.

    :raises AssertionError: naming ``what`` if it does not hold within :data:`TIMEOUT` seconds.
    """
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        time.sleep(0.3)


def task_state(wg: WorkGraph, name: str) -> str:
    """The state of task ``name``, refreshed from the database."""
    wg.update()
    return wg.tasks[name].state


def calls(node: orm.ProcessNode, label: str) -> list[orm.ProcessNode]:
    """The processes ``node`` called with the CALL link label ``label``."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return [link.node for link in links if link.link_label == label]


@pytest.fixture
def slow_code(aiida_code_installed: Callable[..., Any]) -> orm.InstalledCode:
    """A bash code for ``ArithmeticAddCalculation`` whose jobs sleep 4 s (long enough to act while they run)."""
    return aiida_code_installed(
        label='bash-sleep-4',
        default_calc_job_plugin='core.arithmetic.add',
        filepath_executable='/bin/bash',
        prepend_text='sleep 4',
    )


@pytest.fixture
def endless_code(aiida_code_installed: Callable[..., Any]) -> orm.InstalledCode:
    """A bash code whose jobs sleep 300 s: they end only when killed."""
    return aiida_code_installed(
        label='bash-sleep-300',
        default_calc_job_plugin='core.arithmetic.add',
        filepath_executable='/bin/bash',
        prepend_text='sleep 300',
    )


def slow_then_after(code: orm.InstalledCode) -> WorkGraph:
    """``slow`` (a CalcJob) -> ``after`` (a calcfunction), and an independent ``quick``."""
    wg = WorkGraph('task_control')
    slow = wg.add_task(ArithmeticAddCalculation, name='slow', x=orm.Int(1), y=orm.Int(2), code=code)
    wg.add_task(scale_positive, name='after', x=slow.outputs.sum)
    wg.add_task(scale_positive, name='quick', x=5)
    return wg


def test_paused_task_holds_the_graph_until_played(started_daemon_client: Any, slow_code: orm.InstalledCode) -> None:
    """A planned task paused while its parent runs: the parent finishes, the graph waits (it does not finish) with
    the task PAUSED; played, the task runs and the graph ends 0."""
    wg = slow_then_after(slow_code)
    node = wg.submit()
    wait_for(lambda: task_state(wg, 'slow') == 'RUNNING', 'slow to run')

    assert wg.pause_tasks(['after']) == {'after': 'paused'}
    assert wg.tasks['after'].state == 'PAUSED'
    status = 'Waiting for tasks: none; paused: after'
    wait_for(lambda: orm.load_node(node.pk).process_status == status, 'the engine to wait on the paused task only')
    assert task_state(wg, 'slow') == 'FINISHED'
    assert not orm.load_node(node.pk).is_terminated
    assert calls(node, 'after') == []

    assert wg.play_tasks(['after']) == {'after': 'planned again'}
    wg.wait(timeout=TIMEOUT, interval=0.5)
    assert node.exit_status == 0, get_workchain_report(node, 'REPORT')
    assert wg.tasks['after'].outputs.result.value.value == 30


def test_kill_a_running_task_kills_its_process(started_daemon_client: Any, endless_code: orm.InstalledCode) -> None:
    """Killing a running task kills its CalcJob; the task is KILLED, its dependant SKIPPED, the rest finishes and
    the graph ends 302."""
    wg = slow_then_after(endless_code)
    node = wg.submit()
    wait_for(lambda: task_state(wg, 'slow') == 'RUNNING', 'slow to run')
    job = wg.tasks['slow'].process

    assert wg.kill_tasks(['slow']) == {'slow': f'its process <{job.pk}> was asked to stop'}
    wg.wait(timeout=TIMEOUT, interval=0.5)

    assert orm.load_node(job.pk).is_killed
    assert node.exit_status == 302
    assert {name: wg.tasks[name].state for name in ('slow', 'after', 'quick')} == {
        'slow': 'KILLED',
        'after': 'SKIPPED',
        'quick': 'FINISHED',
    }
    assert 'killed' in wg.tasks['slow'].log


def test_cli_pause_and_kill_a_planned_task(started_daemon_client: Any, endless_code: orm.InstalledCode) -> None:
    """``workgraph task pause|kill PROCESS TASKS``: a paused planned task is killed before it ran; wrong task names
    and ended processes are refused with a message."""
    wg = slow_then_after(endless_code)
    node = wg.submit()
    wait_for(lambda: task_state(wg, 'slow') == 'RUNNING', 'slow to run')
    runner = CliRunner()

    result = runner.invoke(workgraph, ['task', 'play', str(node.pk), 'nope'])
    assert result.exit_code != 0
    assert result.output.strip() == f'Critical: WorkGraph<{node.pk}> has no tasks named nope'
    result = runner.invoke(workgraph, ['task', 'pause', str(node.pk), 'after'])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == 'after: paused'
    result = runner.invoke(workgraph, ['task', 'kill', str(node.pk), 'after'])
    assert result.output.strip() == 'after: killed'
    result = runner.invoke(workgraph, ['task', 'kill', str(node.pk), 'slow'])
    assert result.output.strip().startswith('slow: its process <')

    wg.wait(timeout=TIMEOUT, interval=0.5)
    assert node.exit_status == 302
    assert {name: wg.tasks[name].state for name in ('slow', 'after')} == {'slow': 'KILLED', 'after': 'KILLED'}
    assert calls(node, 'after') == []
    result = runner.invoke(workgraph, ['task', 'play', str(node.pk), 'after'])
    assert result.exit_code != 0
    assert f'WorkGraph<{node.pk}> has ended (finished)' in result.output


def test_reset_a_finished_task_runs_it_again(started_daemon_client: Any, slow_code: orm.InstalledCode) -> None:
    """``reset_tasks`` on a task that finished while the graph still runs: it runs again as a new process."""
    wg = slow_then_after(slow_code)
    node = wg.submit()
    wait_for(lambda: task_state(wg, 'quick') == 'FINISHED' and wg.tasks['slow'].state == 'RUNNING', 'quick to end')
    first = wg.tasks['quick'].pk

    done = wg.reset_tasks(['quick'])
    assert done == {'quick': 'planned again, with the tasks that depend on it'}
    wg.wait(timeout=TIMEOUT, interval=0.5)

    assert node.exit_status == 0, get_workchain_report(node, 'REPORT')
    assert len(calls(node, 'quick')) == 2
    assert wg.tasks['quick'].pk != first


def test_play_a_paused_graph(started_daemon_client: Any, slow_code: orm.InstalledCode) -> None:
    """``play()`` plays a WorkGraph process that was paused (``verdi process pause``)."""
    wg = slow_then_after(slow_code)
    node = wg.submit()
    wait_for(lambda: task_state(wg, 'slow') == 'RUNNING', 'slow to run')
    get_manager().get_process_controller().pause_process(node.pk).result(timeout=TIMEOUT)
    wait_for(lambda: orm.load_node(node.pk).paused, 'the graph to pause')

    wg.play()
    wg.wait(timeout=TIMEOUT, interval=0.5)
    assert node.exit_status == 0


def test_task_control_errors(started_daemon_client: Any) -> None:
    """No process, an ended process, a process nobody runs (saved), an unknown action: clear errors."""
    wg = WorkGraph('task_control_errors')
    wg.add_task(scale_positive, name='a', x=1)
    with pytest.raises(ValueError, match='has no process: submit'):
        wg.pause_tasks(['a'])
    saved = wg.save()
    with pytest.raises(TaskControlError, match=rf'WorkGraph<{saved.pk}> did not answer the PAUSE request'):
        send_task_action(saved.pk, 'pause', ['a'], timeout=2)
    with pytest.raises(ValueError, match="unknown task action 'hold'; use one of PAUSE, PLAY, KILL, RESET"):
        send_task_action(saved.pk, 'hold', ['a'])
    with pytest.raises(ValueError, match='name the tasks'):
        send_task_action(saved.pk, 'kill', [])
    done = WorkGraph('task_control_done')
    done.add_task(scale_positive, name='a', x=1)
    done.run()
    with pytest.raises(ValueError, match=rf'WorkGraph<{done.pk}> has ended \(finished\): its tasks cannot be killed'):
        done.kill_tasks(['a'])

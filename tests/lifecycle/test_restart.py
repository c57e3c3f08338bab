"""``restart()``, ``reset()`` and ``wait()``: a new process reuses the unchanged finished tasks of an ended one."""

from __future__ import annotations

import pytest
from aiida import orm
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from aiida.engine import ProcessState
from lifecycle.lifecycle_tasks import scale_positive
from tasks_for_tests import add

from aiida_workgraph import WorkGraph


def called(node: orm.ProcessNode) -> dict[str, orm.ProcessNode]:
    """The processes ``node`` called, by CALL link label."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return {link.link_label: link.node for link in links}


def processes(wg: WorkGraph) -> dict[str, int | None]:
    """``{task: pk of its process}`` for the user's tasks."""
    return {task.name: task.pk for task in wg.tasks if task.name in ('a', 'b', 'c', 'd')}


def build() -> WorkGraph:
    """``a -> d`` and ``b -> c``; ``b`` fails (exit status 410) because its ``x`` is negative."""
    wg = WorkGraph('restart_graph')
    a = wg.add_task(scale_positive, name='a', x=1)
    b = wg.add_task(scale_positive, name='b', x=-1)
    c = wg.add_task(scale_positive, name='c', x=b.outputs.result)
    d = wg.add_task(add, name='d', x=a.outputs.result, y=1)
    wg.outputs.c = c.outputs.result
    wg.outputs.d = d.outputs.result
    return wg


def test_restart_after_a_failed_task_reuses_the_others() -> None:
    """The failed task's input is fixed; the new process runs ``b`` and ``c`` only, and takes ``a`` and ``d`` (their
    processes and results) from the old one."""
    wg = build()
    wg.run()
    old = wg.process
    assert old.exit_status == 302
    before = processes(wg)

    wg.restart()
    assert wg.process is None
    wg.tasks['b'].set_inputs({'x': 2})
    outputs = wg.run()

    assert wg.process.pk != old.pk
    assert wg.process.exit_status == 0, get_workchain_report(wg.process, 'REPORT')
    assert set(called(wg.process)) == {'b', 'c'}
    after = processes(wg)
    assert after['a'] == before['a'] and after['d'] == before['d']
    assert after['b'] != before['b']
    assert outputs['c'].value == 200
    assert outputs['d'].value == 11
    old_d = orm.load_node(before['d'])
    assert outputs['d'].pk == old_d.outputs.result.pk  # the old result, linked as the new graph's output
    assert {name: wg.tasks[name].state for name in 'abcd'} == dict.fromkeys('abcd', 'FINISHED')
    assert f'Restarted from WorkGraph<{old.pk}>: reusing the finished tasks a, d' in get_workchain_report(
        wg.process, 'REPORT'
    )
    assert wg.process.get_structure()['restart_from'] == old.pk


def test_restart_of_a_finished_graph_runs_nothing_unless_an_input_changed() -> None:
    """A loaded, finished graph restarted as it is calls no process; a changed input re-runs its task and the
    tasks that depend on it."""
    wg = build()
    wg.tasks['b'].set_inputs({'x': 3})
    wg.run()
    first = wg.process

    again = WorkGraph.load(first.pk)
    again.restart()
    again.run()
    assert again.process.exit_status == 0
    assert called(again.process) == {}
    assert processes(again) == processes(wg)

    changed = WorkGraph.load(first.pk)
    changed.restart()
    changed.tasks['a'].set_inputs({'x': 5})
    outputs = changed.run()
    assert set(called(changed.process)) == {'a', 'd'}
    assert outputs['d'].value == 51
    assert processes(changed)['c'] == processes(wg)['c']


def test_restart_refuses_a_graph_without_an_ended_process() -> None:
    """No process yet, or a process that started and has not ended: ``restart()`` says why, changing nothing (a saved
    process that never ran can be restarted from, see ``test_run_state``)."""
    wg = build()
    with pytest.raises(ValueError, match='has no process to restart from'):
        wg.restart()
    node = wg.save()
    node.set_process_state(ProcessState.RUNNING)
    with pytest.raises(ValueError, match=rf'WorkGraph<{node.pk}> has not ended \(it is running\)'):
        wg.restart()
    assert wg.process.pk == node.pk


def test_reset_runs_everything_again() -> None:
    """After ``reset()`` the graph runs as a new process that reuses nothing, also after a ``restart()``."""
    wg = build()
    wg.tasks['b'].set_inputs({'x': 3})
    wg.run()
    first = processes(wg)
    wg.restart()
    wg.reset()
    assert wg.process is None
    assert {task.state for task in wg.tasks} == {'PLANNED'}
    wg.run()
    assert set(called(wg.process)) == {'a', 'b', 'c', 'd'}
    assert all(processes(wg)[name] != first[name] for name in first)
    assert 'restart_from' not in wg.process.get_structure()


def test_wait_errors_are_clear() -> None:
    """``wait()`` without a process, for unknown tasks, and past its timeout (a saved process nobody runs)."""
    wg = build()
    with pytest.raises(ValueError, match='has no process to wait for'):
        wg.wait()
    node = wg.save()
    with pytest.raises(ValueError, match=f'WorkGraph<{node.pk}> has no tasks named nope'):
        wg.wait(tasks=['nope'])
    with pytest.raises(TimeoutError) as info:
        wg.wait(timeout=0.2, interval=0.1)
    message = str(info.value)
    assert f'WorkGraph<{node.pk}> (CREATED) did not end within 0.2 s' in message
    assert 'a (PLANNED)' in message and 'c (PLANNED)' in message
    with pytest.raises(TimeoutError, match=r'tasks not ended: b \(PLANNED\)$'):
        wg.wait(timeout=0.1, tasks=['b'], interval=0.05)

"""Monitors (``@task.monitor``, ``workgraph.monitor_*``) and ``async def`` tasks, awaited on the engine's event loop."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from aiida import orm
from aiida.common.links import LinkType
from lifecycle.lifecycle_tasks import async_add, file_appears, meet, scale_positive, write_file

from aiida_workgraph import WorkGraph, task


def called(node: orm.ProcessNode) -> dict[str, orm.ProcessNode]:
    """The processes ``node`` called, by CALL link label."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return {link.link_label: link.node for link in links}


def test_monitor_waits_without_blocking_other_tasks(tmp_path: Path) -> None:
    """A monitor waits for a file that another task of the same graph writes later: the engine goes on while the
    monitor waits, then the task after the monitor runs."""
    flag = str(tmp_path / 'flag.txt')
    wg = WorkGraph('monitor_file_written_later')
    monitor = wg.add_task(file_appears, name='wait_flag', path=flag, interval=0.1, timeout=120)
    first = wg.add_task(scale_positive, name='first', x=1)
    writer = wg.add_task(write_file, name='writer', path=flag)
    first >> writer
    after = wg.add_task(scale_positive, name='after', x=2)
    monitor >> after

    wg.run()

    assert wg.process.exit_status == 0
    children = called(wg.process)
    assert children['wait_flag'].process_label == 'file_appears'
    assert children['wait_flag'].exit_status == 0
    assert children['writer'].pk < children['after'].pk
    assert wg.tasks['wait_flag'].state == 'FINISHED'
    assert wg.tasks['after'].outputs.result.value.value == 20


def test_monitor_timeout_fails_with_exit_status_324(tmp_path: Path) -> None:
    """A condition that never holds: after ``timeout`` the monitor ends with 324, its dependants are skipped."""
    wg = WorkGraph('monitor_timeout')
    monitor = wg.add_task(file_appears, name='never', path=str(tmp_path / 'never.txt'), interval=0.1, timeout=0.5)
    after = wg.add_task(scale_positive, name='after', x=1)
    monitor >> after

    wg.run()

    assert wg.process.exit_status == 302
    assert wg.tasks['never'].state == 'FAILED'
    assert wg.tasks['never'].process.exit_status == 324
    assert 'timed out' in wg.tasks['never'].log
    assert wg.tasks['after'].state == 'SKIPPED'


def test_builtin_monitors(tmp_path: Path) -> None:
    """``workgraph.monitor_time`` (a past moment), ``monitor_file`` and ``monitor_task`` (a task of a finished
    WorkGraph, by pk and by name) all hold at once."""
    done = WorkGraph('monitor_target')
    done.add_task(scale_positive, name='target', x=3)
    done.run()
    path = tmp_path / 'there.txt'
    path.write_text('x')
    past = (datetime.datetime.now() - datetime.timedelta(seconds=5)).isoformat()

    wg = WorkGraph('builtin_monitors')
    wg.add_task('workgraph.monitor_time', name='time', time=past, interval=0.1, timeout=30)
    wg.add_task('workgraph.monitor_file', name='file', filepath=str(path), interval=0.1, timeout=30)
    wg.add_task('workgraph.monitor_task', name='by_pk', task_name='target', workgraph_pk=done.pk, interval=0.1)
    wg.add_task(
        'workgraph.monitor_task', name='by_name', task_name='target', workgraph_name='monitor_target', interval=0.1
    )
    wg.run()

    assert wg.process.exit_status == 0
    assert {name: wg.tasks[name].state for name in ('time', 'file', 'by_pk', 'by_name')} == dict.fromkeys(
        ('time', 'file', 'by_pk', 'by_name'), 'FINISHED'
    )
    assert all(wg.tasks[name].process.process_label.startswith('monitor_') for name in ('time', 'file', 'by_pk'))


def test_time_monitor_takes_a_datetime() -> None:
    """``monitor_time(time=datetime)`` (upstream's tests pass one) waits until that moment, then holds."""
    from aiida_workgraph.tasks.monitors import monitor_time

    moment = datetime.datetime.now() + datetime.timedelta(seconds=1)
    wg = WorkGraph('monitor_datetime')
    monitor = wg.add_task(monitor_time, name='soon', time=moment, interval=0.2, timeout=30)
    wg.run()

    assert wg.process.is_finished_ok
    assert monitor.process.is_finished_ok
    assert monitor.process.mtime >= moment.astimezone()


def test_monitor_arguments_cannot_shadow_its_inputs() -> None:
    """A monitor function with an argument named ``timeout`` is refused: that name is the monitor's own input."""

    def wait_for(timeout: int) -> bool:
        return True

    with pytest.raises(ValueError, match=r"cannot have the arguments \['timeout'\]"):
        task.monitor(wait_for)


def test_async_tasks_run_concurrently(tmp_path: Path) -> None:
    """Two ``async def`` tasks that each wait for the other's file: they finish only because they run at the same
    time on the engine's event loop; a third adds their results."""
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    wg = WorkGraph('async_meet')
    left = wg.add_task(meet, name='left', mine=one, other=two)
    right = wg.add_task(meet, name='right', mine=two, other=one)
    total = wg.add_task(async_add, name='total', x=1, y=2)
    left >> total
    right >> total

    wg.run()

    assert wg.process.exit_status == 0
    assert wg.tasks['left'].outputs.result.value.value == 'one'
    assert wg.tasks['right'].outputs.result.value.value == 'two'
    assert wg.tasks['total'].outputs.result.value.value == 3
    assert wg.tasks['left'].spec.task_type == 'ASYNC'
    assert isinstance(wg.tasks['left'].process, orm.CalcFunctionNode)

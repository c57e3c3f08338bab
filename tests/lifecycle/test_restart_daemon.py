"""``restart()`` through a real daemon: after a failed task, and after the graph was killed while a job ran."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from aiida.engine.processes.control import kill_processes
from lifecycle.lifecycle_tasks import scale_positive
from tasks_for_tests import add

from aiida_workgraph import WorkGraph

pytestmark = pytest.mark.daemon

TIMEOUT = 180


def called(node: orm.ProcessNode) -> set[str]:
    """The CALL link labels of ``node``."""
    return set(node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all_link_labels())


def test_daemon_restart_after_a_failed_task(started_daemon_client: Any) -> None:
    """Submitted, ``b`` fails; restarted with a fixed input, the new process runs only ``b`` and ``c``."""
    wg = WorkGraph('daemon_restart')
    a = wg.add_task(scale_positive, name='a', x=1)
    b = wg.add_task(scale_positive, name='b', x=-1)
    wg.add_task(scale_positive, name='c', x=b.outputs.result)
    wg.add_task(add, name='d', x=a.outputs.result, y=1)
    first = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)
    assert first.exit_status == 302
    a_pk, d_pk = wg.tasks['a'].pk, wg.tasks['d'].pk

    wg.restart()
    wg.tasks['b'].set_inputs({'x': 4})
    second = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert second.exit_status == 0, get_workchain_report(second, 'REPORT')
    assert called(second) == {'b', 'c'}
    assert (wg.tasks['a'].pk, wg.tasks['d'].pk) == (a_pk, d_pk)
    assert wg.tasks['c'].outputs.result.value.value == 400


def test_daemon_restart_after_kill(
    started_daemon_client: Any, aiida_code_installed: Callable[..., Any], bash_code: orm.InstalledCode
) -> None:
    """The graph is killed while a slow job runs (its quick tasks done); the restart reuses the quick tasks and
    runs the job again, now with a fast code."""
    slow_code = aiida_code_installed(
        label='bash-slow',
        default_calc_job_plugin='core.arithmetic.add',
        filepath_executable='/bin/bash',
        prepend_text='sleep 60',
    )
    wg = WorkGraph('daemon_restart_killed')
    a = wg.add_task(scale_positive, name='a', x=2)
    wg.add_task(add, name='d', x=a.outputs.result, y=1)
    wg.add_task(ArithmeticAddCalculation, name='job', x=orm.Int(1), y=orm.Int(2), code=slow_code)
    node = wg.submit()
    wg.wait(tasks=['a', 'd'], timeout=TIMEOUT, interval=0.5)
    deadline = time.monotonic() + TIMEOUT
    while wg.tasks['job'].state != 'RUNNING' and time.monotonic() < deadline:
        time.sleep(0.5)
        wg.update()
    kill_processes([node], timeout=TIMEOUT)
    wg.wait(timeout=TIMEOUT, interval=0.5)
    assert node.is_killed
    a_pk, d_pk = wg.tasks['a'].pk, wg.tasks['d'].pk

    wg.restart()
    wg.tasks['job'].set_inputs({'code': bash_code})
    second = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert second.exit_status == 0, get_workchain_report(second, 'REPORT')
    assert called(second) == {'job'}
    assert (wg.tasks['a'].pk, wg.tasks['d'].pk) == (a_pk, d_pk)
    assert wg.tasks['job'].outputs.sum.value.value == 3

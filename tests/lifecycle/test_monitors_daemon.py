"""A monitor waiting in a daemon worker: the graph's checkpoint loads after the daemon restarts meanwhile."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from aiida import orm
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from lifecycle.lifecycle_tasks import async_add, file_appears

from aiida_workgraph import WorkGraph

pytestmark = pytest.mark.daemon

TIMEOUT = 180


def test_monitor_survives_a_daemon_restart(started_daemon_client: Any, tmp_path: Path) -> None:
    """The daemon stops while the monitor waits; started again, the worker loads the WorkGraph's checkpoint, seals
    the monitor's unfinished process and runs the monitor again, which sees the file and lets the graph finish."""
    flag = tmp_path / 'flag.txt'
    wg = WorkGraph('monitor_daemon_restart')
    monitor = wg.add_task(file_appears, name='wait_flag', path=str(flag), interval=0.2, timeout=TIMEOUT)
    total = wg.add_task(async_add, name='total', x=2, y=3)
    monitor >> total
    node = wg.submit()
    deadline = time.monotonic() + TIMEOUT
    while True:
        wg.update()
        if wg.tasks['wait_flag'].state == 'RUNNING':
            break
        assert time.monotonic() < deadline, 'the monitor did not start'
        time.sleep(0.3)

    started_daemon_client.stop_daemon(wait=True)
    assert not orm.load_node(node.pk).is_terminated
    started_daemon_client.start_daemon()
    flag.write_text('now')
    wg.wait(timeout=TIMEOUT, interval=0.5)

    assert node.exit_status == 0, get_workchain_report(node, 'REPORT')
    links = node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()
    monitors = sorted((link.node for link in links if link.link_label == 'wait_flag'), key=lambda child: child.pk)
    assert monitors[-1].exit_status == 0
    assert len(monitors) == 2
    assert monitors[0].is_excepted
    assert wg.tasks['total'].outputs.result.value.value == 5


def test_monitor_timeout_in_the_daemon(started_daemon_client: Any, tmp_path: Path) -> None:
    """Submitted, a monitor whose condition never holds ends with exit status 324 at its timeout; the graph 302."""
    wg = WorkGraph('monitor_daemon_timeout')
    wg.add_task(file_appears, name='never', path=str(tmp_path / 'never.txt'), interval=0.2, timeout=1)
    node = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert node.exit_status == 302
    assert wg.tasks['never'].state == 'FAILED'
    assert wg.tasks['never'].process.exit_status == 324
    assert 'Monitor function execution timed out' in wg.tasks['never'].log

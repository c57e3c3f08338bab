"""A daemon of this package never turns a WorkGraph that upstream aiida-workgraph 0.9.0 left unfinished into Excepted.

The imported ``upstream_unfinished`` graph (see ``conftest.py``) carries the checkpoint upstream wrote while its
CalcJob was waiting. The test sends the broker task that upstream's ``submit()`` had sent (continue, ``nowait=False``)
to a running daemon of this package, as happens when the package is switched while the graph runs.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiida import orm
from aiida.manage import get_manager

from aiida_workgraph.orm.upstream_graph import HOLD_REPORT, HOLD_STATUS

TIMEOUT = 60


def _hold_reports(node: orm.ProcessNode) -> list[str]:
    return [log.message for log in orm.Log.collection.get_logs_for(node) if 'UpstreamWorkGraphHold' in log.message]


def _wait_for(condition: Any, message: Any) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message())
        time.sleep(0.5)


@pytest.mark.daemon
def test_unfinished_upstream_graph_is_held(
    upstream_graphs: dict[str, orm.WorkflowNode], upstream_checkpoint: str, started_daemon_client: Any
) -> None:
    """The daemon leaves the node and its checkpoint as they are, reports one line with the way forward, and waits.

    The process answers the broker: paused and played like any process, killed when asked (``verdi process kill``).
    """
    node = upstream_graphs['upstream_unfinished']
    attributes = {key: value for key, value in node.base.attributes.all.items() if key != 'process_status'}
    controller = get_manager().get_process_controller()
    controller.continue_process(node.pk, nowait=False, no_reply=True)

    def log() -> str:
        with open(started_daemon_client.daemon_log_file, encoding='utf-8') as handle:
            return handle.read()[-5000:]

    _wait_for(lambda: _hold_reports(node), lambda: f'no report line on WorkGraph<{node.pk}>:\n{log()}')
    node = orm.load_node(node.pk)
    assert node.process_state.value == 'waiting'
    assert not node.is_sealed
    assert not node.is_excepted
    assert node.process_status == HOLD_STATUS
    assert node.base.attributes.get('checkpoints') == upstream_checkpoint
    assert {key: value for key, value in node.base.attributes.all.items() if key != 'process_status'} == attributes
    reports = _hold_reports(node)
    assert len(reports) == 1
    assert reports[0].endswith(HOLD_REPORT.format(version='0.9.0', pk=node.pk))
    assert 'finish it with aiida-workgraph 0.9.0' in reports[0]
    assert f'WorkGraph.load({node.pk}).restart()' in reports[0]

    controller.pause_process(node.pk).result(timeout=TIMEOUT)
    _wait_for(lambda: orm.load_node(node.pk).paused, lambda: f'WorkGraph<{node.pk}> was not paused:\n{log()}')
    controller.play_process(node.pk).result(timeout=TIMEOUT)
    _wait_for(lambda: not orm.load_node(node.pk).paused, lambda: f'WorkGraph<{node.pk}> was not played:\n{log()}')
    assert orm.load_node(node.pk).base.attributes.get('checkpoints') == upstream_checkpoint
    assert len(_hold_reports(node)) == 1

    controller.kill_process(node.pk, msg_text='killed by the test')
    _wait_for(lambda: orm.load_node(node.pk).is_killed, lambda: f'WorkGraph<{node.pk}> was not killed:\n{log()}')
    node = orm.load_node(node.pk)
    assert node.is_sealed
    assert not node.is_excepted

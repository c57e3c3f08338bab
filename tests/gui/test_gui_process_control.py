"""The Pause, Play and Kill actions of the GUI's process tables on a WorkGraph run by this package's daemon.

aiida-gui sends them to aiida-core's process control (``/api/process/pause|play|kill/<pk>``, also under
``/plugins/workgraph/api/workgraph/...``), which reaches the engine through the broker; the page's state polling
goes on answering while the graph is paused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm

pytestmark = pytest.mark.daemon

TIMEOUT = 90


def wait_until(condition: Callable[[], bool], what: str, node: orm.ProcessNode) -> None:
    """Poll ``condition`` every 0.3 s, at most :data:`TIMEOUT` seconds.

    :raises AssertionError: saying what was awaited and the state of the process, if it does not hold in time.
    """
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'{what}: not within {TIMEOUT} s ({node.process_state}, status {node.process_status})')
        time.sleep(0.3)


def finished_increments(node: orm.ProcessNode) -> int:
    """How many ``increment`` processes the graph has called so far."""
    query = orm.QueryBuilder().append(orm.ProcessNode, filters={'id': node.pk}, tag='graph')
    query.append(orm.ProcessNode, with_incoming='graph', edge_filters={'label': 'increment'})
    return query.count()


def test_pause_play_and_kill_from_the_gui(started_daemon_client: Any, gui_client: Any) -> None:
    """Pause stops the graph between two tasks, Play lets it go on, Kill ends it; the page data follows."""
    from gui.gui_graph import build_long_loop

    wg = build_long_loop()
    node = wg.submit()
    wait_until(lambda: finished_increments(node) >= 2, 'two iterations', node)

    response = gui_client.post(f'/api/process/pause/{node.pk}')
    assert response.status_code == 200, response.text
    wait_until(lambda: node.paused, 'paused', node)
    done = finished_increments(node)
    time.sleep(2)
    assert finished_increments(node) <= done + 1  # at most the task in flight when the pause arrived
    states = gui_client.get(f'/plugins/workgraph/api/workgraph-state/{node.pk}').json()
    assert states['increment']['pk'] is not None
    assert states['increment']['process_type'] == 'aiida_pythonjob.calculations.pyfunction.PyFunction'
    assert gui_client.get(f'/plugins/workgraph/api/workgraph/{node.pk}').json()['state'] in ('RUNNING', 'WAITING')

    response = gui_client.post(f'/plugins/workgraph/api/workgraph/play/{node.pk}')
    assert response.status_code == 200, response.text
    wait_until(lambda: not node.paused, 'played', node)
    paused_at = finished_increments(node)
    wait_until(lambda: finished_increments(node) > paused_at + 1, 'running again', node)

    response = gui_client.post(f'/api/process/kill/{node.pk}')
    assert response.status_code == 200, response.text
    wait_until(lambda: node.is_terminated, 'killed', node)
    assert node.is_killed
    data = gui_client.get(f'/plugins/workgraph/api/workgraph/{node.pk}').json()
    assert data['state'] == 'KILLED'
    assert set(data['nodes']) >= {'while_zone', 'increment', 'op_lt'}

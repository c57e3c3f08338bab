"""Graph tasks submitted to a real daemon: the worker builds the child graph and runs it as a child process."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from control_flow.flow_tasks import add, countdown, outer

from aiida_workgraph import WorkGraph

pytestmark = pytest.mark.daemon

TIMEOUT = 180


def called_work(node: orm.ProcessNode) -> dict[str, orm.ProcessNode]:
    """The workflows ``node`` called, by CALL link label."""
    return {link.link_label: link.node for link in node.base.links.get_outgoing(link_type=LinkType.CALL_WORK).all()}


def test_submit_nested_graph_tasks(started_daemon_client: Any) -> None:
    """A graph task calling a graph task, submitted: every level is a WorkGraph process of the daemon."""
    with WorkGraph('daemon_graph_task') as wg:
        wg.outputs.total = add(x=outer(x=2).result, y=1).result
    node = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert node.is_finished_ok, node.exit_message
    assert wg.outputs.total.value.value == 2 + 1 + 1 + 10 + 1
    child = called_work(node)['outer']
    assert child.process_label == 'WorkGraph<outer>'
    grandchild = called_work(child)['add_twice']
    assert grandchild.is_finished_ok
    assert (child.get_structure()['launch'], child.get_structure()['graph_depth']) == ('submit', 1)
    assert grandchild.get_structure()['graph_depth'] == 2


def test_handle_submit_and_depth_failure_through_the_daemon(started_daemon_client: Any) -> None:
    """``handle.submit()`` sends the built graph to the daemon and returns it; too deep a recursion fails there with
    302."""
    wg = countdown.submit(n=orm.Int(10), wait=True, timeout=TIMEOUT)
    assert isinstance(wg, WorkGraph)
    node = wg.process

    assert node.process_label == 'WorkGraph<countdown>'
    assert node.exit_status == 302
    depth, current = 1, node
    while 'countdown' in called_work(current):
        current = called_work(current)['countdown']
        depth += 1
    assert depth == 1 + 3  # the built graph, then three levels of graph tasks below it
    assert 'max_depth=3' in WorkGraph.load(current.pk).tasks['countdown'].log

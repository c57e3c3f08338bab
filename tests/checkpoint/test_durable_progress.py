"""Finished work is durable: a killed or stopped daemon worker re-runs no finished task and leaves no process stuck.

A chain of inline tasks (plain functions recorded as ``PyFunction`` processes, calcfunctions) runs one task per engine
step; each finished task is in the node's task records (and, after the step, in the checkpoint) before the next one
starts. When a new worker loads the graph, it moves the state forward to what the records and the CALL links say,
seals a process function a dead worker left unfinished as excepted, and runs only that task again.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from durable_tasks import slow_increment, slow_increment_calc

from aiida_workgraph import WorkGraph
from aiida_workgraph.enums import TASK_STATE

pytestmark = pytest.mark.daemon

TIMEOUT = 180
STOP_TIMEOUT = 30
"""Seconds the daemon may take to stop: a worker stops between two tasks, each sleeps 0.3 s."""
CHAIN = 18


def worker_pids(client: Any) -> set[int]:
    """The pids of the daemon's worker processes, as circus reports them."""
    return {int(pid) for pid in client.get_worker_info().get('info', {})}


def chain(name: str, handle: Any, length: int = CHAIN) -> WorkGraph:
    """A graph of ``length`` tasks ``handle`` in a chain, starting from 0; its output ``last`` is ``length``."""
    with WorkGraph(name) as wg:
        value = handle(x=0).result
        for _ in range(length - 1):
            value = handle(x=value).result
        wg.outputs.last = value
    return wg


def finished_count(node: orm.ProcessNode) -> int:
    """How many tasks the node's records show FINISHED."""
    return sum(state == 'FINISHED' for state in node.task_record(TASK_STATE).values())


def children(node: orm.ProcessNode) -> list[orm.ProcessNode]:
    """The processes the graph called."""
    return [link.node for link in node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()]


def wait_or_repair(wg: WorkGraph) -> None:
    """Wait for the graph to end; if it has not after half the timeout, send its ``continue`` task again.

    After a graceful stop, aiida-core's broker may hand a process's task to the new worker only late; sending the
    task again is what ``verdi process repair`` does (a process already running ignores it). What this module checks
    is what the engine does once it runs again.
    """
    from aiida.manage import get_manager

    try:
        wg.wait(timeout=TIMEOUT // 2, interval=0.5)
    except TimeoutError:
        get_manager().get_process_controller().continue_process(wg.process.pk, nowait=True, no_reply=True)
        wg.wait(timeout=TIMEOUT, interval=0.5)


def assert_ran_once_except_in_flight(node: orm.ProcessNode, in_flight: int) -> None:
    """Each task has exactly one finished process, at most ``in_flight`` tasks have one more (sealed, excepted),
    and no process the graph called is left unterminated."""
    calls = children(node)
    unterminated = [(child.pk, child.process_state) for child in calls if not child.is_terminated]
    assert unterminated == [], unterminated
    assert all(child.is_sealed for child in calls)
    per_task: dict[str, list[orm.ProcessNode]] = {}
    for link in node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all():
        per_task.setdefault(link.link_label, []).append(link.node)
    assert len(per_task) == CHAIN, sorted(per_task)
    for label, nodes in per_task.items():
        assert sum(child.is_finished_ok for child in nodes) == 1, (label, [(n.pk, n.process_state) for n in nodes])
        assert all(child.is_finished_ok or child.is_excepted for child in nodes), label
    repeated = sorted(label for label, nodes in per_task.items() if len(nodes) > 1)
    assert len(repeated) <= in_flight, repeated


@pytest.mark.parametrize('handle', [slow_increment, slow_increment_calc], ids=['pyfunction', 'calcfunction'])
def test_killed_worker_reruns_no_finished_task(
    handle: Any,
    started_daemon_client: Any,
    wait_for: Callable[..., Any],
    daemon_log: Callable[[Any], str],
) -> None:
    """SIGKILL the worker in the middle of a chain of inline tasks: each finished task ran once, nothing is stuck."""
    wg = chain('durable_chain', handle)
    pids = worker_pids(started_daemon_client)
    node = wg.submit()
    wait_for(
        lambda: finished_count(node) >= CHAIN // 3,
        TIMEOUT,
        lambda: f'the chain did not progress: {node.process_state} {daemon_log(started_daemon_client)}',
    )
    os.kill(next(iter(pids)), signal.SIGKILL)
    wait_for(lambda: worker_pids(started_daemon_client) - pids, TIMEOUT, 'circus did not start a new worker')
    wg.wait(timeout=TIMEOUT, interval=0.5)
    node = wg.process

    assert node.is_finished_ok, (node.process_state, node.exit_status, daemon_log(started_daemon_client))
    assert node.base.links.get_outgoing(link_type=LinkType.RETURN).one().node.value == CHAIN
    assert_ran_once_except_in_flight(node, in_flight=1)
    assert set(node.task_record(TASK_STATE).values()) == {'FINISHED'}


def test_stopped_daemon_with_graphs_in_flight_reruns_no_finished_task(
    started_daemon_client: Any,
    wait_for: Callable[..., Any],
    daemon_log: Callable[[Any], str],
) -> None:
    """Stop the daemon while three chains run, start it again: every graph ends, each finished task ran once."""
    graphs = [chain(f'stopped_{index}', slow_increment) for index in range(3)]
    nodes = [wg.submit() for wg in graphs]
    wait_for(
        lambda: all(finished_count(node) >= 2 for node in nodes),
        TIMEOUT,
        lambda: f'the chains did not progress: {daemon_log(started_daemon_client)}',
    )
    started_daemon_client.stop_daemon(wait=True, timeout=STOP_TIMEOUT)
    stopped_at = [finished_count(node) for node in nodes]
    started_daemon_client.start_daemon(timeout=STOP_TIMEOUT)
    for wg in graphs:
        wait_or_repair(wg)

    for wg, finished_before in zip(graphs, stopped_at):
        node = wg.process
        assert node.is_finished_ok, (node.pk, node.process_state, node.exit_status, daemon_log(started_daemon_client))
        assert node.base.links.get_outgoing(link_type=LinkType.RETURN).one().node.value == CHAIN
        assert finished_before < CHAIN, 'the daemon was stopped after this graph had finished: the test proves nothing'
        assert_ran_once_except_in_flight(node, in_flight=1)


def test_running_chain_answers_a_kill_within_seconds(
    started_daemon_client: Any,
    wait_for: Callable[..., Any],
    daemon_log: Callable[[Any], str],
) -> None:
    """The engine yields to the event loop between tasks: a kill sent while a long chain runs is answered at once."""
    from aiida.engine.processes.control import kill_processes

    wg = chain('killed_chain', slow_increment)
    node = wg.submit()
    wait_for(
        lambda: finished_count(node) >= 2,
        TIMEOUT,
        lambda: f'the chain did not progress: {node.process_state} {daemon_log(started_daemon_client)}',
    )
    kill_processes([node], timeout=STOP_TIMEOUT)
    wait_for(lambda: node.is_terminated, STOP_TIMEOUT, lambda: f'not killed: {node.process_state}')

    assert node.is_killed, (node.process_state, daemon_log(started_daemon_client))
    assert finished_count(node) < CHAIN
    assert all(child.is_terminated for child in children(node))

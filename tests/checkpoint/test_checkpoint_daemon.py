"""Graphs running in the daemon survive the death of their worker and a daemon restart, each task run once.

A killed worker leaves its processes' checkpoints in the database and their ``continue`` tasks with the broker,
which hands them to the worker circus starts in its place; a restart stops the worker gracefully and starts a new
one. Either way the new worker loads the WorkGraph from its checkpoint (the structure from the node, the runtime
state from the checkpoint) and goes on; the children that were launched before are awaited, not launched again.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.links import LinkType
from checkpoint_tasks import add, cube, total

from aiida_workgraph import WorkGraph
from aiida_workgraph.enums import TASK_STATE

pytestmark = pytest.mark.daemon

TIMEOUT = 120
N_JOBS = 10


def worker_pids(client: Any) -> set[int]:
    """Return the pids of the daemon's worker processes, as circus reports them."""
    info = client.get_worker_info().get('info', {})
    return {int(pid) for pid in info}


def children(node: orm.ProcessNode) -> list[orm.ProcessNode]:
    """Return the child processes a process called."""
    return [
        link.node for link in node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    ]


def graph_outputs(node: orm.ProcessNode) -> dict[str, Any]:
    """Return the graph outputs of a WorkGraph process as plain values."""
    outputs = node.base.links.get_outgoing(link_type=LinkType.RETURN).nested()
    return {key: value.value for key, value in outputs.items()}


def jobs_with_scheduler(node: orm.ProcessNode, labels: set[str]) -> bool:
    """Whether the process is waiting and the CalcJobs ``labels`` it called were all handed to the scheduler."""
    links = node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()
    jobs = {link.link_label: link.node for link in links}
    return (
        node.process_state is not None
        and node.process_state.value == 'waiting'
        and labels <= set(jobs)
        and all(jobs[label].get_job_id() is not None for label in labels)
    )


def wait_for_graph(wg: WorkGraph, client: Any, daemon_log: Callable[[Any], str]) -> orm.ProcessNode:
    """Wait until the graph's process terminated and return its node; on a timeout, say where it stands."""
    try:
        wg.wait(timeout=TIMEOUT, interval=0.5)
    except TimeoutError as exception:
        node = wg.process
        jobs = {child.pk: (child.process_state, child.process_status) for child in children(node)}
        raise AssertionError(
            f'{exception}: {node.process_state} {node.process_status} tasks {node.task_record(TASK_STATE)} '
            f'children {jobs} workers {worker_pids(client)}\n{daemon_log(client)}'
        ) from exception
    return wg.process


def test_graph_finishes_after_its_worker_is_killed(
    started_daemon_client: Any,
    sleep_code: orm.InstalledCode,
    wait_for: Callable[..., Any],
    calls_per_task: Callable[[orm.ProcessNode], dict[str, int]],
    daemon_log: Callable[[Any], str],
) -> None:
    """SIGKILL the worker while the graph waits for its 10 CalcJobs: a new worker finishes it, each job ran once."""
    wg = WorkGraph('killed_worker')
    summed = wg.add_task(total, name='summed')
    labels = {f'job{index}' for index in range(N_JOBS)}
    for index in range(N_JOBS):
        job = wg.add_task(
            ArithmeticAddCalculation, name=f'job{index}', x=orm.Int(index), y=orm.Int(index), code=sleep_code
        )
        wg.add_link(job.outputs.sum, summed.inputs.values)
    wg.outputs.total = summed.outputs.result
    pids = worker_pids(started_daemon_client)
    assert len(pids) == 1, pids

    node = wg.submit()
    wait_for(
        lambda: jobs_with_scheduler(node, labels),
        TIMEOUT,
        lambda: f'the jobs were not all submitted: {node.process_state} {daemon_log(started_daemon_client)}',
    )
    os.kill(next(iter(pids)), signal.SIGKILL)
    wait_for(lambda: worker_pids(started_daemon_client) - pids, TIMEOUT, 'circus did not start a new worker')
    node = wait_for_graph(wg, started_daemon_client, daemon_log)

    assert node.is_finished_ok, (node.process_state, node.exit_status, daemon_log(started_daemon_client))
    assert graph_outputs(node) == {'total': sum(2 * index for index in range(N_JOBS))}
    # Each task ran once, the plain function `summed` included (recorded as a PyFunction process).
    assert calls_per_task(node) == dict.fromkeys([*labels, 'summed'], 1)
    assert all(child.is_finished_ok for child in children(node))
    assert node.task_record(TASK_STATE) == dict.fromkeys([*labels, 'summed'], 'FINISHED')


def test_graph_finishes_after_a_daemon_restart(
    started_daemon_client: Any,
    sleep_code: orm.InstalledCode,
    wait_for: Callable[..., Any],
    calls_per_task: Callable[[orm.ProcessNode], dict[str, int]],
    daemon_log: Callable[[Any], str],
) -> None:
    """Restart the daemon while a graph of plain functions, a calcfunction and CalcJobs waits for its first job."""
    wg = WorkGraph('daemon_restart')
    first = wg.add_task(add, name='first', x=1, y=2)
    cubed = wg.add_task(cube, name='cubed', x=first.outputs.result)
    job1 = wg.add_task(
        ArithmeticAddCalculation, name='job1', x=cubed.outputs.result, y=first.outputs.result, code=sleep_code
    )
    middle = wg.add_task(add, name='middle', x=job1.outputs.sum, y=12)
    job2 = wg.add_task(ArithmeticAddCalculation, name='job2', x=middle.outputs.result, y=orm.Int(8), code=sleep_code)
    last = wg.add_task(add, name='last', x=job2.outputs.sum, y=50)
    wg.outputs.middle = middle.outputs.result
    wg.outputs.last = last.outputs.result
    pids = worker_pids(started_daemon_client)

    node = wg.submit()
    wait_for(
        lambda: jobs_with_scheduler(node, {'job1'}),
        TIMEOUT,
        lambda: f'job1 was not submitted: {node.process_state} {daemon_log(started_daemon_client)}',
    )
    response = started_daemon_client.restart_daemon(wait=True)
    assert response.get('status') == 'ok', response
    wait_for(lambda: worker_pids(started_daemon_client) - pids, TIMEOUT, 'the daemon did not start a new worker')
    node = wait_for_graph(wg, started_daemon_client, daemon_log)

    assert node.is_finished_ok, (node.process_state, node.exit_status, daemon_log(started_daemon_client))
    assert graph_outputs(node) == {'middle': 42, 'last': 100}
    tasks = ['first', 'cubed', 'job1', 'middle', 'job2', 'last']
    # Each task ran once, plain functions included (recorded as PyFunction processes).
    assert calls_per_task(node) == dict.fromkeys(tasks, 1)
    assert node.task_record(TASK_STATE) == dict.fromkeys(tasks, 'FINISHED')

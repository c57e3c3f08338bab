"""A daemon restart while a graph task's child WorkGraph waits for a job: every process runs once."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from conftest import wait_until
from control_flow.flow_tasks import add, graph_with_job

from aiida_workgraph import WorkGraph

pytestmark = pytest.mark.daemon

TIMEOUT = 180


def calls(node: orm.ProcessNode) -> list[tuple[str, orm.ProcessNode]]:
    """The (CALL link label, process) pairs of a process."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return [(link.link_label, link.node) for link in links]


def job_submitted(node: orm.ProcessNode) -> bool:
    """Whether the graph task's child launched its job and the job has a scheduler id."""
    children = dict(calls(node))
    if 'graph_with_job' not in children:
        return False
    jobs = [child for label, child in calls(children['graph_with_job']) if label == 'ArithmeticAddCalculation']
    return bool(jobs) and jobs[0].get_job_id() is not None


def test_daemon_restart_while_a_graph_task_runs(patient_daemon_client: Any, slow_code: orm.InstalledCode) -> None:
    """Parent and child are continued from their checkpoints; the child is awaited again, not launched again."""
    with WorkGraph('graph_task_restart') as wg:
        inner = graph_with_job(x=1, code=slow_code).result
        wg.outputs.total = add(x=inner, y=100).result
    node = wg.submit()
    wait_until(lambda: job_submitted(node), TIMEOUT, lambda: f'the job was not submitted: {node.process_state}')
    response = patient_daemon_client.restart_daemon(wait=True)
    assert response.get('status') == 'ok', response
    wg.wait(timeout=TIMEOUT, interval=0.5)

    node = wg.process
    assert node.is_finished_ok, (node.process_state, node.exit_status, node.exit_message)
    assert wg.outputs.total.value.value == (1 + 1) * 2 + 1 + 100
    assert sorted(label for label, _ in calls(node)) == ['add', 'graph_with_job']
    child = dict(calls(node))['graph_with_job']
    assert child.is_finished_ok
    assert sorted(label for label, _ in calls(child)) == ['ArithmeticAddCalculation', 'add', 'add1']

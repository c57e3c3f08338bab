"""``Map`` through the daemon: submitted, and continued after a daemon restart in the middle of its items."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from conftest import wait_until
from control_flow.flow_tasks import map_with_jobs

pytestmark = pytest.mark.daemon

TIMEOUT = 240
SOURCE = {'a': 1, 'b': 2, 'c': 3}


def calls(node: orm.ProcessNode) -> list[tuple[str, orm.ProcessNode]]:
    """The (CALL link label, process) pairs of a process."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return [(link.link_label, link.node) for link in links]


def jobs_submitted(node: orm.ProcessNode) -> bool:
    """Whether the map's three jobs have a scheduler id (they sleep a few seconds before they add)."""
    jobs = [child for label, child in calls(node) if label.endswith('_ArithmeticAddCalculation')]
    return len(jobs) == len(SOURCE) and all(job.get_job_id() is not None for job in jobs)


def test_daemon_restart_in_the_middle_of_a_map(patient_daemon_client: Any, slow_code: orm.InstalledCode) -> None:
    """The daemon restarts while the items' jobs run: each item's job and task run once, the results are right."""
    wg = map_with_jobs.build(source=SOURCE, code=slow_code)
    node = wg.submit()
    wait_until(lambda: jobs_submitted(node), TIMEOUT, lambda: f'the jobs were not submitted: {calls(node)}')
    response = patient_daemon_client.restart_daemon(wait=True)
    assert response.get('status') == 'ok', response
    wg.wait(timeout=TIMEOUT, interval=0.5)

    node = wg.process
    assert node.is_finished_ok, (node.process_state, node.exit_status, node.exit_message)
    assert {key: data.value for key, data in wg.outputs.res._value.items()} == {'a': 3, 'b': 5, 'c': 7}
    assert wg.outputs.total.value.value == 15
    counts = Counter(label for label, _ in calls(node))
    expected = {f'{key}_{name}': 1 for key in SOURCE for name in ('ArithmeticAddCalculation', 'add')}
    assert counts == {**expected, 'total': 1}
    assert all(child.is_finished_ok for _, child in calls(node))

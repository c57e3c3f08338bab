"""Error handlers through a real daemon: the worker calls the handler and submits the next attempt."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from lifecycle.lifecycle_tasks import NEGATIVE, fix_sum, scale_positive, step_up

from aiida_workgraph import WorkGraph

pytestmark = pytest.mark.daemon

TIMEOUT = 180


def attempts(node: orm.ProcessNode, label: str) -> list[orm.ProcessNode]:
    """The processes ``node`` called under the CALL link label ``label``, oldest first."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return sorted((link.node for link in links if link.link_label == label), key=lambda child: child.pk)


def test_daemon_retries_a_failed_calcjob(started_daemon_client: Any, bash_code: orm.InstalledCode) -> None:
    """Submitted: ``ArithmeticAddCalculation`` ends 410, the handler fixes ``x``, the retry finishes; downstream
    tasks use the retry's result, and the graph ends 0."""
    wg = WorkGraph('daemon_handler')
    add = wg.add_task(ArithmeticAddCalculation, name='add1', x=orm.Int(-5), y=orm.Int(2), code=bash_code)
    add.add_error_handler({'negative': {'executor': fix_sum, 'exit_codes': [410], 'max_retries': 2}})
    scaled = wg.add_task(scale_positive, name='scaled', x=add.outputs.sum)
    scaled.add_error_handler({'step': {'executor': step_up, 'exit_codes': [NEGATIVE], 'max_retries': 2}})
    wg.outputs.result = scaled.outputs.result

    node = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert node.exit_status == 0, get_workchain_report(node, 'REPORT')
    jobs = attempts(node, 'add1')
    assert [job.exit_status for job in jobs] == [410, 0]
    assert [job.inputs.x.value for job in jobs] == [-5, 5]
    assert jobs[1].get_option('max_wallclock_seconds') == 77
    assert len(attempts(node, 'scaled')) == 1
    assert wg.outputs.result.value.value == 70
    assert wg.tasks['add1'].state == 'FINISHED'
    assert wg.tasks['add1'].process.pk == jobs[1].pk

"""``shelljob`` through a real daemon: the worker makes the code and submits the ``ShellJob``."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.cmdline.utils.common import get_workchain_report
from lifecycle.lifecycle_tasks import parse_number

from aiida_workgraph import WorkGraph, shelljob

pytestmark = pytest.mark.daemon


def test_daemon_runs_shelljobs(started_daemon_client: Any, aiida_computer_local: Any) -> None:
    """Two chained shelljobs with a parser, submitted: the graph ends 0 and its outputs are the parsed values."""
    from aiida.common.exceptions import NotExistent

    try:
        orm.load_computer('localhost')
    except NotExistent:
        aiida_computer_local(label='localhost')
    with WorkGraph('daemon_shell') as wg:
        first = shelljob(command='echo', arguments=['{x}'], nodes={'x': orm.Int(41)})
        second = shelljob(
            command='bash',
            arguments=['-c', 'echo $(( $(cat {text}) + 1 ))'],
            nodes={'text': first.stdout},
            parser=parse_number,
            parser_outputs=['number'],
        )
        wg.outputs.number = second.number

    node = wg.submit(wait=True, timeout=180, interval=0.5)

    assert node.exit_status == 0, get_workchain_report(node, 'REPORT')
    assert wg.outputs.number.value.value == 42
    assert {task.name: task.state for task in wg.tasks if task.name.startswith('ShellJob')} == {
        'ShellJob': 'FINISHED',
        'ShellJob1': 'FINISHED',
    }

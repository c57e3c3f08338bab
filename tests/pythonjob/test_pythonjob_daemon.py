"""PythonJob tasks submitted to the daemon with ``WorkGraph.submit(wait=True)``.

The daemon worker loads the WorkGraph process from the database (structure, input nodes), so the values must load
back there, and the jobs run with the worker's interpreter. One graph covers the chain and the rich inputs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from aiida import orm
from pythonjob_tasks import add, describe, divide, inspect_inputs, reference_values, square, sum_diff

from aiida_workgraph import WorkGraph

pytestmark = pytest.mark.daemon

INSPECTED = ['array', 'nested', 'settings', 'cell', 'vector']


def test_pythonjob_chain_and_rich_inputs_through_the_daemon(
    started_daemon_client: Any, localhost: orm.Computer
) -> None:
    """plain -> PythonJob -> PythonJob, named outputs and rich inputs (incl. a dataclass) run through the daemon."""
    with WorkGraph('pythonjob_daemon') as wg:
        start = add(x=2, y=3)
        squared = square(x=start.result)
        total_diff = sum_diff(a=squared.result, b=5)
        describe(value=total_diff.diff)
        divide(a=total_diff.total, b=start.result)
        inspect_inputs(**reference_values())
        wg.outputs.total = total_diff.total
    node = wg.submit(wait=True, timeout=240, interval=1)

    assert node.is_finished_ok, (
        node.process_state,
        node.exit_status,
        node.exception,
        {t.name: t.log for t in wg.tasks},
    )
    names = ['add', 'square', 'sum_diff', 'describe', 'divide', 'inspect_inputs']
    assert {name: wg.tasks[name].state for name in names} == dict.fromkeys(names, 'FINISHED')
    assert wg.outputs.total.value.value == 30
    assert (wg.tasks['sum_diff'].outputs.total.value, wg.tasks['sum_diff'].outputs.diff.value) == (30, 20)
    assert (wg.tasks['divide'].outputs.quotient.value, wg.tasks['divide'].outputs.remainder.value) == (6, 0)
    assert wg.tasks['describe'].outputs.result.value == 'builtins.int'

    square_job = wg.tasks['square'].process
    sum_diff_job = wg.tasks['sum_diff'].process
    assert square_job.inputs.function_inputs.x.uuid == wg.tasks['add'].outputs.result.value.uuid
    assert sum_diff_job.inputs.function_inputs.a.uuid == square_job.outputs.result.uuid

    seen = wg.tasks['inspect_inputs'].outputs.result.value.get_dict()
    assert seen['equal'] == dict.fromkeys(INSPECTED, True), seen
    assert seen['types']['cell'] == 'pythonjob_tasks.Cell'
    assert seen['types']['settings'] == 'pythonjob_tasks.Settings'

    for name in ['square', 'sum_diff', 'divide', 'inspect_inputs']:
        code = wg.tasks[name].process.inputs.code
        # The worker's interpreter: the one of this virtual environment (``verdi`` runs with it), not ``python3``.
        assert Path(str(code.filepath_executable)).parent == Path(sys.executable).parent, name
        assert Path(str(code.filepath_executable)).name.startswith('python'), name
        assert code.computer.label == 'localhost'

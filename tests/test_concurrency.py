"""A task starts as soon as the tasks it depends on finished, not when every running child process finished."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation

from aiida_workgraph import WorkGraph


def test_downstream_of_a_fast_child_does_not_wait_for_a_slow_one(
    bash_code: orm.AbstractCode, aiida_code_installed: Callable[..., Any]
) -> None:
    """``fast -> after_fast`` runs while ``slow`` (a 6 s job launched in the same step) is still running."""
    slow_code = aiida_code_installed(
        label='bash-slow',
        default_calc_job_plugin='core.arithmetic.add',
        filepath_executable='/bin/bash',
        prepend_text='sleep 6',
    )
    wg = WorkGraph('concurrency')
    slow = wg.add_task(ArithmeticAddCalculation, name='slow', x=orm.Int(1), y=orm.Int(1), code=slow_code)
    fast = wg.add_task(ArithmeticAddCalculation, name='fast', x=orm.Int(2), y=orm.Int(2), code=bash_code)
    wg.add_task(ArithmeticAddCalculation, name='after_fast', x=fast.outputs.sum, y=orm.Int(3), code=bash_code)
    wg.outputs.slow = slow.outputs.sum
    wg.outputs.after_fast = wg.tasks.after_fast.outputs.sum

    outputs = wg.run()

    assert wg.process.exit_status == 0
    assert outputs['slow'].value == 2
    assert outputs['after_fast'].value == 7
    slow_node = wg.tasks.slow.process
    after_fast_node = wg.tasks.after_fast.process
    # `after_fast` was launched, ran and finished while `slow` was still running.
    assert after_fast_node.ctime < slow_node.mtime
    assert after_fast_node.outputs.sum.ctime < slow_node.outputs.sum.ctime

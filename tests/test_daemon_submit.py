"""``wg.submit()`` through a real daemon: the worker imports the tasks from ``tests/tasks_for_tests.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.links import LinkType
from tasks_for_tests import CountedPoint, DoubleWorkChain, add, check_positive, cube, multiply, point_norm2

from aiida_workgraph import WorkGraph
from aiida_workgraph.engine import workgraph_engine

pytestmark = pytest.mark.daemon

TIMEOUT = 120


def states(wg: WorkGraph) -> dict[str, str]:
    """Return ``{task: state}`` for the tasks the user added."""
    builtins = ('graph_inputs', 'graph_outputs', 'graph_ctx')
    return {task.name: task.state for task in wg.tasks if task.name not in builtins}


def daemon_log(client: Any) -> str:
    """Return the daemon log, to explain a failure."""
    try:
        with open(client.daemon_log_file, encoding='utf-8') as handle:
            return handle.read()[-5000:]
    except OSError:
        return ''


def test_submit_plain_function_graph(started_daemon_client: Any, to_dict_counter: dict[str, int]) -> None:
    """A graph of plain functions, a calcfunction and ctx runs in a daemon worker; results come back via the DB."""
    walks: list[Any] = []
    real: Callable[..., Any] = workgraph_engine.prepare_engine_inputs

    def spy(inputs: dict[str, Any]) -> Any:
        prepared, result = real(inputs)
        walks.append(result)
        return prepared, result

    wg = WorkGraph('daemon_functions')
    wg.ctx = {'factor': 4}
    total = wg.add_task(add, name='total', x=1, y=2)
    product = wg.add_task(multiply, name='product', x=total.outputs.result, y=wg.ctx.factor)
    cubed = wg.add_task(cube, name='cubed', x=product.outputs.result)
    norm = wg.add_task(point_norm2, name='norm', point=CountedPoint('daemon', 3, 4))
    wg.outputs.product = product.outputs.result
    wg.outputs.cubed = cubed.outputs.result
    wg.outputs.norm = norm.outputs.result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workgraph_engine, 'prepare_engine_inputs', spy)
        node = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert node.pk == wg.pk
    assert node.is_finished_ok, (node.process_state, node.exit_status, daemon_log(started_daemon_client))
    assert node.exit_status == 0
    assert states(wg) == {'total': 'FINISHED', 'product': 'FINISHED', 'cubed': 'FINISHED', 'norm': 'FINISHED'}
    outputs = node.base.links.get_outgoing(link_type=LinkType.RETURN).nested()
    assert {key: value.value for key, value in outputs.items()} == {'product': 12, 'cubed': 1728, 'norm': 25}
    assert wg.tasks['cubed'].outputs.result.value.value == 1728
    assert wg.outputs.norm.value.value == 25
    child = wg.tasks['cubed'].process
    assert isinstance(child, orm.CalcFunctionNode)
    assert child.exit_status == 0
    assert child.caller.pk == node.pk
    # The submitting process walked the values once and serialized the point once; the worker only loaded them.
    assert len(walks) == 1
    assert to_dict_counter == {'daemon': 1}
    assert {'tasks__total__x', 'tasks__norm__point', 'workgraph_data__ctx__factor'} <= set(
        node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).all_link_labels()
    )


def test_submit_calcjob_and_workchain_graph(started_daemon_client: Any, bash_code: orm.InstalledCode) -> None:
    """A CalcJob feeding a WorkChain runs through the daemon with the task names as call link labels."""
    wg = WorkGraph('daemon_calcjob')
    job = wg.add_task(ArithmeticAddCalculation, name='job', x=orm.Int(2), y=orm.Int(3), code=bash_code)
    double = wg.add_task(DoubleWorkChain, name='double', x=job.outputs.sum)
    wg.outputs.sum = job.outputs.sum
    wg.outputs.double = double.outputs.result

    node = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert node.is_finished_ok, (node.process_state, node.exit_status, daemon_log(started_daemon_client))
    assert states(wg) == {'job': 'FINISHED', 'double': 'FINISHED'}
    calls = {
        triple.link_label: triple.node
        for triple in node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    }
    assert set(calls) == {'job', 'double'}
    assert isinstance(calls['job'], orm.CalcJobNode)
    assert calls['job'].exit_status == 0
    assert calls['job'].outputs.sum.value == 5
    assert calls['double'].inputs.x.pk == calls['job'].outputs.sum.pk
    assert wg.outputs.double.value.value == 10
    assert wg.tasks['job'].process.pk == calls['job'].pk


def test_submit_failing_task_through_daemon(started_daemon_client: Any) -> None:
    """A task that raises in the daemon worker fails the graph with 302 and skips its descendants."""
    wg = WorkGraph('daemon_failure')
    bad = wg.add_task(check_positive, name='bad', x=0)
    wg.add_task(add, name='after', x=bad.outputs.result, y=1)
    wg.add_task(add, name='independent', x=2, y=2)

    node = wg.submit(wait=True, timeout=TIMEOUT, interval=0.5)

    assert node.is_finished, (node.process_state, daemon_log(started_daemon_client))
    assert node.exit_status == 302
    assert states(wg) == {'bad': 'FAILED', 'after': 'SKIPPED', 'independent': 'FINISHED'}
    assert 'check_positive refused the value 0' in wg.tasks['bad'].log


def test_saved_graph_continued_by_the_daemon(started_daemon_client: Any) -> None:
    """``save()`` then ``continue_process()``: the daemon picks up the saved checkpoint and runs the graph."""
    wg = WorkGraph('daemon_continue')
    total = wg.add_task(add, name='total', x=20, y=22)
    wg.outputs.total = total.outputs.result
    node = wg.save()
    assert node.process_state.value == 'created'

    wg.continue_process()
    wg.wait(timeout=TIMEOUT, interval=0.5)

    assert wg.process.is_finished_ok, (wg.process.process_state, daemon_log(started_daemon_client))
    assert wg.tasks['total'].state == 'FINISHED'
    assert wg.outputs.total.value.value == 42

"""``While``: the loop's tasks run again, after its condition tasks, while the condition holds."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from control_flow.flow_tasks import add, fail_at

from aiida_workgraph import If, While, WorkGraph


def call_counts(node: orm.ProcessNode) -> Counter:
    """How many processes ``node`` called under each CALL link label."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return Counter(link.link_label for link in links)


def states(wg: WorkGraph) -> dict[str, str]:
    """``{task: state}`` of the tasks the user added."""
    return {task.name: task.state for task in wg.tasks if not task.name.startswith('graph_')}


def counting_loop(start: int, limit: int, max_iterations: int = 10000) -> WorkGraph:
    """``n = start; while n < limit: n = (n + 1) + 1``; then ``final = n + 100``."""
    with WorkGraph('while_count') as wg:
        wg.ctx.n = start
        with While(wg.ctx.n < limit, max_iterations=max_iterations):
            step = add(x=wg.ctx.n, y=1, metadata={'call_link_label': 'step'}).result
            wg.ctx.n = add(x=step, y=1, metadata={'call_link_label': 'double_step'}).result
        wg.outputs.final = add(x=wg.ctx.n, y=100, metadata={'call_link_label': 'after'}).result
    return wg


def test_while_runs_its_tasks_while_the_condition_holds() -> None:
    """Four iterations: the condition task runs five times, each task of the body four times, the reader once."""
    wg = counting_loop(1, 8)
    outputs = wg.run()

    assert outputs['final'].value == 9 + 100
    assert wg.process.is_finished_ok
    assert call_counts(wg.process) == {'op_lt': 5, 'step': 4, 'double_step': 4, 'after': 1}
    assert states(wg) == {
        'op_lt': 'FINISHED',
        'while_zone': 'FINISHED',
        'step': 'FINISHED',
        'double_step': 'FINISHED',
        'after': 'FINISHED',
    }
    assert wg.tasks['double_step'].outputs.result.value.value == 9


def test_while_whose_condition_never_holds_takes_nothing() -> None:
    """No iteration: the body is NOT_TAKEN, the reader after the loop gets the initial ctx."""
    wg = counting_loop(50, 8)
    outputs = wg.run()

    assert outputs['final'].value == 150
    assert states(wg)['step'] == states(wg)['double_step'] == 'NOT_TAKEN'
    assert call_counts(wg.process) == {'op_lt': 1, 'after': 1}


def test_max_iterations_ends_the_loop() -> None:
    """The loop stops after ``max_iterations`` iterations; the graph finishes."""
    wg = counting_loop(1, 1000, max_iterations=3)
    outputs = wg.run()

    assert wg.process.is_finished_ok
    assert outputs['final'].value == 7 + 100
    assert call_counts(wg.process)['step'] == 3


def test_invalid_max_iterations_fails_the_loop() -> None:
    """``max_iterations=0`` fails the zone with the reason; its tasks and the reader are skipped."""
    wg = counting_loop(1, 8, max_iterations=0)
    wg.run()

    assert wg.process.exit_status == 302
    assert wg.tasks['while_zone'].state == 'FAILED'
    assert 'max_iterations must be a positive integer, got 0' in wg.tasks['while_zone'].log
    assert states(wg)['step'] == states(wg)['after'] == 'SKIPPED'


def test_failure_in_an_iteration_ends_the_loop_and_fails_the_graph() -> None:
    """A task failing in the third iteration: no further iteration, the reader is skipped, exit status 302."""
    with WorkGraph('while_failure') as wg:
        wg.ctx.n = 0
        with While(wg.ctx.n < 10):
            wg.ctx.n = fail_at(x=wg.ctx.n, at=2).result
        add(x=wg.ctx.n, y=1, metadata={'call_link_label': 'after'})
    wg.run()

    assert wg.process.exit_status == 302
    assert call_counts(wg.process) == {'op_lt': 3, 'fail_at': 3}
    assert states(wg)['fail_at'] == 'FAILED'
    assert states(wg)['after'] == 'SKIPPED'
    assert 'fail_at reached 2' in wg.tasks['fail_at'].log


def test_if_inside_a_while() -> None:
    """An If in the loop body is opened again at each iteration: taken in some, not in others."""
    with WorkGraph('while_if') as wg:
        wg.ctx.n = 0
        wg.ctx.big = 0
        with While(wg.ctx.n < 4):
            n = add(x=wg.ctx.n, y=1, metadata={'call_link_label': 'increment'}).result
            wg.ctx.n = n
            with If(n > 2):
                wg.ctx.big = add(x=n, y=1000, metadata={'call_link_label': 'big'}).result
        wg.outputs.big = add(x=wg.ctx.big, y=0, metadata={'call_link_label': 'read_big'}).result
    outputs = wg.run()

    assert wg.process.is_finished_ok
    counts = call_counts(wg.process)
    assert counts['increment'] == 4
    assert counts['big'] == 2
    assert outputs['big'].value == 1004


def test_iterations_reuse_the_task_instances() -> None:
    """More iterations add no task and no task record: the stored graph and the records are the same for 2 and 6."""
    from aiida_workgraph.enums import TASK_STATE

    shapes = []
    for limit in (4, 12):
        wg = counting_loop(0, limit)
        wg.run()
        node = wg.process
        shapes.append((sorted(node.get_structure()['tasks']), sorted(node.task_record(TASK_STATE))))
    assert call_counts(node)['step'] == 6
    assert shapes[0] == shapes[1]


@pytest.mark.daemon
def test_daemon_restart_in_the_middle_of_a_while(patient_daemon_client: Any, slow_code: orm.InstalledCode) -> None:
    """A restart while the second iteration's job runs: the loop goes on at that iteration, no job runs twice."""
    from aiida.calculations.arithmetic.add import ArithmeticAddCalculation

    from aiida_workgraph import task

    job = task(ArithmeticAddCalculation)
    with WorkGraph('while_restart') as wg:
        wg.ctx.n = orm.Int(1)
        with While(wg.ctx.n < 4):
            wg.ctx.n = job(x=wg.ctx.n, y=orm.Int(1), code=slow_code, metadata={'call_link_label': 'job'}).sum
        wg.outputs.final = add(x=wg.ctx.n, y=100, metadata={'call_link_label': 'after'}).result
    node = wg.submit()

    def second_job_submitted() -> bool:
        jobs = [
            link.node
            for link in node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()
            if link.link_label == 'job'
        ]
        return len(jobs) == 2 and all(child.get_job_id() is not None for child in jobs)

    deadline = time.monotonic() + 180
    while not second_job_submitted():
        assert time.monotonic() < deadline, f'no second job: {call_counts(node)} {node.process_state}'
        time.sleep(0.5)
    response = patient_daemon_client.restart_daemon(wait=True)
    assert response.get('status') == 'ok', response
    wg.wait(timeout=180, interval=0.5)

    node = wg.process
    assert node.is_finished_ok, (node.process_state, node.exit_status, node.exit_message)
    assert wg.outputs.final.value.value == 104
    assert call_counts(node) == {'op_lt': 4, 'job': 3, 'after': 1}

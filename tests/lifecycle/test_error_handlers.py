"""Error handlers: a task whose process fails with a handled exit status runs again with the inputs its handler set."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from lifecycle.lifecycle_tasks import (
    NEGATIVE,
    change_nothing,
    fix_sum,
    make_positive,
    positive,
    raise_in_handler,
    scale_positive,
    set_lambda,
    set_unknown_input,
    step_up,
)

from aiida_workgraph import WorkGraph, task
from aiida_workgraph.orm.workgraph_node import WorkGraphNode


def attempts(node: orm.ProcessNode, label: str) -> list[orm.ProcessNode]:
    """The processes ``node`` called under the CALL link label ``label``, oldest first."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return sorted((link.node for link in links if link.link_label == label), key=lambda child: child.pk)


def report_of(node: orm.ProcessNode) -> str:
    """The REPORT log of a process."""
    return get_workchain_report(node, 'REPORT')


def test_handler_retries_a_calcjob_with_changed_inputs(bash_code: orm.InstalledCode) -> None:
    """``ArithmeticAddCalculation`` fails with 410 (negative sum); the handler makes ``x`` positive and raises the
    wallclock option; the second attempt is its own CalcJob, which finishes, and the graph ends 0."""
    wg = WorkGraph('handler_calcjob')
    add = wg.add_task(ArithmeticAddCalculation, name='add1', x=orm.Int(-5), y=orm.Int(2), code=bash_code)
    add.add_error_handler({'negative': {'executor': fix_sum, 'exit_codes': [410], 'max_retries': 3}})
    wg.outputs.sum = add.outputs.sum

    outputs = wg.run()

    assert wg.process.exit_status == 0, report_of(wg.process)
    assert outputs['sum'].value == 7
    jobs = attempts(wg.process, 'add1')
    assert [job.exit_status for job in jobs] == [410, 0]
    assert all(isinstance(job, orm.CalcJobNode) for job in jobs)
    assert jobs[1].inputs.x.value == 5
    assert jobs[1].inputs.y.pk == jobs[0].inputs.y.pk  # unchanged inputs are the same nodes
    assert jobs[0].get_option('max_wallclock_seconds') != 77
    assert jobs[1].get_option('max_wallclock_seconds') == 77
    assert wg.tasks['add1'].state == 'FINISHED'
    assert wg.tasks['add1'].process.pk == jobs[1].pk
    report = report_of(wg.process)
    assert 'Task add1: exit status 410; running error handler negative' in report
    assert 'error handler negative: x made positive' in report


def test_handler_retries_up_to_max_retries() -> None:
    """A handler that asks for retries without fixing anything: 1 + max_retries attempts, then the graph ends 302."""
    wg = WorkGraph('handler_exhausted')
    bad = wg.add_task(scale_positive, name='bad', x=-3)
    wg.add_task(scale_positive, name='after', x=bad.outputs.result)
    bad.add_error_handler({'again': {'executor': change_nothing, 'exit_codes': [NEGATIVE], 'max_retries': 2}})

    wg.run()

    assert wg.process.exit_status == 302
    assert [job.exit_status for job in attempts(wg.process, 'bad')] == [NEGATIVE] * 3
    assert wg.tasks['bad'].state == 'FAILED'
    assert wg.tasks['after'].state == 'SKIPPED'
    assert 'exit status 410' in wg.tasks['bad'].log
    assert 'error handlers again used all their retries' in report_of(wg.process)


def test_handler_counts_each_attempt_and_keeps_changes() -> None:
    """A handler that steps ``x`` up by one each time: -2 -> -1 -> 0 finishes on the third attempt; the
    downstream task gets the result of the last attempt."""
    wg = WorkGraph('handler_steps')
    first = wg.add_task(scale_positive, name='first', x=-2)
    wg.add_task(scale_positive, name='second', x=first.outputs.result)
    first.add_error_handler({'step': {'executor': step_up, 'exit_codes': [NEGATIVE], 'max_retries': 5}})

    wg.run()

    assert wg.process.exit_status == 0
    jobs = attempts(wg.process, 'first')
    assert [job.inputs.x.value for job in jobs] == [-2, -1, 0]
    assert [job.exit_status for job in jobs] == [NEGATIVE, NEGATIVE, 0]
    assert wg.tasks['second'].outputs.result.value.value == 0
    assert len(attempts(wg.process, 'second')) == 1


def test_other_exit_status_is_not_handled() -> None:
    """A handler for another exit status is not called: one attempt, the task fails."""
    wg = WorkGraph('handler_other_code')
    bad = wg.add_task(scale_positive, name='bad', x=-3)
    bad.add_error_handler({'other': {'executor': make_positive, 'exit_codes': [411], 'max_retries': 2}})

    wg.run()

    assert wg.process.exit_status == 302
    assert len(attempts(wg.process, 'bad')) == 1
    assert 'running error handler' not in report_of(wg.process)


def test_handler_on_the_decorator_with_kwargs() -> None:
    """``error_handlers=`` of the decorator applies to every task made from it; ``kwargs`` reach the handler."""

    @task.calcfunction(
        error_handlers={
            'abs': {'executor': make_positive, 'exit_codes': [NEGATIVE], 'max_retries': 1, 'kwargs': {'step': 10}}
        }
    )
    def times_ten(x: orm.Int) -> orm.Int:
        if x.value < 0:
            from aiida.engine import ExitCode

            return ExitCode(NEGATIVE, 'negative')
        return orm.Int(10 * x.value)

    wg = WorkGraph('handler_decorator')
    wg.add_task(times_ten, name='scaled', x=-4)

    wg.run()

    assert wg.process.exit_status == 0
    assert [job.inputs.x.value for job in attempts(wg.process, 'scaled')] == [-4, 14]
    assert wg.tasks['scaled'].outputs.result.value.value == 140


def test_graph_level_handler_for_named_tasks() -> None:
    """``WorkGraph(error_handlers=...)`` with ``tasks``: the handler applies to the named tasks only."""
    wg = WorkGraph(
        'handler_graph',
        error_handlers={
            'abs': {'executor': make_positive, 'exit_codes': [NEGATIVE], 'max_retries': 1, 'tasks': ['one']}
        },
    )
    wg.add_task(scale_positive, name='one', x=-1)
    wg.add_task(scale_positive, name='two', x=-2)

    wg.run()

    assert wg.process.exit_status == 302
    assert [job.exit_status for job in attempts(wg.process, 'one')] == [NEGATIVE, 0]
    assert [job.exit_status for job in attempts(wg.process, 'two')] == [NEGATIVE]
    assert {name: wg.tasks[name].state for name in ('one', 'two')} == {'one': 'FINISHED', 'two': 'FAILED'}
    assert WorkGraph.load(wg.pk).error_handlers['abs']['tasks'] == {'one': {}}


def test_graph_level_handler_with_per_task_options() -> None:
    """Per-task options of a graph-level handler: each task its own exit codes, retries and kwargs."""
    wg = WorkGraph(
        'handler_graph_options',
        error_handlers={
            'abs': {
                'executor': make_positive,
                'tasks': {
                    'one': {'exit_codes': [NEGATIVE], 'kwargs': {'step': 1}},
                    'two': {'exit_codes': [NEGATIVE], 'kwargs': {'step': 2}},
                },
            }
        },
    )
    wg.add_task(scale_positive, name='one', x=-1)
    wg.add_task(scale_positive, name='two', x=-1)

    wg.run()

    assert wg.process.exit_status == 0
    assert wg.tasks['one'].outputs.result.value.value == 20
    assert wg.tasks['two'].outputs.result.value.value == 30


def test_handler_of_a_plain_task_exit_status_323() -> None:
    """A plain ``@task`` that raises is a PyFunction process with exit status 323, which a handler can handle."""
    wg = WorkGraph('handler_plain')
    wg.add_task(positive, name='checked', x=-6)
    wg.tasks['checked'].add_error_handler({'abs': {'executor': make_positive, 'exit_codes': [323]}})

    wg.run()

    assert wg.process.exit_status == 0
    assert [job.exit_status for job in attempts(wg.process, 'checked')] == [323, 0]
    assert wg.tasks['checked'].outputs.result.value.value == 6


def test_handler_that_raises_fails_the_task() -> None:
    """A handler that raises: no retry; the task fails with the process's failure and the handler's exception."""
    wg = WorkGraph('handler_raises')
    wg.add_task(scale_positive, name='bad', x=-3)
    wg.tasks['bad'].add_error_handler({'boom': {'executor': raise_in_handler, 'exit_codes': [NEGATIVE]}})

    wg.run()

    assert wg.process.exit_status == 302
    assert len(attempts(wg.process, 'bad')) == 1
    assert 'error handler boom raised: RuntimeError: handler gave up on bad' in wg.tasks['bad'].log
    assert 'exit status 410' in wg.tasks['bad'].log


def test_handler_setting_a_value_that_cannot_be_kept_stores_nothing() -> None:
    """A handler's new value goes through the same walk as any input: a lambda is refused with its path and the
    task fails; no node is stored for it and no new attempt is made."""
    wg = WorkGraph('handler_lambda')
    wg.add_task(scale_positive, name='bad', x=-3)
    wg.tasks['bad'].add_error_handler({'lam': {'executor': set_lambda, 'exit_codes': [NEGATIVE]}})

    wg.run()

    assert wg.process.exit_status == 302
    (job,) = attempts(wg.process, 'bad')
    log = wg.tasks['bad'].log
    assert 'error handler lam set inputs that cannot be kept' in log
    assert 'tasks.bad.x' in log
    assert 'lambda' in log
    later = orm.QueryBuilder().append(orm.Data, filters={'id': {'>': job.pk}}).count()
    assert later == 0


def test_handler_setting_an_unknown_input_fails_the_task() -> None:
    """A handler that sets an input the task does not have fails the task with the input's name."""
    wg = WorkGraph('handler_unknown')
    wg.add_task(scale_positive, name='bad', x=-3)
    wg.tasks['bad'].add_error_handler({'unknown': {'executor': set_unknown_input, 'exit_codes': [NEGATIVE]}})

    wg.run()

    assert wg.process.exit_status == 302
    assert len(attempts(wg.process, 'bad')) == 1
    assert "task 'bad' has no input 'nonexistent'" in wg.tasks['bad'].log


@pytest.mark.parametrize(
    ('entry', 'message'),
    [
        ({'executor': make_positive}, "error handler 'h' has no `exit_codes`: it would never run"),
        ({'executor': make_positive, 'exit_codes': []}, "error handler 'h' has no `exit_codes`"),
        ({'executor': make_positive, 'exit_codes': [1], 'retries': 2}, "error handler 'h': unknown keys ['retries']"),
        ({'exit_codes': [1]}, "error handler 'h': `executor` must be the handler function"),
        ({'executor': make_positive, 'exit_codes': [1], 'max_retries': 0}, '`max_retries` must be at least 1'),
    ],
)
def test_malformed_handlers_are_refused(entry: dict[str, Any], message: str) -> None:
    """A handler that could never act, or has keys nobody reads, is refused where it is given."""
    wg = WorkGraph('handler_malformed')
    node = wg.add_task(scale_positive, name='t', x=1)
    with pytest.raises(ValueError) as info:
        node.add_error_handler({'h': entry})
    assert message in str(info.value)
    assert node.error_handlers == {}

    def double(x: int) -> int:
        return 2 * x

    with pytest.raises(ValueError, match='error handler'):
        task(error_handlers={'h': entry})(double)
    with pytest.raises(ValueError, match='error handler'):
        WorkGraph('handler_malformed_graph', error_handlers={'h': entry})


def test_graph_handler_naming_an_unknown_task_is_refused_before_storing() -> None:
    """A graph-level handler for a task the graph does not have: ``run()`` raises, no process node is made."""
    before = orm.QueryBuilder().append(WorkGraphNode).count()
    wg = WorkGraph(
        'handler_unknown_task',
        error_handlers={'abs': {'executor': make_positive, 'exit_codes': [NEGATIVE], 'tasks': ['missing']}},
    )
    wg.add_task(scale_positive, name='one', x=1)
    with pytest.raises(ValueError, match="error handler 'abs' names tasks the graph does not have: missing"):
        wg.run()
    assert orm.QueryBuilder().append(WorkGraphNode).count() == before

"""A failing task fails the graph with exit status 302, skips its descendants and lets independent tasks finish."""

from __future__ import annotations

from collections.abc import Callable

from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.cmdline.utils.common import get_workchain_report
from aiida.common.links import LinkType
from tasks_for_tests import DoubleWorkChain, add, calc_raise, check_positive, cube

from aiida_workgraph import WorkGraph


def states(wg: WorkGraph, names: list[str]) -> dict[str, str]:
    """Return ``{task: state}`` for the given task names."""
    return {name: wg.tasks[name].state for name in names}


def call_links(node: orm.ProcessNode) -> dict[str, orm.ProcessNode]:
    """Return ``{link label: child process}`` for the ``CALL`` links of a process node."""
    triples = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return {triple.link_label: triple.node for triple in triples}


def report_of(node: orm.ProcessNode) -> str:
    """Return the REPORT-level log of a process, as ``verdi process report`` shows it."""
    return get_workchain_report(node, 'REPORT')


def test_raising_function_fails_the_graph_and_skips_descendants() -> None:
    """A plain function that raises: graph exit status 302, task FAILED, descendants SKIPPED, others FINISHED."""
    wg = WorkGraph('function_fails')
    start = wg.add_task(add, name='start', x=1, y=2)
    bad = wg.add_task(check_positive, name='bad', x=-5)
    child = wg.add_task(add, name='child', x=bad.outputs.result, y=start.outputs.result)
    grandchild = wg.add_task(cube, name='grandchild', x=child.outputs.result)
    waiter = wg.add_task(add, name='waiter', x=1, y=1)
    bad >> waiter
    independent = wg.add_task(cube, name='independent', x=start.outputs.result)
    wg.outputs.independent = independent.outputs.result
    wg.outputs.grandchild = grandchild.outputs.result

    outputs = wg.run()

    assert wg.process.is_finished
    assert not wg.process.is_finished_ok
    assert wg.process.exit_status == 302
    assert 'bad' in wg.process.exit_message
    names = ['start', 'bad', 'child', 'grandchild', 'waiter', 'independent']
    assert states(wg, names) == {
        'start': 'FINISHED',
        'bad': 'FAILED',
        'child': 'SKIPPED',
        'grandchild': 'SKIPPED',
        'waiter': 'SKIPPED',
        'independent': 'FINISHED',
    }
    # Outputs of tasks that ran are still exposed; those of skipped tasks are not.
    assert outputs['independent'].value == 27
    assert 'grandchild' not in outputs
    assert wg.tasks['grandchild'].process is None
    # The error is visible in the task log and in the process report.
    assert 'ValueError' in wg.tasks['bad'].log
    assert 'check_positive refused the value -5' in wg.tasks['bad'].log
    assert wg.tasks['start'].log == ''
    report = report_of(wg.process)
    assert 'Task bad failed' in report
    assert 'check_positive refused the value -5' in report
    # Every task that ran has a child process (plain functions as PyFunction nodes); skipped tasks have none.
    children = call_links(wg.process)
    assert set(children) == {'start', 'bad', 'independent'}
    assert children['bad'].pk == wg.tasks['bad'].process.pk
    assert children['bad'].exit_status == 323
    assert children['bad'].exit_message.startswith('Function execution failed.\n')
    assert 'check_positive refused the value -5' in children['bad'].exit_message
    assert children['start'].exit_status == 0
    assert wg.process.exit_message == (
        "WorkGraph finished, but tasks: ['bad'] failed. Thus all their child tasks are skipped."
    )


def test_failing_calcfunction_child() -> None:
    """A calcfunction that raises is an excepted child: the task fails, the graph ends with 302."""
    wg = WorkGraph('calcfunction_fails')
    bad = wg.add_task(calc_raise, name='bad', x=orm.Int(7))
    after = wg.add_task(cube, name='after', x=bad.outputs.result)
    wg.add_task(cube, name='fine', x=orm.Int(2))
    wg.outputs.after = after.outputs.result

    wg.run()

    assert wg.process.exit_status == 302
    assert states(wg, ['bad', 'after', 'fine']) == {'bad': 'FAILED', 'after': 'SKIPPED', 'fine': 'FINISHED'}
    children = call_links(wg.process)
    assert set(children) == {'bad', 'fine'}
    assert children['bad'].is_excepted
    assert 'calc_raise refused 7' in children['bad'].exception
    assert 'calc_raise refused 7' in wg.tasks['bad'].log
    assert 'calc_raise refused 7' in report_of(wg.process)


def test_workchain_child_with_nonzero_exit_code() -> None:
    """A WorkChain child that returns exit status 400 fails its task; the graph ends with 302."""
    wg = WorkGraph('workchain_fails')
    bad = wg.add_task(DoubleWorkChain, name='bad', x=orm.Int(-3))
    skipped = wg.add_task(DoubleWorkChain, name='skipped', x=bad.outputs.result)
    good = wg.add_task(DoubleWorkChain, name='good', x=orm.Int(3))
    wg.outputs.good = good.outputs.result
    wg.outputs.skipped = skipped.outputs.result

    outputs = wg.run()

    assert wg.process.exit_status == 302
    assert states(wg, ['bad', 'skipped', 'good']) == {'bad': 'FAILED', 'skipped': 'SKIPPED', 'good': 'FINISHED'}
    assert wg.tasks['bad'].process.exit_status == 400
    assert wg.tasks['good'].process.exit_status == 0
    assert wg.tasks['skipped'].process is None
    assert outputs['good'].value == 6
    assert 'skipped' not in outputs
    assert '400' in wg.tasks['bad'].log
    assert 'x is negative: -3' in wg.tasks['bad'].log


def test_calcjob_child_with_nonzero_exit_code(bash_code: orm.InstalledCode) -> None:
    """A real CalcJob whose parser returns exit status 410 (negative sum) fails its task; the graph ends with 302."""
    wg = WorkGraph('calcjob_fails')
    bad = wg.add_task(ArithmeticAddCalculation, name='bad', x=orm.Int(1), y=orm.Int(-10), code=bash_code)
    wg.add_task(add, name='after', x=bad.outputs.sum, y=1)
    good = wg.add_task(ArithmeticAddCalculation, name='good', x=orm.Int(1), y=orm.Int(2), code=bash_code)
    wg.outputs.good = good.outputs.sum

    outputs = wg.run()

    assert wg.process.exit_status == 302
    assert 'bad' in wg.process.exit_message
    assert states(wg, ['bad', 'after', 'good']) == {'bad': 'FAILED', 'after': 'SKIPPED', 'good': 'FINISHED'}
    job = wg.tasks['bad'].process
    assert isinstance(job, orm.CalcJobNode)
    assert job.exit_status == 410
    assert outputs['good'].value == 3
    assert '410' in wg.tasks['bad'].log
    assert 'negative' in wg.tasks['bad'].log
    assert 'Task bad failed' in report_of(wg.process)


def test_calcjob_with_failing_executable(aiida_code_installed: Callable[..., orm.InstalledCode]) -> None:
    """A CalcJob whose code's executable fails (``/bin/false``) fails its task; the graph ends with 302."""
    false_code = aiida_code_installed(label='false', filepath_executable='/bin/false')
    wg = WorkGraph('executable_fails')
    wg.add_task(ArithmeticAddCalculation, name='job', x=orm.Int(1), y=orm.Int(2), code=false_code)

    wg.run()

    assert wg.process.exit_status == 302
    assert wg.tasks['job'].state == 'FAILED'
    job = wg.tasks['job'].process
    assert job.is_finished and not job.is_finished_ok
    assert job.exit_status == ArithmeticAddCalculation.exit_codes.ERROR_INVALID_OUTPUT.status
    assert str(job.exit_status) in wg.tasks['job'].log


def test_no_failure_means_exit_status_zero() -> None:
    """The same graph shape without the failing value finishes with exit status 0 and no task log."""
    wg = WorkGraph('no_failure')
    good = wg.add_task(check_positive, name='good', x=5)
    wg.add_task(add, name='child', x=good.outputs.result, y=1)

    wg.run()

    assert wg.process.exit_status == 0
    assert states(wg, ['good', 'child']) == {'good': 'FINISHED', 'child': 'FINISHED'}
    assert wg.tasks['good'].log == ''
    assert wg.tasks['child'].outputs.result.value.value == 6

"""PythonJob tasks run in this interpreter with ``WorkGraph.run()``, as real ``PythonJob`` CalcJobs on ``localhost``.

PythonJobs take a few seconds each, so one graph (:func:`chain`) is run once for the module and the tests check
different aspects of that run; the failing job has its own graph (:func:`failed`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType
from pythonjob_tasks import (
    TO_DICT_CALLS,
    add,
    describe,
    divide,
    fail_job,
    inspect_inputs,
    reference_values,
    reset_to_dict_calls,
    square,
    sum_diff,
)

from aiida_workgraph import WorkGraph

PYTHONJOB_PROCESS_TYPE = 'aiida.calculations:pythonjob.pythonjob'
PYTHONJOB_TASKS = ('square', 'sum_diff', 'divide', 'inspect_inputs')
FUNCTION_INPUTS = {
    'square': ['x'],
    'sum_diff': ['a', 'b'],
    'divide': ['a', 'b'],
    'inspect_inputs': ['array', 'nested', 'settings', 'cell', 'vector'],
}


@dataclass
class Run:
    """A finished ``run()`` of a graph and what was observed during it."""

    wg: WorkGraph
    outputs: dict[str, Any]
    engines: list[Any]
    to_dict_calls: dict[str, int]


@pytest.fixture(scope='module')
def chain(localhost: orm.Computer, engine_recorder: Any) -> Iterator[Run]:
    """Run, once, a graph of a plain task feeding a chain of two PythonJobs, plus PythonJobs with rich inputs.

    ``add`` (plain) -> ``square`` (PythonJob) -> ``sum_diff`` (PythonJob, namespace outputs) -> ``describe`` (plain);
    ``add`` -> ``divide`` (PythonJob, outputs given as a list); ``inspect_inputs`` (PythonJob) gets a numpy array, a
    nested dict, a pydantic model, a dataclass and a ``to_dict``/``from_dict`` object.
    """
    with WorkGraph('pythonjob_chain') as wg:
        start = add(x=1, y=2)
        squared = square(x=start.result)
        total_diff = sum_diff(a=squared.result, b=4)
        describe(value=total_diff.total)
        quotient_remainder = divide(a=17, b=start.result)
        inspect_inputs(**reference_values())
        wg.outputs.squared = squared.result
        wg.outputs.total = total_diff.total
        wg.outputs.remainder = quotient_remainder.remainder
    reset_to_dict_calls()
    first = len(engine_recorder.engines)
    outputs = wg.run()
    yield Run(wg, outputs, engine_recorder.engines[first:], dict(TO_DICT_CALLS))
    reset_to_dict_calls()


def job(run: Run, name: str) -> orm.CalcJobNode:
    """Return the ``PythonJob`` node of task ``name``."""
    node = run.wg.tasks[name].process
    assert isinstance(node, orm.CalcJobNode), f'task {name} has no CalcJob process: {node!r}'
    return node


def test_chain_plain_task_to_pythonjobs(chain: Run) -> None:
    """A plain task feeds a PythonJob that feeds another PythonJob; every task finishes with the right values."""
    wg = chain.wg
    assert wg.process.is_finished_ok, (wg.process.exit_status, wg.process.exit_message)
    states = {task.name: task.state for task in wg.tasks if task.name in {*PYTHONJOB_TASKS, 'add', 'describe'}}
    assert set(states.values()) == {'FINISHED'}, states
    for name in PYTHONJOB_TASKS:
        node = job(chain, name)
        assert node.process_type == PYTHONJOB_PROCESS_TYPE
        assert node.is_finished_ok, (name, node.exit_status, node.exit_message)
        assert node.process_label == f'PythonJob<{name}>'
        # The tasks' parser: aiida-pythonjob's, except that a dataclass or model result of one output stays whole.
        assert node.get_option('parser_name') == 'workgraph.pythonjob'
    assert wg.tasks['add'].outputs.result.value == 3
    assert wg.tasks['square'].outputs.result.value == 9
    assert {key: node.value for key, node in chain.outputs.items()} == {'squared': 9, 'total': 13, 'remainder': 2}
    callees = {link.link_label for link in wg.process.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()}
    assert set(PYTHONJOB_TASKS) <= callees


def test_downstream_pythonjob_receives_upstream_nodes(chain: Run) -> None:
    """A PythonJob downstream of a task gets the upstream result node itself as its input, not a copy."""
    add_result = chain.wg.tasks['add'].outputs.result.value
    square_job = job(chain, 'square')
    assert square_job.inputs.function_inputs.x.uuid == add_result.uuid
    assert job(chain, 'divide').inputs.function_inputs.b.uuid == add_result.uuid
    square_result = square_job.outputs.result
    sum_diff_inputs = job(chain, 'sum_diff').inputs.function_inputs
    assert sum_diff_inputs.a.uuid == square_result.uuid
    assert isinstance(sum_diff_inputs.b, orm.Int) and sum_diff_inputs.b.value == 4


def test_downstream_plain_task_receives_python_values(chain: Run) -> None:
    """A plain task downstream of a PythonJob gets the Python value of the job's output node."""
    assert isinstance(job(chain, 'sum_diff').outputs.total, orm.Int)
    assert chain.wg.tasks['describe'].outputs.result.value == 'builtins.int'


def test_several_named_outputs(chain: Run) -> None:
    """``outputs=namespace(total=..., diff=...)`` and ``outputs=['quotient', 'remainder']`` spread a returned dict."""
    sum_diff_job = job(chain, 'sum_diff')
    assert set(sum_diff_job.outputs) == {'total', 'diff', 'remote_folder', 'retrieved'}
    assert (sum_diff_job.outputs.total.value, sum_diff_job.outputs.diff.value) == (13, 5)
    divide_job = job(chain, 'divide')
    assert set(divide_job.outputs) == {'quotient', 'remainder', 'remote_folder', 'retrieved'}
    assert (divide_job.outputs.quotient.value, divide_job.outputs.remainder.value) == (5, 2)
    tasks = chain.wg.tasks
    assert (tasks['sum_diff'].outputs.total.value, tasks['sum_diff'].outputs.diff.value) == (13, 5)
    assert (tasks['divide'].outputs.quotient.value, tasks['divide'].outputs.remainder.value) == (5, 2)


def test_rich_inputs_arrive_equal_inside_the_job(chain: Run) -> None:
    """A numpy array, a nested dict, a pydantic model, a dataclass and a to_dict object arrive equal in the job."""
    inputs = job(chain, 'inspect_inputs').inputs.function_inputs
    stored_types = {name: type(inputs[name]).__name__ for name in FUNCTION_INPUTS['inspect_inputs']}
    assert stored_types == {
        'array': 'ArrayData',
        'nested': 'Dict',
        'settings': 'JsonableData',
        'cell': 'DataclassData',
        'vector': 'JsonableData',
    }
    seen = chain.wg.tasks['inspect_inputs'].outputs.result.value.get_dict()
    assert seen['types'] == {
        'array': 'numpy.ndarray',
        'nested': 'builtins.dict',
        'settings': 'pythonjob_tasks.Settings',
        'cell': 'pythonjob_tasks.Cell',
        'vector': 'pythonjob_tasks.TracedVector',
    }
    assert seen['equal'] == dict.fromkeys(FUNCTION_INPUTS['inspect_inputs'], True)


def test_default_code_is_the_engine_interpreter(chain: Run) -> None:
    """Without ``code``, a job on ``localhost`` runs this engine's interpreter (``sys.executable``) on localhost."""
    for name in PYTHONJOB_TASKS:
        node = job(chain, name)
        code = node.inputs.code
        assert str(code.filepath_executable) == sys.executable, name
        assert code.computer.label == 'localhost'
        assert node.computer.uuid == code.computer.uuid
        assert (node.computer.transport_type, node.computer.scheduler_type) == ('core.local', 'core.direct')


def test_each_input_value_visited_once(chain: Run) -> None:
    """The engine's single walk visits each input value once; the job gets the walk's node; one ``to_dict`` call.

    The nodes the walk made are the WorkGraph process's inputs (``tasks__<task>__<input>``); the job gets those very
    nodes, so nothing converts the values again between ``run()`` and the job's launch.
    """
    assert len(chain.engines) == 1
    walk = chain.engines[0].walk_result
    duplicates = sorted({path for path in walk.visited if walk.visited.count(path) > 1})
    assert duplicates == []
    expected = {f'tasks.{task}.{name}' for task, names in FUNCTION_INPUTS.items() for name in names}
    expected -= {'tasks.square.x', 'tasks.sum_diff.a', 'tasks.divide.b'}  # linked inputs hold no value
    function_paths = set()
    for path in walk.visited:
        _, task, name = path.split('.', 2)
        if name in FUNCTION_INPUTS.get(task, []):
            function_paths.add(path)
    assert function_paths == expected
    graph_inputs = chain.wg.process.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested()
    walked = graph_inputs['tasks']['inspect_inputs']
    received = job(chain, 'inspect_inputs').inputs.function_inputs
    for name in FUNCTION_INPUTS['inspect_inputs']:
        assert received[name].uuid == walked[name].uuid, name
    assert chain.to_dict_calls == {'inspect': 1}


@pytest.fixture(scope='module')
def failed(localhost: orm.Computer) -> WorkGraph:
    """Run, once, a graph whose PythonJob raises: ``fail_job`` -> ``describe`` (skipped), ``add`` beside them."""
    with WorkGraph('pythonjob_fails') as wg:
        failing = fail_job(x=7)
        describe(value=failing.result)
        add(x=1, y=1)
    wg.run()
    return wg


def test_raising_function_fails_the_task(failed: WorkGraph) -> None:
    """The job of a raising function fails with the function's error, the task FAILED, the graph exit status 302."""
    states = {task.name: task.state for task in failed.tasks if task.name in {'fail_job', 'describe', 'add'}}
    assert states == {'fail_job': 'FAILED', 'describe': 'SKIPPED', 'add': 'FINISHED'}
    node = failed.process
    assert node.is_finished and node.exit_status == 302
    assert 'fail_job' in node.exit_message
    job_node = failed.tasks['fail_job'].process
    assert isinstance(job_node, orm.CalcJobNode)
    assert job_node.exit_status == job_node.process_class.exit_codes.ERROR_FUNCTION_EXECUTION_FAILED.status
    assert 'fail_job refused the value 7' in job_node.exit_message


def test_raising_function_error_is_in_task_log(failed: WorkGraph) -> None:
    """The function's error message and type are in ``wg.tasks[name].log``."""
    log = failed.tasks['fail_job'].log
    assert 'fail_job refused the value 7' in log
    assert 'ValueError' in log
    assert f'<{failed.tasks["fail_job"].process.pk}>' in log


def test_raising_function_error_is_in_the_report(failed: WorkGraph) -> None:
    """The function's error message is in the WorkGraph's process report."""
    report = '\n'.join(entry.message for entry in orm.Log.collection.get_logs_for(failed.process))
    assert 'fail_job' in report
    assert 'fail_job refused the value 7' in report

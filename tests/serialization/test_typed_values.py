"""Typed values keep their type, ``None`` passes through, and calcfunctions take what plain tasks take.

- **Typed results**: a plain task or a PythonJob that returns a dataclass or a pydantic model hands the next task an
  equal object of that class (not a ``dict``), with ``run()`` and through the daemon; ``DataclassData`` and
  ``JsonableData`` read back from the database rebuild the object.
- **None**: a task that returns ``None`` hands the next task ``None`` (stored as aiida-pythonjob's ``NoneData``); a
  ``ctx`` value ``None`` linked to a task input arrives as ``None``. A task input set to ``None`` counts as not set,
  as in node-graph: a required one is reported missing when the graph is created.
- **calcfunction inputs** that aiida-core's default port serializer ``to_aiida_type`` refuses (a dataclass, a
  pydantic model, an object with ``to_dict``/``from_dict``, a ``datetime``) are converted by the general rules, to the
  node types a plain task gets; a serializer a process author declared is still final.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from serialization_helpers import (
    Params,
    Point,
    SerializerWorkChain,
    Settings,
    calc_describe,
    describe,
    job_make_params,
    job_make_settings,
    make_params,
    make_settings,
    return_none,
)

from aiida_workgraph import WorkGraph, WorkGraphSerializationError
from aiida_workgraph.serialization.convert import to_data, to_python

LAUNCHES = ['run', pytest.param('submit', marks=pytest.mark.daemon)]


def launch(wg: WorkGraph, how: str, request: pytest.FixtureRequest) -> orm.ProcessNode:
    """Run ``wg`` in this interpreter or submit it to the daemon and wait; return its process node."""
    if how == 'run':
        wg.run()
    else:
        request.getfixturevalue('started_daemon_client')
        wg.submit(wait=True, timeout=90, interval=0.5)
    return wg.process


def received(wg: WorkGraph, task: str = 'describe') -> str:
    """What the ``describe`` task (or a calcfunction's ``calc_describe``) reported it received."""
    return wg.tasks[task].outputs.result.value.value


# region typed results


TYPED = {
    'dataclass': (make_settings, {'cutoff': 1.5}, "serialization_helpers.Settings: Settings(cutoff=1.5, label='made')"),
    'pydantic': (make_params, {'steps': 7}, 'serialization_helpers.Params: Params(steps=7, tolerance=0.001)'),
}


@pytest.mark.parametrize('how', LAUNCHES)
@pytest.mark.parametrize('kind', list(TYPED))
def test_typed_result_reaches_the_next_task_as_its_class(kind: str, how: str, request: pytest.FixtureRequest) -> None:
    """A plain task returning a dataclass / pydantic model: the next task receives an equal object of that class."""
    function, inputs, expected = TYPED[kind]
    wg = WorkGraph(f'typed_{kind}_{how}')
    made = wg.add_task(function, name='made', **inputs)
    wg.add_task(describe, name='describe', x=made.outputs.result)
    node = launch(wg, how, request)
    assert node.is_finished_ok, (node.process_state, node.exit_status, wg.tasks.made.log, wg.tasks.describe.log)
    assert received(wg) == expected
    from aiida_pythonjob.data.jsonable_data import JsonableData

    assert isinstance(wg.tasks.made.outputs.result.value, JsonableData)


JOB_TYPED = {
    'dataclass': (
        job_make_settings,
        {'cutoff': 2.5},
        'DataclassData',
        "serialization_helpers.Settings: Settings(cutoff=2.5, label='made')",
    ),
    'pydantic': (
        job_make_params,
        {'steps': 9},
        'JsonableData',
        'serialization_helpers.Params: Params(steps=9, tolerance=0.001)',
    ),
}


@pytest.mark.parametrize('how', LAUNCHES)
@pytest.mark.parametrize('kind', list(JOB_TYPED))
def test_pythonjob_dataclass_result_reaches_the_next_task_as_its_class(
    kind: str, how: str, request: pytest.FixtureRequest, localhost: orm.Computer
) -> None:
    """A PythonJob returning a dataclass / pydantic model: its parser (``workgraph.pythonjob``) keeps the result
    whole, and the next (plain) task receives an equal object of that class."""
    function, inputs, node_class, expected = JOB_TYPED[kind]
    wg = WorkGraph(f'typed_job_{kind}_{how}')
    made = wg.add_task(function, name='made', **inputs)
    wg.add_task(describe, name='describe', x=made.outputs.result)
    node = launch(wg, how, request)
    assert node.is_finished_ok, (node.process_state, node.exit_status, wg.tasks.made.log, wg.tasks.describe.log)
    assert received(wg) == expected
    assert wg.tasks.made.process.get_option('parser_name') == 'workgraph.pythonjob'
    assert type(wg.tasks.made.outputs.result.value).__name__ == node_class


def test_pythonjob_parser_chosen_by_the_user_is_kept(localhost: orm.Computer) -> None:
    """``metadata.options.parser_name`` set on the task is respected: with aiida-pythonjob's own parser the dataclass
    is spread into a ``Dict`` of its fields, as aiida-pythonjob does."""
    wg = WorkGraph('typed_job_own_parser')
    made = wg.add_task(
        job_make_settings, name='made', cutoff=2.5, metadata={'options': {'parser_name': 'pythonjob.pythonjob'}}
    )
    wg.add_task(describe, name='describe', x=made.outputs.result)
    wg.run()
    assert wg.process.is_finished_ok, (wg.process.exit_status, wg.tasks.made.log, wg.tasks.describe.log)
    assert wg.tasks.made.process.get_option('parser_name') == 'pythonjob.pythonjob'
    assert isinstance(wg.tasks.made.outputs.result.value, orm.Dict)
    assert received(wg) == "builtins.dict: {'cutoff': 2.5, 'label': 'made'}"


def parse_job(results: Any, outputs: Any, error: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
    """Run the PythonJob tasks' parser on a stored ``PythonJob`` node that did not run, whose retrieved folder holds
    ``results`` pickled (and ``error`` as the script's error file, if given); return the outputs and the exit code.

    :param outputs: the job's output spec (a socket spec, e.g. ``namespace(result=Any)``).
    """
    import io
    import json
    import pickle

    from aiida.common.links import LinkType
    from aiida.plugins import ParserFactory

    node = orm.CalcJobNode(process_type='aiida.calculations:pythonjob.pythonjob')
    node.base.attributes.set('outputs_spec', outputs.to_dict())
    node.store()
    retrieved = orm.FolderData()
    retrieved.base.repository.put_object_from_filelike(io.BytesIO(pickle.dumps(results)), 'results.pickle')
    if error is not None:
        retrieved.base.repository.put_object_from_filelike(io.BytesIO(json.dumps(error).encode()), '_error.json')
    retrieved.base.links.add_incoming(node, link_type=LinkType.CREATE, link_label='retrieved')
    retrieved.store()
    parser = ParserFactory('workgraph.pythonjob')(node)
    exit_code = parser.parse()
    return dict(parser.outputs), exit_code


def test_pythonjob_parser_keeps_one_typed_output_whole() -> None:
    """The parser itself: a dataclass or a model that is the one output's value becomes one node of its class; with
    several outputs, or one namespace output, it is spread by field as aiida-pythonjob does."""
    from aiida_pythonjob.data.jsonable_data import JsonableData

    from aiida_workgraph import namespace
    from aiida_workgraph.serialization.dataclass_data import DataclassData

    outputs, _ = parse_job(Settings(1.0, 'one'), namespace(result=Any))
    assert isinstance(outputs['result'], DataclassData)
    assert to_python(orm.load_node(outputs['result'].store().pk)) == Settings(1.0, 'one')
    outputs, _ = parse_job(Params(steps=2), namespace(result=Any))
    assert type(outputs['result']) is JsonableData
    assert to_python(orm.load_node(outputs['result'].store().pk)) == Params(steps=2)
    outputs, _ = parse_job(Settings(3.0, 'spread'), namespace(cutoff=float, label=str))
    assert {name: node.value for name, node in outputs.items()} == {'cutoff': 3.0, 'label': 'spread'}
    outputs, _ = parse_job(Params(steps=4), namespace(result=namespace(steps=int, tolerance=float)))
    assert {name: node.value for name, node in outputs['result'].items()} == {'steps': 4, 'tolerance': 1e-3}


def test_pythonjob_parser_falls_back_to_fields_when_the_object_does_not_load_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A dataclass our rules refuse (it does not load back as an equal object) is stored by aiida-pythonjob's rules,
    as a ``Dict`` of its fields, with a warning that says why."""
    from serialization_helpers import Pair

    from aiida_workgraph import namespace

    outputs, exit_code = parse_job(Pair((1, 2)), namespace(result=Any))
    assert exit_code is None
    assert isinstance(outputs['result'], orm.Dict)
    assert orm.load_node(outputs['result'].store().pk).get_dict() == {'items': [1, 2]}
    assert 'output result (serialization_helpers.Pair) is stored as a dict of its fields' in caplog.text
    assert 'loads back as a different object' in caplog.text


def test_pythonjob_parser_keeps_aiida_pythonjob_exit_codes() -> None:
    """An error recorded by the job script and a result that does not match the outputs give aiida-pythonjob's exit
    codes."""
    from aiida_pythonjob.calculations.pythonjob import PythonJob

    from aiida_workgraph import namespace

    error = {'error_type': 'FUNCTION_EXECUTION_FAILED', 'exception_message': 'boom', 'traceback': 'tb'}
    outputs, exit_code = parse_job(None, namespace(result=Any), error=error)
    assert (outputs, exit_code.status) == ({}, PythonJob.exit_codes.ERROR_FUNCTION_EXECUTION_FAILED.status)
    assert 'boom' in exit_code.message
    outputs, exit_code = parse_job((1, 2, 3), namespace(a=Any, b=Any))
    assert (outputs, exit_code.status) == ({}, PythonJob.exit_codes.ERROR_RESULT_OUTPUT_MISMATCH.status)
    outputs, exit_code = parse_job({'exit_code': {'status': 410, 'message': 'inline'}}, namespace(result=Any))
    assert (outputs, exit_code.status, exit_code.message) == ({}, 410, 'inline')


@pytest.mark.parametrize('how', LAUNCHES)
def test_typed_input_reaches_the_task_as_its_class(how: str, request: pytest.FixtureRequest) -> None:
    """A dataclass set as a task input reaches the task as that dataclass, in this interpreter and in a worker."""
    wg = WorkGraph(f'typed_input_{how}')
    wg.add_task(describe, name='describe', x=Settings(3.0, 'given'))
    node = launch(wg, how, request)
    assert node.is_finished_ok, (node.process_state, wg.tasks.describe.log)
    assert received(wg) == "serialization_helpers.Settings: Settings(cutoff=3.0, label='given')"


@pytest.mark.parametrize(
    ('node_class', 'expected'),
    [
        ('DataclassData', Settings(1.0, 'db')),
        ('JsonableData', Params(steps=3)),
        ('JsonableData', Point(1.0, 2.0)),
        # aiida-pythonjob stores a dataclass returned by a PythonJob as plain JsonableData, which it cannot rebuild.
        ('JsonableData', Settings(2.0, 'job')),
    ],
    ids=['DataclassData', 'JsonableData-pydantic', 'JsonableData-to_dict', 'JsonableData-dataclass'],
)
def test_typed_data_read_back_from_the_database_rebuilds_the_object(node_class: str, expected: Any) -> None:
    """``to_python`` of a node loaded anew from the database (no cached object) returns an equal object."""
    from aiida_pythonjob.data.jsonable_data import JsonableData

    from aiida_workgraph.serialization.dataclass_data import DataclassData

    pk = {'DataclassData': DataclassData, 'JsonableData': JsonableData}[node_class](expected).store().pk
    loaded = orm.load_node(pk)
    assert '_obj' not in loaded.__dict__
    value = to_python(loaded)
    assert type(value) is type(expected)
    assert value == expected


# endregion

# region None


@pytest.mark.parametrize('how', LAUNCHES)
def test_none_result_reaches_the_next_task_as_none(how: str, request: pytest.FixtureRequest) -> None:
    """A task returning ``None`` feeding another task: the other task receives ``None``; the result is ``NoneData``."""
    wg = WorkGraph(f'none_result_{how}')
    nothing = wg.add_task(return_none, name='nothing')
    wg.add_task(describe, name='describe', x=nothing.outputs.result)
    node = launch(wg, how, request)
    assert node.is_finished_ok, (node.process_state, wg.tasks.nothing.log, wg.tasks.describe.log)
    assert received(wg) == 'builtins.NoneType: None'
    from aiida_pythonjob.data.common_data import NoneData

    assert isinstance(wg.tasks.nothing.outputs.result.value, NoneData)


@pytest.mark.parametrize('how', LAUNCHES)
def test_none_in_ctx_reaches_the_task_as_none(how: str, request: pytest.FixtureRequest) -> None:
    """``wg.ctx = {'v': None}`` linked to a task input: the task receives ``None``."""
    wg = WorkGraph(f'none_ctx_{how}')
    wg.ctx = {'v': None}
    wg.add_task(describe, name='describe', x=wg.ctx.v)
    node = launch(wg, how, request)
    assert node.is_finished_ok, (node.process_state, wg.tasks.describe.log)
    assert received(wg) == 'builtins.NoneType: None'


@pytest.mark.parametrize('how', LAUNCHES)
def test_none_data_in_ctx_reaches_the_task_as_none(how: str, request: pytest.FixtureRequest) -> None:
    """What the ``ctx`` rule stores: a ``NoneData`` in ``ctx`` reaches the linked task as ``None``."""
    from aiida_pythonjob.data.common_data import NoneData

    wg = WorkGraph(f'none_data_ctx_{how}')
    wg.ctx = {'v': NoneData()}
    wg.add_task(describe, name='describe', x=wg.ctx.v)
    node = launch(wg, how, request)
    assert node.is_finished_ok, (node.process_state, wg.tasks.describe.log)
    assert received(wg) == 'builtins.NoneType: None'


def test_none_task_input_counts_as_not_set() -> None:
    """``x=None`` on a required input is reported as missing when the graph is created, naming the input."""
    wg = WorkGraph('none_input')
    wg.add_task(describe, name='describe', x=None)
    with pytest.raises(
        ValueError,
        match=r'^Missing required inputs: tasks\.describe\.x\. WorkGraph<none_input>: '
        r'these required inputs have neither',
    ):
        wg.run()
    assert wg.process is None


def test_none_converts_to_none_data_and_back() -> None:
    """The rule's conversion: ``None`` becomes ``NoneData``, which a task receives as ``None``."""
    from aiida_pythonjob.data.common_data import NoneData

    node = to_data(None, for_daemon=True)
    assert isinstance(node, NoneData)
    assert to_python(orm.load_node(node.store().pk)) is None


# endregion

# region calcfunction inputs

CALC_VALUES = {
    'dataclass': (
        Settings(1.5, 'calc'),
        "DataclassData: serialization_helpers.Settings: Settings(cutoff=1.5, label='calc')",
    ),
    'pydantic': (Params(steps=4), 'JsonableData: serialization_helpers.Params: Params(steps=4, tolerance=0.001)'),
    'to_dict': (Point(1.0, 2.0), 'JsonableData: serialization_helpers.Point: Point(1.0, 2.0)'),
    'datetime': (
        datetime.datetime(2024, 5, 6, 7, 8, 9),
        'DateTimeData: datetime.datetime: datetime.datetime(2024, 5, 6, 7, 8, 9)',
    ),
}


@pytest.mark.parametrize('how', LAUNCHES)
@pytest.mark.parametrize('kind', list(CALC_VALUES))
def test_calcfunction_takes_values_its_default_serializer_refuses(
    kind: str, how: str, request: pytest.FixtureRequest
) -> None:
    """A dataclass, a pydantic model, a ``to_dict`` object, a ``datetime`` as a calcfunction input: converted by the
    general rules (the node types a plain task gets), and the calcfunction runs."""
    value, expected = CALC_VALUES[kind]
    wg = WorkGraph(f'calc_{kind}_{how}')
    wg.add_task(calc_describe, name='calc', x=value)
    node = launch(wg, how, request)
    assert node.is_finished_ok, (node.process_state, node.exit_status, wg.tasks.calc.log)
    assert received(wg, 'calc') == expected


def test_declared_serializer_refusal_is_final() -> None:
    """A WorkChain port whose author declared a serializer (``to_float``) refuses a dataclass: the walk says the
    port's serializer refused it; ``to_aiida_type`` on a ``Float`` port falls back only to a node the port accepts,
    so a dataclass is refused there too. (The walk is driven directly: the graph's typed sockets would refuse a
    dataclass on a ``Float`` port already in ``add_task``.)"""
    from aiida_workgraph.serialization.schema import port_slot
    from aiida_workgraph.serialization.walk import InputWalker

    walker = InputWalker(for_daemon=False)
    data: dict[str, Any] = {}
    values = {'x': Settings(1.0), 'y': Settings(2.0)}
    walker.walk(values, port_slot(SerializerWorkChain.spec().inputs), 'tasks.chain', data, {}, 'tasks.chain')
    assert [problem.path for problem in walker.problems] == ['tasks.chain.x', 'tasks.chain.y']
    for problem in walker.problems:
        assert problem.type_name == 'serialization_helpers.Settings'
        assert problem.reason.startswith("the port's serializer refused it")
    assert data == {}


def test_calcfunction_fallback_keeps_our_refusals(refused_before_storing: Callable[..., Any]) -> None:
    """Where our rules refuse too, the calcfunction input gets our reason and fix."""
    from serialization_helpers import WrongPoint, calc_identity

    wg = WorkGraph('calc_wrong')
    wg.add_task(calc_identity, name='calc', x=WrongPoint(1.0, 2.0))
    with pytest.raises(WorkGraphSerializationError) as info:
        wg.run()
    assert '  - tasks.calc.x (serialization_helpers.WrongPoint): serializes but loads back as a different object' in (
        str(info.value)
    )


# endregion


# region split_results


def test_split_results_keeps_a_typed_value_whole() -> None:
    """With one output, a dataclass, a model or ``None`` is that output's value as it is; several outputs are filled
    by name (dict), by order (tuple) or by field (dataclass), as node-graph does."""
    from node_graph.socket_spec import SocketSpec

    from aiida_workgraph import namespace
    from aiida_workgraph.serialization.results import split_results

    one = namespace(result=Any)
    two = namespace(cutoff=Any, label=Any)
    settings = Settings(1.0, 'kept')
    assert isinstance(one, SocketSpec)
    assert split_results(settings, one) == {'result': settings}
    assert split_results(settings, one)['result'] is settings
    assert split_results(None, one) == {'result': None}
    assert split_results({'result': 5, 'other': 6}, one) == {'result': 5}
    assert split_results({'a': 1}, one) == {'result': {'a': 1}}
    assert split_results((1, 'x'), two) == {'cutoff': 1, 'label': 'x'}
    assert split_results(settings, two) == {'cutoff': 1.0, 'label': 'kept'}
    assert split_results((1, 2, 3), two) is None


def test_split_results_spreads_an_object_whose_fields_are_the_outputs() -> None:
    """A dataclass or model is spread by field when its fields are the one output (a return annotation of a
    one-field class declares it) or when the one output is a namespace; :func:`whole_output` names the output that
    keeps a value whole (``None`` when it is spread)."""
    import dataclasses

    from aiida_workgraph import namespace
    from aiida_workgraph.serialization.results import split_results, whole_output

    @dataclasses.dataclass
    class Single:
        cutoff: float

    assert whole_output(Single(1.0), namespace(cutoff=Any)) is None
    assert split_results(Single(1.0), namespace(cutoff=Any)) == {'cutoff': 1.0}
    assert whole_output(Single(1.0), namespace(result=Any)) == 'result'
    nested = namespace(result=namespace(steps=Any, tolerance=Any))
    assert whole_output(Params(steps=2), nested) is None
    assert split_results(Params(steps=2), nested) == {'result': {'steps': 2, 'tolerance': 1e-3}}
    assert whole_output(5, nested) == 'result'
    assert whole_output({'result': 5}, namespace(result=Any)) is None


# endregion

"""Bad values in a graph run in this interpreter: one clear error from ``run()``, ``save()`` and the engine's
constructor, before anything is stored; results that cannot be kept fail their task, not the engine."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.links import LinkType
from serialization_helpers import (
    BAD_VALUES,
    PLACES,
    SerializerWorkChain,
    add_one,
    bad_result,
    calc_identity,
    count_nodes,
    graph_with_value,
    half_bad_results,
    identity,
    job_identity,
    problem_line,
)

from aiida_workgraph import WorkGraph, namespace
from aiida_workgraph.engine.engine_inputs import prepare_engine_inputs
from aiida_workgraph.engine.workgraph_engine import WorkGraphEngine

#: ``ctx`` with a non-string key: node-graph crashes when it is set (``test_value_shapes.py`` has that case).
BAD_PLACES = [(place, kind) for place in PLACES for kind in sorted(BAD_VALUES) if (place, kind) != ('ctx', 'int_keys')]


@pytest.mark.parametrize(('place', 'kind'), BAD_PLACES, ids=[f'{place}-{kind}' for place, kind in BAD_PLACES])
def test_run_refuses_bad_value_before_storing(
    place: str, kind: str, bad_value: Callable[[str], Any], refused_before_storing: Callable[..., Any]
) -> None:
    """Every kind of bad value, in every place, is refused by ``run()`` with one line naming its path, type,
    reason and fix; no node of any kind is stored."""
    expected = BAD_VALUES[kind]
    wg, inputs, path = graph_with_value(place, bad_value(kind))
    with refused_before_storing() as info:
        wg.run(inputs=inputs)
    message = str(info.value)
    assert (
        message.splitlines()[0]
        == f'Cannot serialize the provided object: WorkGraph<{wg.name}>: 1 value cannot be kept; nothing was stored:'
    )
    line = problem_line(message, f'{path}{expected.subpath}')
    assert line.startswith(f'  - {path}{expected.subpath} ({expected.type_name}): ')
    assert expected.reason in line
    assert expected.fix in line.split('. Fix: ', 1)[1]
    assert wg.process is None


@pytest.mark.parametrize('place', PLACES)
def test_save_refuses_bad_value_before_storing(place: str, refused_before_storing: Callable[..., Any]) -> None:
    """``save()`` walks the same values and refuses them the same way."""
    wg, inputs, path = graph_with_value(place, {1, 2})
    wg.set_inputs(inputs)
    with refused_before_storing() as info:
        wg.save()
    assert f'  - {path} (builtins.set): sets have no serializer. Fix: pass a sorted list instead' in str(info.value)


@pytest.mark.parametrize('place', PLACES)
def test_engine_constructor_refuses_bad_value(place: str, refused_before_storing: Callable[..., Any]) -> None:
    """The engine's constructor is where the walk happens: built directly, it raises the same error."""
    wg, inputs, path = graph_with_value(place, threading.Lock())
    wg.set_inputs(inputs)
    with refused_before_storing() as info:
        WorkGraphEngine(inputs=wg.prepare_inputs('run'))
    assert f'  - {path} (_thread.lock): a lock is runtime state and cannot be stored.' in str(info.value)


def test_engine_refuses_int_keys_in_a_namespace(refused_before_storing: Callable[..., Any]) -> None:
    """A dict with non-string keys handed to the engine as a ctx namespace is refused, naming the dict's path."""
    wg = WorkGraph('int_keys')
    wg.add_task(identity, name='add1', x=1)
    inputs = wg.prepare_inputs('run')
    inputs['workgraph_data']['ctx'] = {'v': {1: 'one', 'ok': 2}}
    with refused_before_storing() as info:
        WorkGraphEngine(inputs=inputs)
    assert str(info.value).splitlines()[1:] == [
        '  - ctx.v (builtins.dict): dict key 1 is a int, but JSON needs string keys. Fix: use string keys'
    ]


def test_nested_graph_input_and_ctx_paths(refused_before_storing: Callable[..., Any]) -> None:
    """Values inside namespaces and dicts are named by their full path: ``graph_inputs.params.k``, ``ctx.params.k``,
    also when the dict is a single value (``graph_inputs.settings.k``)."""
    wg = WorkGraph('nested', inputs=namespace(params=namespace(k=Any, ok=Any), settings=Any))
    wg.add_task(identity, name='use', x=wg.inputs.params.ok)
    wg.add_task(identity, name='use2', x=wg.inputs.settings)
    wg.ctx = {'params': {'k': {3, 4}, 'ok': 2}}
    with refused_before_storing() as info:
        wg.run(inputs={'params': {'k': threading.Lock(), 'ok': 1}, 'settings': {'k': threading.Lock(), 'ok': 1}})
    lines = str(info.value).splitlines()
    assert lines == [
        'Cannot serialize the provided objects: WorkGraph<nested>: 3 values cannot be kept; nothing was stored:',
        '  - graph_inputs.params.k (_thread.lock): a lock is runtime state and cannot be stored. '
        'Fix: create the lock inside the task',
        '  - graph_inputs.settings.k (_thread.lock): a lock is runtime state and cannot be stored. '
        'Fix: create the lock inside the task',
        '  - ctx.params.k (builtins.set): sets have no serializer. Fix: pass a sorted list instead',
    ]


def test_good_values_of_every_kind_run() -> None:
    """A control: the same graph shapes with good values run, and every value is linked as a data node."""
    wg = WorkGraph('good', inputs=namespace(structure=Any))
    wg.add_task(identity, name='add1', x={'a': [1, 2]})
    wg.add_task(calc_identity, name='calc1', x=2.5)
    wg.add_task(identity, name='use', x=wg.inputs.structure)
    wg.ctx = {'v': 'text'}
    wg.run(inputs={'structure': [1, 2]})
    assert wg.process.is_finished_ok
    links = {
        link.link_label: link.node for link in wg.process.base.links.get_incoming(link_type=LinkType.INPUT_WORK).all()
    }
    assert links['tasks__add1__x'].get_dict() == {'a': [1, 2]}
    assert isinstance(links['tasks__calc1__x'], orm.Float)
    assert links['graph_inputs__structure'].get_list() == [1, 2]
    assert links['workgraph_data__ctx__v'].value == 'text'


# region ports of AiiDA processes


def test_port_serializer_of_a_workchain_is_kept() -> None:
    """A WorkChain port that declares ``serializer=to_aiida_type`` turns a float into ``Float``; a port with its own
    serializer (int -> ``Float``) keeps it although our rules would make an ``Int``."""
    wg = WorkGraph('port_serializer')
    wg.add_task(SerializerWorkChain, name='chain', x=1.5, y=2)
    wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    x = wg.process.base.links.get_incoming(link_label_filter='tasks__chain__x').one().node
    y = wg.process.base.links.get_incoming(link_label_filter='tasks__chain__y').one().node
    assert type(x) is orm.Float and x.value == 1.5
    assert type(y) is orm.Float and y.value == 2.0
    assert wg.tasks.chain.outputs.result.value.value == 3.5


def test_port_serializer_refusal_is_reported(refused_before_storing: Callable[..., Any]) -> None:
    """A value a port's own serializer refuses is reported with that serializer's reason."""
    wg = WorkGraph('port_refused')
    wg.add_task(SerializerWorkChain, name='chain', x=1.5, y='not a number')
    with refused_before_storing() as info:
        wg.run()
    line = problem_line(str(info.value), 'tasks.chain.y')
    assert line == (
        "  - tasks.chain.y (builtins.str): the port's serializer refused it (could not convert string to float: "
        "'not a number'). Fix: pass an AiiDA node or a value the port's serializer accepts"
    )


def test_metadata_options_stay_plain_json(bash_code: orm.AbstractCode) -> None:
    """``metadata.options`` of a CalcJob are validated and kept as plain values in the structure, never converted."""
    options = {'resources': {'num_machines': 1}, 'max_wallclock_seconds': 30, 'withmpi': False}
    wg = WorkGraph('options')
    wg.add_task(ArithmeticAddCalculation, name='calc', x=1, y=2, code=bash_code, metadata={'options': options})
    prepared, walked = prepare_engine_inputs(wg.prepare_inputs('run'))
    plain = prepared['workgraph_data']['structure']['tasks']['calc']['plain_inputs']
    assert plain['metadata'] == {'options': options}
    assert walked.report['tasks.calc.metadata'] == 'plain'
    assert 'metadata' not in prepared['tasks']['calc']
    assert walked.report['tasks.calc.x'] == 'aiida.orm.nodes.data.int.Int'


def test_metadata_option_that_is_not_json_is_refused(
    bash_code: orm.AbstractCode, refused_before_storing: Callable[..., Any]
) -> None:
    """A non-JSON value in ``metadata.options`` is an error naming its full path."""
    options = {'resources': {'num_machines': 1}, 'max_wallclock_seconds': threading.Lock()}
    wg = WorkGraph('bad_options')
    wg.add_task(ArithmeticAddCalculation, name='calc', x=1, y=2, code=bash_code, metadata={'options': options})
    with refused_before_storing() as info:
        wg.run()
    assert str(info.value).splitlines()[1] == (
        '  - tasks.calc.metadata.options.max_wallclock_seconds (_thread.lock): not JSON-serializable '
        '(Object of type lock is not JSON serializable). Fix: pass plain JSON values here'
    )


def test_pythonjob_metadata_is_validated_as_plain(refused_before_storing: Callable[..., Any]) -> None:
    """The ``metadata`` of a PythonJob task is plain JSON too."""
    wg = WorkGraph('bad_job_metadata')
    wg.add_task(job_identity, name='job1', x=1, metadata={'options': {'custom_scheduler_commands': {'a'}}})
    with refused_before_storing() as info:
        wg.run()
    line = problem_line(str(info.value), 'tasks.job1.metadata.options.custom_scheduler_commands')
    assert '(builtins.set): not JSON-serializable (Object of type set is not JSON serializable)' in line


# endregion

# region results


@pytest.mark.parametrize(
    ('kind', 'path', 'type_name', 'reason'),
    [
        ('set', 'bad.outputs.result', 'builtins.set', 'sets have no serializer. Fix: pass a sorted list instead'),
        ('lock', 'bad.outputs.result', '_thread.lock', 'a lock is runtime state and cannot be stored.'),
        ('nested_lock', 'bad.outputs.result.guard', '_thread.lock', 'a lock is runtime state and cannot be stored.'),
    ],
    ids=['set', 'lock', 'nested_lock'],
)
def test_result_that_cannot_be_kept_fails_its_task(kind: str, path: str, type_name: str, reason: str) -> None:
    """A result that cannot be kept fails its task with a message naming task, output and type; the tasks that
    depend on it are skipped, an independent task finishes and the graph exits with 302."""
    wg = WorkGraph(f'bad_result_{kind}')
    bad = wg.add_task(bad_result, name='bad', kind=kind)
    wg.add_task(add_one, name='child', x=bad.outputs.result)
    wg.add_task(add_one, name='independent', x=1)
    before = count_nodes()['data']
    wg.run()
    node = wg.process
    assert node.is_finished and node.exit_status == 302
    assert node.exit_message == "WorkGraph finished, but tasks: ['bad'] failed. Thus all their child tasks are skipped."
    assert {task.name: task.state for task in wg.tasks if task.name in ('bad', 'child', 'independent')} == {
        'bad': 'FAILED',
        'child': 'SKIPPED',
        'independent': 'FINISHED',
    }
    # The task's PyFunction process finished with aiida-pythonjob's exit status 321; the task log names it.
    process = wg.tasks.bad.process
    assert process.exit_status == 321
    assert not process.base.links.get_outgoing().all()
    log = wg.tasks.bad.log.splitlines()
    assert len(log) == 2
    assert log[0] == f'bad_result<{process.pk}> finished with exit status 321: {process.exit_message.splitlines()[0]}'
    assert process.exit_message.splitlines() == ['task bad returned a result that cannot be kept:', log[1]]
    assert log[1].startswith(f'  - {path} ({type_name}): {reason}')
    assert wg.tasks.independent.outputs.result.value.value == 2
    # Only the two task inputs (``kind``, ``x``) and the independent task's result were stored: nothing of the bad
    # result.
    assert count_nodes()['data'] - before == 3


def test_result_namespace_names_the_bad_output_and_keeps_nothing() -> None:
    """With several outputs, the message names the output that cannot be kept; none of the outputs is stored."""
    wg = WorkGraph('half_bad')
    wg.add_task(half_bad_results, name='two', kind='set')
    wg.run()
    assert wg.process.exit_status == 302
    process = wg.tasks.two.process
    assert wg.tasks.two.log.splitlines() == [
        f'half_bad_results<{process.pk}> finished with exit status 321: '
        'task two returned a result that cannot be kept:',
        '  - two.outputs.bad (builtins.set): sets have no serializer. Fix: pass a sorted list instead',
    ]
    outgoing = wg.process.base.links.get_outgoing().all()
    assert not [link for link in outgoing if isinstance(link.node, orm.Data)]
    # Not even the output that could be kept: the task's process created nothing.
    assert not process.base.links.get_outgoing().all()


# endregion

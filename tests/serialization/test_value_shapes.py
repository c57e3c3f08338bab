"""Values whose shape cannot be stored: a dict or list that contains itself, nesting deeper than 100 levels, strings
no database can store (lone surrogates; NUL characters on PostgreSQL, see ``test_storage_strings.py``) and, in
``ctx``, dict keys that are not strings. Each is refused with the contract's error naming its path, in every place a
value can enter, through ``run()`` and ``submit()``; a task result of that kind fails its task. Never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from serialization_helpers import (
    PLACES,
    SHAPES,
    VALUE_PATHS,
    add_one,
    bad_result,
    count_nodes,
    graph_with_value,
    identity,
    make_shape,
    nested,
    problem_line,
)

from aiida_workgraph import WorkGraph, WorkGraphSerializationError
from aiida_workgraph.serialization.content import MAX_DEPTH
from aiida_workgraph.serialization.shape import check_shape

REFUSED = ['self_list', 'self_dict', 'deep_list', 'deep_dict', 'surrogate', 'surrogate_in_list']


def expect_line(message: str, kind: str, path: str) -> None:
    """Check that ``message`` has the line of a ``kind`` value (see ``SHAPES``) at ``path``."""
    subpath, type_name, reason = SHAPES[kind]
    line = problem_line(message, f'{path}{subpath}')
    assert line.startswith(f'  - {path}{subpath} ({type_name}): {reason}'), line
    assert '. Fix: ' in line


def cases() -> list[Any]:
    """Every refused kind in every place."""
    params = []
    for kind in REFUSED:
        for place in PLACES:
            params.append(pytest.param(kind, place, id=f'{kind}-{place}'))
    return params


@pytest.mark.parametrize(('kind', 'place'), cases())
def test_run_refuses_the_value_naming_its_path(
    kind: str, place: str, refused_before_storing: Callable[..., Any]
) -> None:
    """``run()`` (or, for values node-graph cannot take, building the graph) raises the contract's error naming
    the path where the cycle closes, the nesting is too deep or the bad string sits; nothing is stored."""
    with refused_before_storing() as info:
        wg, inputs, _ = graph_with_value(place, make_shape(kind))
        wg.run(inputs=inputs)
    expect_line(str(info.value), kind, VALUE_PATHS[place])


@pytest.mark.parametrize('kind', REFUSED)
def test_validate_reports_the_value(kind: str) -> None:
    """``wg.validate()`` reports the same problem instead of saying ok. A dict is checked by ``add_task`` already
    (node-graph copies it recursively): a too deep one is refused there, a self-referencing one is passed inside a
    list here."""
    if kind == 'deep_dict':
        with pytest.raises(WorkGraphSerializationError) as info:
            graph_with_value('task', make_shape(kind))
        expect_line(str(info.value), kind, VALUE_PATHS['task'])
        return
    if kind == 'self_dict':
        wg = WorkGraph(f'validate_{kind}')
        wg.add_task(identity, name='add1', x=[make_shape(kind)])
        path = 'tasks.add1.x[0]'
    else:
        wg, _, path = graph_with_value('task', make_shape(kind))
    report = wg.validate()
    assert not report.ok
    with pytest.raises(WorkGraphSerializationError) as info:
        report.raise_if_problems()
    expect_line(str(info.value), kind, path)


@pytest.mark.parametrize('as_dict', [False, True], ids=['list', 'dict'])
def test_nesting_within_the_limit_is_kept(as_dict: bool) -> None:
    """A value nested exactly as deep as allowed is stored and reaches the next task equal."""
    value = nested(MAX_DEPTH, as_dict)
    wg = WorkGraph('deep_enough')
    first = wg.add_task(identity, name='first', x=value)
    wg.add_task(identity, name='second', x=first.outputs.result)
    wg.run()
    assert wg.process.is_finished_ok, wg.tasks.second.log
    stored = wg.tasks.second.outputs.result.value
    assert (stored.get_dict() if as_dict else stored.get_list()) == value


def test_shared_but_acyclic_references_are_kept() -> None:
    """The same list twice inside a value is not a cycle."""
    shared = [1, 2]
    wg = WorkGraph('shared')
    wg.add_task(identity, name='first', x={'a': shared, 'b': [shared, shared]})
    wg.run()
    assert wg.process.is_finished_ok
    assert wg.tasks.first.outputs.result.value.get_dict() == {'a': [1, 2], 'b': [[1, 2], [1, 2]]}


@pytest.mark.parametrize(
    ('ctx', 'path', 'type_name', 'reason'),
    [
        ({'v': {1: 'a'}}, 'ctx.v', 'builtins.dict', 'dict key 1 is a int, but JSON needs string keys'),
        ({'v': {'w': {(1, 2): 'a'}}}, 'ctx.v.w', 'builtins.dict', 'dict key (1, 2) is a tuple'),
        ({2: 'a'}, 'ctx', 'builtins.dict', 'dict key 2 is a int, but JSON needs string keys'),
    ],
    ids=['int', 'nested-tuple', 'top-level'],
)
def test_ctx_with_non_string_keys_is_refused(
    ctx: dict, path: str, type_name: str, reason: str, refused_before_storing: Callable[..., Any]
) -> None:
    """``wg.ctx = {'v': {1: 'a'}}``: the contract's error naming ``ctx.v``, the type and the fix."""
    with refused_before_storing() as info:
        wg = WorkGraph('ctx_keys')
        wg.add_task(identity, name='first', x=1)
        wg.ctx = ctx
        wg.run()
    line = problem_line(str(info.value), path)
    assert line.startswith(f'  - {path} ({type_name}): {reason}')
    assert line.endswith('Fix: use string keys')


@pytest.mark.parametrize(
    ('values', 'string_keys', 'expected'),
    [
        ({'v': make_shape('self_dict')}, False, ['ctx.v.inner.back (builtins.dict): it contains itself']),
        ({'v': make_shape('self_list')}, False, ['ctx.v[1] (builtins.list): it contains itself']),
        (
            {'v': nested(MAX_DEPTH + 1, True)},
            False,
            ['ctx.v' + '.k' * 8 + f'...({MAX_DEPTH - 16} more levels)...' + '.k' * 8 + ' (builtins.dict): dicts and'],
        ),
        ({'v': nested(MAX_DEPTH, True)}, False, []),
        ({'v': {1: 'a'}, 'w': {'x': {2: 'b'}}}, True, ['ctx.v (builtins.dict): dict key 1', 'ctx.w.x (builtins.dict)']),
        ({'v': {1: 'a'}}, False, []),
        ({3: 'a'}, True, ['ctx (builtins.dict): dict key 3 is a int']),
    ],
    ids=['self-dict', 'self-list', 'too-deep', 'deep-enough', 'int-keys', 'int-keys-of-a-value', 'top-level-key'],
)
def test_check_shape_names_every_problem(values: dict, string_keys: bool, expected: list[str]) -> None:
    """``check_shape`` (what building a graph must call) lists each problem with its path, never recursing deeper
    than the limit; it leaves everything else to the walk."""
    if not expected:
        check_shape(values, 'ctx', 'shapes', string_keys=string_keys)
        return
    with pytest.raises(WorkGraphSerializationError) as info:
        check_shape(values, 'ctx', 'shapes', string_keys=string_keys)
    lines = str(info.value).splitlines()
    plural = 's' if len(expected) > 1 else ''
    assert lines[0] == (
        f'Cannot serialize the provided object{plural}: WorkGraph<shapes>: {len(expected)} value{plural} cannot be '
        'kept; nothing was stored:'
    )
    for line, start in zip(lines[1:], expected, strict=True):
        assert line.startswith(f'  - {start}'), line


@pytest.mark.parametrize('kind', REFUSED)
def test_result_of_that_shape_fails_its_task(kind: str) -> None:
    """A task returning such a value fails with the path inside its output; dependants are skipped, an independent
    task finishes, nothing of the result is stored, the graph ends with 302."""
    wg = WorkGraph(f'bad_shape_{kind}')
    bad = wg.add_task(bad_result, name='bad', kind=kind)
    wg.add_task(add_one, name='child', x=bad.outputs.result)
    wg.add_task(add_one, name='independent', x=1)
    before = count_nodes()['data']
    wg.run()
    assert wg.process.exit_status == 302
    assert {task.name: task.state for task in wg.tasks if task.name in ('bad', 'child', 'independent')} == {
        'bad': 'FAILED',
        'child': 'SKIPPED',
        'independent': 'FINISHED',
    }
    subpath, type_name, reason = SHAPES[kind]
    log = wg.tasks.bad.log.splitlines()
    process = wg.tasks.bad.process
    assert process.exit_status == 321
    assert log[0] == f'bad_result<{process.pk}> finished with exit status 321: ' + (
        'task bad returned a result that cannot be kept:'
    )
    assert log[1].startswith(f'  - bad.outputs.result{subpath} ({type_name}): {reason}'), log
    # The two task inputs (``kind``, ``x``) and the independent task's result.
    assert count_nodes()['data'] - before == 3


KIND_PER_PLACE = {
    'task': 'self_list',
    'calcfunction': 'surrogate',
    'pythonjob': 'deep_list',
    'graph_input': 'self_list',
    'ctx': 'surrogate_in_list',
}


@pytest.mark.daemon
@pytest.mark.parametrize('place', PLACES)
def test_submit_refuses_the_value_before_sending(
    place: str, started_daemon_client: Any, refused_before_storing: Callable[..., Any]
) -> None:
    """With a daemon running, ``submit()`` raises the same error in this process and sends nothing."""
    kind = KIND_PER_PLACE[place]
    wg, inputs, path = graph_with_value(place, make_shape(kind))
    with refused_before_storing() as info:
        wg.submit(inputs=inputs)
    expect_line(str(info.value), kind, path)
    assert wg.process is None


@pytest.mark.daemon
@pytest.mark.parametrize('kind', ['self_dict', 'surrogate'])
def test_submitted_result_of_that_shape_fails_its_task(kind: str, started_daemon_client: Any) -> None:
    """In a daemon worker, such a result fails its task with its path; the graph ends with 302."""
    wg = WorkGraph(f'daemon_bad_shape_{kind}')
    bad = wg.add_task(bad_result, name='bad', kind=kind)
    wg.add_task(add_one, name='child', x=bad.outputs.result)
    wg.submit(wait=True, timeout=60, interval=0.5)
    assert wg.process.exit_status == 302, (wg.process.process_state, wg.process.exception)
    assert wg.tasks.child.state == 'SKIPPED'
    subpath, type_name, reason = SHAPES[kind]
    assert wg.tasks.bad.log.splitlines()[1].startswith(f'  - bad.outputs.result{subpath} ({type_name}): {reason}')

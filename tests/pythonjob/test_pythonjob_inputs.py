"""PythonJob inputs are converted or refused by the engine's single walk, before anything is stored.

No job runs here: a refused graph never gets a process, and a saved graph is inspected without running it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiida import orm
from aiida.common.links import LinkType
from pythonjob_tasks import TracedVector, echo, inspect_inputs, reference_values, square

from aiida_workgraph import WorkGraph, WorkGraphSerializationError


def launch(wg: WorkGraph, how: str) -> None:
    """Launch ``wg`` with ``run()``, ``submit()`` or ``save()``."""
    if how == 'run':
        wg.run()
    elif how == 'submit':
        wg.submit()
    else:
        wg.save()


@pytest.mark.parametrize('how', ['run', 'submit', 'save'])
def test_bad_inputs_refused_before_anything_is_stored(
    how: str, tmp_path: Path, localhost: orm.Computer, node_count: Callable[[], int]
) -> None:
    """A lambda, an open file, a set and a non-JSON job option are all reported at once; the database is unchanged.

    Each problem names its path ``tasks.<task>.<input>`` and the value's type; the valid values of the same graph
    (a numpy array, a pydantic model) are not stored either.
    """
    with (tmp_path / 'data.txt').open('w') as handle:
        with WorkGraph(f'bad_inputs_{how}') as wg:
            echo(value=lambda x: x, metadata={'call_link_label': 'with_lambda'})
            echo(value=handle)
            echo(value={1, 2, 3})
            echo(value=2, metadata={'options': {'prepend_text': {'not', 'json'}}})
            inspect_inputs(**reference_values())
        before = node_count()
        with pytest.raises(WorkGraphSerializationError) as raised:
            launch(wg, how)
    assert node_count() == before
    assert wg.process is None
    message = str(raised.value)
    problems = {problem.path: problem.type_name for problem in raised.value.problems}
    assert problems == {
        'tasks.with_lambda.value': 'builtins.function',
        'tasks.echo.value': '_io.TextIOWrapper',
        'tasks.echo1.value': 'builtins.set',
        'tasks.echo2.metadata.options.prepend_text': 'builtins.set',
    }
    for path, type_name in problems.items():
        assert f'{path} ({type_name})' in message
    assert 'lambda' in message
    assert 'inspect_inputs' not in message
    assert isinstance(raised.value, ValueError)


def test_values_become_nodes_of_pythonjob_types(
    localhost: orm.Computer, engine_recorder: Any, traced_calls: dict[str, int]
) -> None:
    """Saved (not run): each function input becomes one node of aiida-pythonjob's type for it, with one ``to_dict``.

    Job inputs (``computer``, ``metadata``) stay plain values in the structure and become no node.
    """
    values = reference_values()
    with WorkGraph('saved_types') as wg:
        inspect_inputs(**values, metadata={'options': {'withmpi': False}})
        square(x=np.float64(1.5))
        square(x=np.int64(3))
        echo(value=TracedVector('echo', [0.5]))
    first = len(engine_recorder.engines)
    node = wg.save()
    assert len(engine_recorder.engines) == first + 1
    walk = engine_recorder.engines[first].walk_result
    inputs = node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested()['tasks']
    types = {task: {name: type(value).__name__ for name, value in values.items()} for task, values in inputs.items()}
    assert types == {
        'inspect_inputs': {
            'array': 'ArrayData',
            'nested': 'Dict',
            'settings': 'JsonableData',
            'cell': 'DataclassData',
            'vector': 'JsonableData',
        },
        'square': {'x': 'Float'},
        'square1': {'x': 'Int'},
        'echo': {'value': 'JsonableData'},
    }
    saved = inputs['inspect_inputs']
    np.testing.assert_array_equal(saved['array'].get_array(saved['array'].get_arraynames()[0]), values['array'])
    assert saved['nested'].get_dict() == values['nested']
    assert saved['settings'].base.attributes.get('cutoff') == 520.0
    assert orm.load_node(saved['cell'].pk).value == values['cell']
    assert orm.load_node(saved['vector'].pk).value == values['vector']
    assert traced_calls == {'inspect': 1, 'echo': 1}
    assert sorted(set(walk.visited)) == sorted(walk.visited)
    assert walk.report['tasks.inspect_inputs.metadata'] == 'plain'
    assert walk.report['tasks.inspect_inputs.computer'] == 'plain'

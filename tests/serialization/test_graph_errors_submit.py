"""Bad values in a graph submitted to a real daemon: the error is raised in the submitting process before anything
is sent or stored; a result that cannot be kept fails its task in the daemon worker, not the engine.

Values defined in ``__main__`` are tested in a real script (``python script.py``): a test module is not ``__main__``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from serialization_helpers import (
    BAD_VALUES,
    PLACES,
    add_one,
    bad_result,
    graph_with_value,
    identity,
    problem_line,
)

from aiida_workgraph import WorkGraph

#: One kind of bad value per place: every place is tested once through the daemon (each costs little).
KIND_PER_PLACE = {
    'task': 'no_serializer',
    'calcfunction': 'lock',
    'pythonjob': 'generator',
    'graph_input': 'nested_lock',
    'ctx': 'set',
}


@pytest.mark.parametrize('place', PLACES)
def test_submit_refuses_bad_value_before_sending(
    place: str,
    started_daemon_client: Any,
    bad_value: Callable[[str], Any],
    refused_before_storing: Callable[..., Any],
) -> None:
    """With a daemon running, ``submit()`` raises in this process, names the value and sends nothing."""
    expected = BAD_VALUES[KIND_PER_PLACE[place]]
    wg, inputs, path = graph_with_value(place, bad_value(expected.kind))
    with refused_before_storing() as info:
        wg.submit(inputs=inputs)
    line = problem_line(str(info.value), f'{path}{expected.subpath}')
    assert line.startswith(f'  - {path}{expected.subpath} ({expected.type_name}): {expected.reason}')
    assert expected.fix in line
    assert wg.process is None
    assert started_daemon_client.is_daemon_running


@pytest.mark.parametrize('kind', ['lambda', 'local_function'])
def test_submit_refuses_lambdas_and_local_functions(
    kind: str, bad_value: Callable[[str], Any], refused_before_storing: Callable[..., Any]
) -> None:
    """A lambda or a local function has no importable name: refused with that reason."""
    expected = BAD_VALUES[kind]
    wg = WorkGraph(f'submit_{kind}')
    wg.add_task(identity, name='add1', x=bad_value(kind))
    with refused_before_storing() as info:
        wg.submit()
    assert str(info.value).splitlines()[1] == (
        f'  - tasks.add1.x (builtins.function): {expected.reason}. Fix: {expected.fix}'
        + str(info.value).splitlines()[1].split(expected.fix, 1)[1]
    )


def test_submitted_result_that_cannot_be_kept_fails_its_task(started_daemon_client: Any) -> None:
    """In a daemon worker, a result that cannot be kept fails its task with task, output and type; dependent tasks
    are skipped, an independent task finishes, and the graph ends with exit status 302."""
    wg = WorkGraph('daemon_bad_result')
    bad = wg.add_task(bad_result, name='bad', kind='set')
    wg.add_task(add_one, name='child', x=bad.outputs.result)
    wg.add_task(add_one, name='independent', x=1)
    wg.submit(wait=True, timeout=60, interval=0.5)
    node = wg.process
    assert node.is_finished, node.process_state
    assert node.exit_status == 302
    assert {task.name: task.state for task in wg.tasks if task.name in ('bad', 'child', 'independent')} == {
        'bad': 'FAILED',
        'child': 'SKIPPED',
        'independent': 'FINISHED',
    }
    process = wg.tasks.bad.process
    assert process.exit_status == 321
    assert wg.tasks.bad.log.splitlines() == [
        f'bad_result<{process.pk}> finished with exit status 321: task bad returned a result that cannot be kept:',
        '  - bad.outputs.result (builtins.set): sets have no serializer. Fix: pass a sorted list instead',
    ]
    assert wg.tasks.independent.outputs.result.value.value == 2


MAIN_SCRIPT = textwrap.dedent(
    '''
    """Values defined in __main__: kept by run() (they round-trip in this interpreter), refused by submit()/save()."""
    import dataclasses
    import json
    import sys

    from aiida import load_profile, orm

    load_profile(sys.argv[1], allow_switch=True)

    from aiida_workgraph import WorkGraph, WorkGraphSerializationError
    from aiida_workgraph.serialization.convert import to_python
    from serialization_helpers import count_nodes, identity


    class MainPoint:
        def __init__(self, x, y):
            self.x, self.y = x, y

        def to_dict(self):
            return {'x': self.x, 'y': self.y}

        @classmethod
        def from_dict(cls, data):
            return cls(data['x'], data['y'])

        def __eq__(self, other):
            return isinstance(other, MainPoint) and (self.x, self.y) == (other.x, other.y)


    @dataclasses.dataclass
    class MainSettings:
        cutoff: float


    def main_function(x):
        return x


    report = {}
    for name, value in [('class', MainPoint(1, 2)), ('dataclass', MainSettings(1.5)), ('function', main_function)]:
        entry = report[name] = {}
        for launch in ('submit', 'save'):
            wg = WorkGraph(f'main_{name}')
            wg.add_task(identity, name='add1', x=value)
            before = count_nodes()
            try:
                getattr(wg, launch)()
                entry[launch] = 'accepted'
            except WorkGraphSerializationError as error:
                entry[launch] = str(error)
            entry[f'{launch}_stored_nothing'] = count_nodes() == before
        wg = WorkGraph(f'main_{name}')
        wg.add_task(identity, name='add1', x=value)
        wg.run()
        entry['run_finished_ok'] = wg.process.is_finished_ok
        link = wg.process.base.links.get_incoming(link_label_filter='tasks__add1__x').one()
        stored = orm.load_node(link.node.pk)  # a fresh load from the database: rebuilt, not cached
        entry['input_type'] = type(stored).__name__
        entry['input_equal'] = to_python(stored) == value
    print(json.dumps(report))
    '''
)


def test_main_values_run_in_process_but_are_refused_for_submit(aiida_profile: Any, tmp_path: Path) -> None:
    """A class, a dataclass and a function defined in ``__main__`` of a real script: ``run()`` keeps them (they
    round-trip in that interpreter), ``submit()`` and ``save()`` refuse them before storing anything, with the
    reason that a daemon worker cannot import ``__main__``."""
    script = tmp_path / 'main_values.py'
    script.write_text(MAIN_SCRIPT)
    env = dict(os.environ)
    tests_dir = str(Path(__file__).resolve().parents[1])
    env['PYTHONPATH'] = os.pathsep.join(p for p in [tests_dir, env.get('PYTHONPATH', '')] if p)
    completed = subprocess.run(
        [sys.executable, str(script), aiida_profile.name],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    expected_lines = {
        'class': '  - tasks.add1.x (__main__.MainPoint): its class is defined in __main__, which a daemon worker '
        'cannot import. Fix: move it to an importable module (a daemon worker cannot import __main__)',
        'dataclass': '  - tasks.add1.x (__main__.MainSettings): its class is defined in __main__, which a daemon '
        'worker cannot import. Fix: move it to an importable module (a daemon worker cannot import __main__)',
        'function': '  - tasks.add1.x (builtins.function): defined in __main__, which a daemon worker cannot import. '
        'Fix: move it to an importable module (a daemon worker cannot import __main__)',
    }
    for name, line in expected_lines.items():
        entry = report[name]
        for launch in ('submit', 'save'):
            assert entry[launch].splitlines() == [
                f'Cannot serialize the provided object: WorkGraph<main_{name}>: 1 value cannot be kept; '
                'nothing was stored:',
                line,
            ]
            assert entry[f'{launch}_stored_nothing'], (name, launch)
        assert entry['run_finished_ok'], name
        assert entry['input_equal'], name
    assert {name: entry['input_type'] for name, entry in report.items()} == {
        'class': 'JsonableData',
        'dataclass': 'DataclassData',
        'function': 'FunctionData',
    }

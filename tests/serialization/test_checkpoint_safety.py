"""Loading a checkpoint executes nothing stored in it: a tag or class that a WorkGraph checkpoint never holds is
refused with a ``CheckpointError`` naming the process and the tag, before aiida-core's unsafe YAML loader sees it.

The planted payload would create a file: each test checks that the file does not exist afterwards, both when the
``checkpoint`` property is read and when a daemon worker is asked to continue the process.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.orm.utils.serialize import deserialize_unsafe
from serialization_helpers import add

from aiida_workgraph import WorkGraph
from aiida_workgraph.engine.workgraph_engine import WorkGraphEngine
from aiida_workgraph.enums import TASK_STATE
from aiida_workgraph.serialization.checkpoint import CheckpointError
from aiida_workgraph.serialization.checkpoint_loader import check_checkpoint

CHECKPOINT_ATTRIBUTE = 'checkpoints'
ENGINE_CLASS = 'aiida_workgraph.engine.workgraph_engine:WorkGraphEngine'


def saved_graph(name: str) -> orm.ProcessNode:
    """Save a graph of two plain tasks (``first = 1 + 2``, ``second = first + 10``) and return its node."""
    wg = WorkGraph(name)
    first = wg.add_task(add, name='first', x=1, y=2)
    wg.add_task(add, name='second', x=first.outputs.result, y=10)
    return wg.save()


def plant(node: orm.ProcessNode, before: str, payload: str) -> None:
    """Insert the YAML ``payload`` into the node's checkpoint before the line that starts with ``before``."""
    checkpoint = node.base.attributes.get(CHECKPOINT_ATTRIBUTE)
    assert f'\n{before}' in checkpoint
    node.set_checkpoint(checkpoint.replace(f'\n{before}', f'\n{payload}\n{before}', 1))


def payloads(marker: Path) -> dict[str, tuple[str, str, str]]:
    """Malicious edits of a checkpoint: ``{name: (line to insert before, payload, what the error names)}``.

    Each payload, if aiida-core's loader constructed it, would create ``marker``.
    """
    command = f'touch {marker}'
    return {
        'apply os.system': (
            'calc_id:',
            f"evil: !!python/object/apply:os.system ['{command}']",
            "the tag '!!python/object/apply:os.system'",
        ),
        'apply subprocess nested in the state': (
            '  in_state:',
            f"  _evil: [1, {{k: !!python/object/apply:subprocess.call [['sh', '-c', '{command}']]}}]",
            "the tag '!!python/object/apply:subprocess.call'",
        ),
        'new object': (
            'calc_id:',
            'evil: !!python/object/new:os.system [x]',
            "the tag '!!python/object/new:os.system'",
        ),
        'python name': ('calc_id:', 'evil: !!python/name:os.system', "the tag '!!python/name:os.system'"),
        'enum of another module': ('calc_id:', "evil: !enum 'os:system|x'", "the tag '!enum'"),
        'dataclass tag': (
            'calc_id:',
            'evil: !dataclass {__type__: "os:system", __fields__: {}}',
            "the tag '!dataclass'",
        ),
    }


@pytest.mark.parametrize('name', list(payloads(Path('x'))))
def test_planted_tag_is_refused_when_the_checkpoint_is_read(name: str, tmp_path: Path) -> None:
    """Reading ``node.checkpoint`` (what aiida-core's persister does) raises naming the process and the tag."""
    marker = tmp_path / 'executed'
    before, payload, named = payloads(marker)[name]
    node = saved_graph('planted')
    plant(node, before, payload)

    with pytest.raises(CheckpointError) as info:
        node.checkpoint  # noqa: B018 - the property aiida-core's persister reads

    assert str(info.value).startswith(f'WorkGraph<{node.pk}>: the checkpoint cannot be loaded: it holds {named}')
    assert not marker.exists()


@pytest.mark.parametrize(
    ('original', 'replacement', 'named'),
    [
        (f'class_name: {ENGINE_CLASS}', 'class_name: os:system', "the class 'os:system'"),
        (
            'class_name: plumpy.process_states:Created',
            'class_name: antigravity:fly',
            "the class 'antigravity:fly'",
        ),
        (
            'object_loader: aiida.engine.persistence:ObjectLoader',
            'object_loader: os:system',
            "the object loader {'object_loader': 'os:system'}",
        ),
    ],
)
def test_class_named_in_a_meta_record_is_refused(original: str, replacement: str, named: str) -> None:
    """plumpy imports and creates the classes its ``!!meta`` records name: only plumpy's state classes and the
    process's own class may be named."""
    node = saved_graph('renamed')
    checkpoint = node.base.attributes.get(CHECKPOINT_ATTRIBUTE)
    assert original in checkpoint
    node.set_checkpoint(checkpoint.replace(original, replacement, 1))

    with pytest.raises(CheckpointError) as info:
        node.checkpoint  # noqa: B018 - the property aiida-core's persister reads

    assert str(info.value).startswith(f'WorkGraph<{node.pk}>: the checkpoint cannot be loaded: it names {named}')


def test_aliases_are_checked_once() -> None:
    """A checkpoint whose aliases multiply (a "billion laughs") is checked in one pass over its distinct nodes."""
    node = saved_graph('laughs')
    levels = ['  _l0: &l0 [a, a, a, a, a, a, a, a, a, a]']
    levels += [f'  _l{i}: &l{i} [{", ".join([f"*l{i - 1}"] * 10)}]' for i in range(1, 9)]
    plant(node, '  in_state:', '\n'.join(levels))

    # Accepted (every tag is allowed), without expanding 10**9 references.
    assert node.checkpoint == node.base.attributes.get(CHECKPOINT_ATTRIBUTE)


def test_every_checkpoint_of_a_run_with_running_children_is_accepted(
    bash_code: orm.InstalledCode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every checkpoint the engine writes while it runs plain tasks, a calcfunction and two CalcJobs at once
    (running children in the state), and a ctx holding nodes, passes the check and loads as a bundle."""
    from serialization_helpers import calc_identity

    written: list[str] = []
    set_checkpoint = orm.ProcessNode.set_checkpoint

    def record(node: orm.ProcessNode, checkpoint: str) -> None:
        if isinstance(node, WorkGraphEngine._node_class):
            written.append(checkpoint)
        set_checkpoint(node, checkpoint)

    monkeypatch.setattr(orm.ProcessNode, 'set_checkpoint', record)
    wg = WorkGraph('children')
    first = wg.add_task(add, name='first', x=1, y=2)
    same = wg.add_task(calc_identity, name='same', x=first.outputs.result)
    for name in ('job1', 'job2'):
        wg.add_task(ArithmeticAddCalculation, name=name, x=same.outputs.result, y=1, code=bash_code)
    wg.ctx = {'scale': 2.5, 'params': {'names': ['a', None, True]}}
    wg.run()

    assert wg.process.is_finished_ok, wg.process.exit_status
    running = []
    for checkpoint in written:
        check_checkpoint(checkpoint, 'WorkGraph<test>', WorkGraphEngine)
        bundle = deserialize_unsafe(checkpoint)
        instances = bundle['workgraph_state']['instances']
        running.append({name for name, record in instances.items() if record.get('state') == 'RUNNING'})
    assert {'job1', 'job2'} in running, 'no checkpoint was taken with running children'


@pytest.mark.daemon
def test_planted_tag_executes_nothing_in_the_daemon(
    tmp_path: Path, started_daemon_client: Any, wait_terminated: Callable[..., Any]
) -> None:
    """A daemon worker asked to continue a process whose checkpoint holds ``os.system``: the process excepts with
    the ``CheckpointError``, the command never ran, no task ran."""
    from aiida.manage import get_manager

    marker = tmp_path / 'executed'
    before, payload, named = payloads(marker)['apply os.system']
    node = saved_graph('planted_daemon')
    plant(node, before, payload)

    get_manager().get_process_controller().continue_process(node.pk, nowait=True, no_reply=True)
    node = wait_terminated(node.pk, started_daemon_client)

    assert node.is_excepted, node.process_state
    assert f'CheckpointError: WorkGraph<{node.pk}>: the checkpoint cannot be loaded: it holds {named}' in (
        node.exception
    )
    assert not marker.exists()
    assert node.called == []


@pytest.mark.daemon
def test_unchanged_saved_graph_is_continued_by_the_daemon(
    started_daemon_client: Any, wait_terminated: Callable[..., Any]
) -> None:
    """The same saved graph without a planted tag passes the check in the worker, which runs both tasks."""
    from aiida.manage import get_manager

    node = saved_graph('clean_daemon')
    get_manager().get_process_controller().continue_process(node.pk, nowait=True, no_reply=True)
    node = wait_terminated(node.pk, started_daemon_client)

    assert node.is_finished_ok, (node.process_state, node.exception)
    assert node.task_record(TASK_STATE) == {'first': 'FINISHED', 'second': 'FINISHED'}


def test_reading_and_listing_a_graph_unpickles_no_task_callable(aiida_profile: Any, tmp_path: Path) -> None:
    """A task whose callable is stored pickled (defined inside a function): ``WorkGraph.load``, ``update`` and
    ``workgraph task list`` in a fresh interpreter do not unpickle it (unpickling would create the marker file)."""
    import os
    import subprocess
    import sys

    from aiida_workgraph import task

    marker = tmp_path / 'unpickled'

    class Touch:
        """Unpickling this object runs ``touch MARKER`` (stands for any code a pickle can run)."""

        def __reduce__(self) -> tuple:
            return (os.system, (f'touch {marker}',))

    touch = Touch()

    def add(x: Any, y: Any) -> Any:
        assert touch is not None  # captured: unpickling the function unpickles ``touch``
        return x + y

    wg = WorkGraph('pickled')
    wg.add_task(task(add), name='add', x=1, y=2)
    node = wg.save()
    marker.unlink(missing_ok=True)  # creating the graph in this interpreter may load it back; reading must not

    script = (
        f'from aiida import load_profile\nload_profile({aiida_profile.name!r}, allow_switch=True)\n'
        'from aiida_workgraph import WorkGraph\n'
        f'wg = WorkGraph.load({node.pk})\nwg.update()\nprint(sorted(task.name for task in wg.tasks))\n'
    )
    env = dict(os.environ)
    loaded = subprocess.run([sys.executable, '-c', script], env=env, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert "'add'" in loaded.stdout
    workgraph_cli = Path(sys.executable).parent / 'workgraph'
    env['AIIDA_PROFILE'] = aiida_profile.name
    listed = subprocess.run(
        [str(workgraph_cli), 'task', 'list', str(node.pk)], env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr[-3000:]
    assert 'add' in listed.stdout

    assert not marker.exists()

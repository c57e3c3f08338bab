"""Checkpoint errors stop the process with a message that names the process, the cause and (on save) the path.

- A value that cannot be checkpointed in the runtime state: the process excepts at the first checkpoint after it got
  there, naming its path in the state and its type (it does not go on without checkpoints).
- A hand-corrupted checkpoint: the worker that loads it excepts the process with an error naming it and the cause.
- A checkpoint of an unknown format version: refused with the format message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm
from aiida.engine import submit
from aiida.manage import get_manager
from checkpoint_tasks import UnsafeStateEngine, add, run_with_engine
from plumpy.persistence import LoadSaveContext

from aiida_workgraph import WorkGraph
from aiida_workgraph.engine.workgraph_engine import CHECKPOINT_FORMAT_KEY
from aiida_workgraph.enums import TASK_STATE
from aiida_workgraph.serialization.checkpoint import CheckpointError

TIMEOUT = 60
CHECKPOINT_ATTRIBUTE = 'checkpoints'


def small_graph(name: str) -> WorkGraph:
    """Two plain tasks: ``first = 1 + 2`` and ``second = first + 10``."""
    wg = WorkGraph(name)
    first = wg.add_task(add, name='first', x=1, y=2)
    wg.add_task(add, name='second', x=first.outputs.result, y=10)
    return wg


def continue_through_daemon(wg: WorkGraph, wait_for: Callable[..., Any], daemon_log: Callable[[], str]) -> orm.Node:
    """Ask the daemon to continue the saved graph and return its node once it is terminated."""
    wg.continue_process()
    pk = wg.pk
    return wait_for(
        lambda: (node := orm.load_node(pk)).is_terminated and node,
        TIMEOUT,
        lambda: f'WorkGraph<{pk}> did not terminate:\n{daemon_log()}',
    )


@pytest.mark.parametrize('launch', ['run', pytest.param('submit', marks=pytest.mark.daemon)])
def test_value_that_cannot_be_checkpointed_stops_the_process(
    launch: str, request: pytest.FixtureRequest, wait_for: Callable[..., Any]
) -> None:
    """A lock in the engine's ctx: the process excepts at the next checkpoint, naming ``ctx.resources.lock``."""
    wg = small_graph(f'unsafe_{launch}')
    if launch == 'run':
        node = run_with_engine(wg, UnsafeStateEngine)
    else:
        request.getfixturevalue('started_daemon_client')
        node = submit(UnsafeStateEngine(inputs=wg.prepare_inputs('submit')))
        node = wait_for(lambda: node.is_terminated and node, TIMEOUT, f'{node} did not terminate')

    assert node.is_excepted, node.process_state
    assert f'CheckpointError: WorkGraph<{node.pk}>: the runtime state cannot be checkpointed' in node.exception
    assert 'ctx.resources.lock (_thread.lock): cannot be checkpointed' in node.exception
    # It stopped at the checkpoint after the first step: `first` ran in that step, `second` never ran.
    assert node.task_record(TASK_STATE) == {'first': 'FINISHED'}
    assert [(child.process_label, child.exit_status) for child in node.called] == [('add', 0)]


@pytest.mark.daemon
def test_corrupt_checkpoint_names_the_process_and_the_cause(
    started_daemon_client: Any, wait_for: Callable[..., Any], daemon_log: Callable[[Any], str]
) -> None:
    """``set_checkpoint('garbage')`` on a saved graph: the daemon excepts it with an error naming it and the cause."""
    wg = small_graph('garbage')
    node = wg.save()
    node.set_checkpoint('garbage')
    with pytest.raises(CheckpointError, match=rf'WorkGraph<{node.pk}>: the checkpoint cannot be loaded: it is corrupt'):
        node.checkpoint  # noqa: B018 - the property aiida-core's persister reads

    node = continue_through_daemon(wg, wait_for, lambda: daemon_log(started_daemon_client))

    assert node.is_excepted, node.process_state
    assert f'CheckpointError: WorkGraph<{node.pk}>: the checkpoint cannot be loaded: it is corrupt' in node.exception
    assert "it starts with 'garbage'" in node.exception
    assert node.called == []


CORRUPTIONS = {
    # cut in half: the YAML does not parse; aiida-core's persister names the process
    'truncated': (
        lambda checkpoint: checkpoint[: len(checkpoint) // 2],
        'PersistenceError: Failed to load the checkpoint for process<{pk}>',
    ),
    # parses, but the process state is missing
    'state removed': (
        lambda checkpoint: checkpoint.replace('\n_state:\n', '\n_lost_state:\n'),
        "CheckpointError: WorkGraph<{pk}>: the checkpoint cannot be loaded: KeyError: '_state'",
    ),
}


@pytest.mark.daemon
@pytest.mark.parametrize('corruption', list(CORRUPTIONS))
def test_damaged_checkpoint_names_the_process_and_the_cause(
    corruption: str, started_daemon_client: Any, wait_for: Callable[..., Any], daemon_log: Callable[[Any], str]
) -> None:
    """A checkpoint damaged by hand in other ways: the daemon excepts the process with an error naming it."""
    edit, message = CORRUPTIONS[corruption]
    wg = small_graph(corruption.replace(' ', '_'))
    node = wg.save()
    checkpoint = node.base.attributes.get(CHECKPOINT_ATTRIBUTE)
    node.set_checkpoint(edit(checkpoint))
    assert node.base.attributes.get(CHECKPOINT_ATTRIBUTE) != checkpoint

    node = continue_through_daemon(wg, wait_for, lambda: daemon_log(started_daemon_client))

    assert node.is_excepted, node.process_state
    assert message.format(pk=node.pk) in node.exception
    assert node.called == []


@pytest.mark.daemon
def test_checkpoint_of_an_unknown_format_is_refused_by_the_daemon(
    started_daemon_client: Any, wait_for: Callable[..., Any], daemon_log: Callable[[Any], str]
) -> None:
    """A checkpoint whose ``workgraph_checkpoint_format`` is 99: the daemon excepts the process with the format
    message."""
    wg = small_graph('format99')
    node = wg.save()
    checkpoint = node.base.attributes.get(CHECKPOINT_ATTRIBUTE)
    assert f'{CHECKPOINT_FORMAT_KEY}: 2\n' in checkpoint
    node.set_checkpoint(checkpoint.replace(f'{CHECKPOINT_FORMAT_KEY}: 2\n', f'{CHECKPOINT_FORMAT_KEY}: 99\n'))

    node = continue_through_daemon(wg, wait_for, lambda: daemon_log(started_daemon_client))

    assert node.is_excepted, node.process_state
    assert (
        f'CheckpointError: WorkGraph<{node.pk}>: checkpoint format 99 is not supported: '
        'this aiida-workgraph reads format 2'
    ) in node.exception
    assert node.called == []


@pytest.mark.parametrize('version', [99, None])
def test_checkpoint_of_an_unknown_format_is_refused_on_load(version: int | None) -> None:
    """Loading a checkpoint of another (or no) format version raises the format error, naming the process."""
    node = small_graph(f'format{version}').save()
    checkpoint = node.base.attributes.get(CHECKPOINT_ATTRIBUTE)
    assert f'{CHECKPOINT_FORMAT_KEY}: 2\n' in checkpoint
    replacement = '' if version is None else f'{CHECKPOINT_FORMAT_KEY}: {version}\n'
    node.set_checkpoint(checkpoint.replace(f'{CHECKPOINT_FORMAT_KEY}: 2\n', replacement))
    # Not closed: a runner shares this thread's event loop with aiida's global runner (closing it closes the loop).
    runner = get_manager().create_runner(communicator=None)
    bundle = runner.persister.load_checkpoint(node.pk)
    with pytest.raises(CheckpointError) as info:
        bundle.unbundle(LoadSaveContext(runner=runner))

    assert str(info.value).startswith(f'WorkGraph<{node.pk}>: checkpoint format {version!r} is not supported')

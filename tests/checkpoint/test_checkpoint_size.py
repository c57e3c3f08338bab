"""A checkpoint holds the runtime state only: its size does not grow with the graph, and it loads back.

The graph structure is stored once on the process node (``workgraph.json`` in its repository) and the input values
are its input links; the checkpoint written by ``save()`` must hold neither.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.manage import get_manager
from checkpoint_tasks import add
from plumpy.persistence import LoadSaveContext

from aiida_workgraph import WorkGraph
from aiida_workgraph.engine.workgraph_engine import CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_KEY, WorkGraphEngine

MAX_CHECKPOINT_BYTES = 64 * 1024
MAX_GROWTH_10_TO_1000 = 3


def chain_graph(n: int) -> WorkGraph:
    """A chain of ``n`` plain tasks, ``task{i} = task{i-1} + i``, each with one value of its own and one link."""
    wg = WorkGraph(f'chain{n}')
    previous = wg.add_task(add, name='task0', x=0, y=0)
    for index in range(1, n):
        previous = wg.add_task(add, name=f'task{index}', x=previous.outputs.result, y=index)
    wg.outputs.result = previous.outputs.result
    return wg


def stored_checkpoint(node: orm.ProcessNode) -> str:
    """Return the checkpoint string stored on the node (``node.checkpoint``)."""
    checkpoint = node.checkpoint
    assert isinstance(checkpoint, str) and checkpoint, f'{node} has no checkpoint'
    return checkpoint


@pytest.fixture(scope='module')
def saved_nodes(aiida_profile: Any) -> dict[int, orm.ProcessNode]:
    """Saved (not run) chain graphs of 10, 100 and 1000 tasks, by number of tasks."""
    return {n: chain_graph(n).save() for n in (10, 100, 1000)}


@pytest.fixture
def loading_runner() -> Any:
    """A runner without a broker, as ``WorkGraph.run`` uses, to load checkpoints in this interpreter."""
    # Not closed: a runner shares this thread's event loop with aiida's global runner (closing it closes the loop).
    return get_manager().create_runner(communicator=None)


def test_checkpoint_of_a_saved_1000_task_graph_is_small(saved_nodes: dict[int, orm.ProcessNode]) -> None:
    """The checkpoint of a saved 1000-task graph is at most 64 KB and holds no task name or input value."""
    checkpoint = stored_checkpoint(saved_nodes[1000])

    assert len(checkpoint) <= MAX_CHECKPOINT_BYTES, len(checkpoint)
    assert f'{CHECKPOINT_FORMAT_KEY}: {CHECKPOINT_FORMAT}' in checkpoint
    assert 'task999' not in checkpoint
    assert 'chain1000' not in checkpoint
    # The structure and the values are on the node instead.
    assert len(saved_nodes[1000].get_structure()['tasks']) >= 1000
    assert saved_nodes[1000].base.links.get_incoming().get_node_by_label('tasks__task999__y').value == 999


def test_checkpoint_size_does_not_grow_with_the_graph(saved_nodes: dict[int, orm.ProcessNode]) -> None:
    """size(1000 tasks) / size(10 tasks) <= 3."""
    sizes = {n: len(stored_checkpoint(node)) for n, node in saved_nodes.items()}

    assert sizes[1000] / sizes[10] <= MAX_GROWTH_10_TO_1000, sizes
    # Only the digits of pks and times differ.
    assert max(sizes.values()) - min(sizes.values()) <= 32, sizes


def test_checkpoint_of_a_saved_1000_task_graph_loads(
    saved_nodes: dict[int, orm.ProcessNode], loading_runner: Any
) -> None:
    """The checkpoint loads back into an engine with the whole graph, the input values and the saved metadata."""
    node = saved_nodes[1000]
    bundle = loading_runner.persister.load_checkpoint(node.pk)
    process = bundle.unbundle(LoadSaveContext(runner=loading_runner))
    try:
        assert isinstance(process, WorkGraphEngine)
        assert process.node.pk == node.pk
        assert {f'task{index}' for index in range(1000)} <= set(process.plan.tasks)
        # The engine holds its stored inputs by pk (not in ``process.inputs``) and loads them when a task needs them.
        assert 'tasks' not in process.inputs
        value = process.stored_inputs('tasks', 'task999.y')
        assert value.pk == node.base.links.get_incoming().get_node_by_label('tasks__task999__y').pk
        assert value.value == 999
        assert process.metadata.store_provenance is True
    finally:
        process.close()

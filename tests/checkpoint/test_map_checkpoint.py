"""A ``Map`` interrupted in the middle of its items: the checkpoint holds small per-instance records, and a fresh
interpreter continues it without running a finished item again."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiida import orm
from test_checkpoint_resume import continue_in_fresh_python

from aiida_workgraph.enums import TASK_STATE
from aiida_workgraph.orm.workgraph_node import WorkGraphNode

TIMEOUT = 120

RUN_SCRIPT = """
from checkpoint_tasks import held_map_graph

held_map_graph(n, release).run(metadata={'label': label})
"""


def interrupted_map(fresh_python: Callable[..., Any], wait_for: Callable[..., Any], n: int, tmp_path: Path) -> tuple:
    """Run a map over ``n`` held items in a new interpreter and SIGKILL it while the first ``hold`` waits.

    :return: the process node and the release file.
    """
    release = tmp_path / f'release-{n}'
    started = Path(f'{release}.started')
    label = f'held-map-{uuid.uuid4().hex}'
    run = fresh_python(RUN_SCRIPT, n=n, release=str(release), label=label)
    wait_for(
        lambda: started.exists() or run.process.poll() is not None,
        TIMEOUT,
        lambda: f'no hold started:\n{run.output()}',
    )
    assert run.process.poll() is None, run.output()
    run.process.send_signal(signal.SIGKILL)
    run.process.wait()
    node = orm.QueryBuilder().append(WorkGraphNode, filters={'label': label}).one()[0]
    return node, release


def checkpoint_size(node: orm.ProcessNode) -> int:
    """The size in bytes of the node's checkpoint text."""
    return len(node.base.attributes.get('checkpoints'))


def test_map_interrupted_mid_items_is_continued_without_running_an_item_twice(
    tmp_path: Path,
    fresh_python: Callable[..., Any],
    wait_for: Callable[..., Any],
    calls_per_task: Callable[[orm.ProcessNode], dict[str, int]],
) -> None:
    """Killed while the items wait: the checkpoint grows by a small record per unfinished instance (the stored graph
    holds each task once), and the continued run runs each item's remaining task once; the sums are right."""
    small, _ = interrupted_map(fresh_python, wait_for, 5, tmp_path)
    node, release = interrupted_map(fresh_python, wait_for, 45, tmp_path)

    for crashed, n in ((small, 5), (node, 45)):
        states = crashed.task_record(TASK_STATE)
        assert all(states[f'i{k}_add'] == 'FINISHED' for k in range(n)), states
        assert not any(states.get(f'i{k}_hold') == 'FINISHED' for k in range(n)), states
        assert calls_per_task(crashed) == {f'i{k}_add': 1 for k in range(n)}
    # 40 more unfinished instances: at most a small record each (none for an instance that has no state yet), however
    # large the body of the map is; the items themselves are not in the checkpoint.
    growth = checkpoint_size(node) - checkpoint_size(small)
    assert growth < 40 * 100, (checkpoint_size(small), checkpoint_size(node))

    release.touch()
    printed = continue_in_fresh_python(fresh_python, node.pk)

    assert printed['ENDED'] == ['finished', 0], printed['output']
    node = orm.load_node(node.pk)
    counts = calls_per_task(node)
    assert counts == {**{f'i{k}_add': 1 for k in range(45)}, **{f'i{k}_hold': 1 for k in range(45)}, 'total_of': 1}
    outputs = node.base.links.get_outgoing().nested()
    assert {key: value.value for key, value in outputs['res'].items()} == {f'i{k}': k + 1 for k in range(45)}
    assert outputs['sum'].value == 45 * 46 // 2

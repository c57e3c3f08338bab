"""A ``Map``'s engine work per item does not grow with the number of items.

Counted in storage-session work, not seconds: how many commits the run makes and how many loaded objects those
commits expire (each commit expires every object the session holds, and each expired object is read again when next
used). If the engine held the nodes of earlier items (their results, the map's items, the graph's outputs while they
are linked), every commit would expire all of them and the work per item would grow with the number of items.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from aiida.manage import get_manager
from control_flow.flow_tasks import add
from sqlalchemy import event

from aiida_workgraph import Map, WorkGraph


@contextmanager
def session_commits() -> Iterator[list[int]]:
    """Record, for each commit of the storage session, how many objects the session held (and so expired)."""
    session = get_manager().get_profile_storage().get_session()
    held: list[int] = []

    def before_commit(committing: object) -> None:
        held.append(len(session.identity_map))

    event.listen(session, 'before_commit', before_commit)
    try:
        yield held
    finally:
        event.remove(session, 'before_commit', before_commit)


def map_work(n: int) -> tuple[float, float]:
    """Run a Map of ``n`` plain tasks whose results are gathered into a graph output; return the commits and the
    expired objects per item."""
    with WorkGraph(f'map_scaling_{n}') as wg:
        with Map({f'k{i}': i for i in range(n)}) as zone:
            zone.gather({'res': add(x=zone.value, y=1).result})
        wg.outputs.res = zone.outputs.res
    # Nodes an earlier run left in reference cycles (its graph, its results) stay in the session until a full
    # collection, and each commit of this run would expire them too: count only what this run holds.
    gc.collect()
    with session_commits() as held:
        outputs = wg.run()
    assert wg.process.is_finished_ok, (wg.process.exit_status, wg.process.exit_message)
    assert {key: node.value for key, node in outputs['res'].items()} == {f'k{i}': i + 1 for i in range(n)}
    return len(held) / n, sum(held) / n


def test_map_session_work_per_item_does_not_grow_with_the_items() -> None:
    """Six times the items: about the same commits and expired objects per item (both grew with ``n`` when every
    gathered result and graph output was held across commits)."""
    small_commits, small_expired = map_work(10)
    large_commits, large_expired = map_work(60)
    assert large_commits <= small_commits * 1.1, (small_commits, large_commits)
    assert large_expired <= small_expired * 1.3, (small_expired, large_expired)

"""Large values in every place cost time linear in their size: a list of 10^5 ints as a task input, a graph input,
a ``ctx`` value, a calcfunction input, or returned by a task and passed on.

Timings are not asserted (see ``benchmarks/bench_large_values.py`` for them); what is asserted is machine
independent: the graph finishes with the right result, and a ``List`` node is read a constant number of times in the
whole run, not once per item (aiida-core's ``WorkChain._store_nodes``, run before every checkpoint, reads a ``List``
in the context item by item, each read reloading and copying the whole list: quadratic, with a query per item).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiida import orm
from serialization_helpers import calc_identity, count_items, make_range

from aiida_workgraph import WorkGraph, namespace

LARGE = 10**5
#: Enough items that a read per item is unmistakable, few enough that the quadratic case ends in seconds.
COUNTED = 400


@pytest.fixture
def list_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Record the length of the list each time a ``List`` node's content is read (``get_list``)."""
    reads: list[int] = []
    get_list = orm.List.get_list

    def recording(node: orm.List) -> list:
        content = get_list(node)
        reads.append(len(content))
        return content

    monkeypatch.setattr(orm.List, 'get_list', recording)
    yield reads


def large_graph(place: str, size: int) -> tuple[WorkGraph, dict[str, Any]]:
    """A graph that hands a list of ``size`` ints to ``count_items`` (task ``count``) from ``place``."""
    wg = WorkGraph(f'large_{place}')
    inputs: dict[str, Any] = {}
    if place == 'task':
        wg.add_task(count_items, name='count', x=list(range(size)))
    elif place == 'graph_input':
        wg = WorkGraph('large_graph_input', inputs=namespace(items=Any))
        wg.add_task(count_items, name='count', x=wg.inputs.items)
        inputs = {'items': list(range(size))}
    elif place == 'ctx':
        wg.ctx = {'items': list(range(size))}
        wg.add_task(count_items, name='count', x=wg.ctx.items)
    elif place == 'result':
        made = wg.add_task(make_range, name='made', n=size)
        wg.add_task(count_items, name='count', x=made.outputs.result)
    elif place == 'calcfunction':
        same = wg.add_task(calc_identity, name='same', x=list(range(size)))
        wg.add_task(count_items, name='count', x=same.outputs.result)
    return wg, inputs


PLACES = ['task', 'graph_input', 'result', 'calcfunction', 'ctx']


@pytest.mark.parametrize('place', PLACES)
def test_large_list_is_read_a_constant_number_of_times(place: str, list_reads: list[int]) -> None:
    """Wherever a list enters, its ``List`` node is read a few times in the whole run, not once per item."""
    wg, inputs = large_graph(place, COUNTED)
    wg.run(inputs=inputs)
    assert wg.process.is_finished_ok, wg.tasks.count.log
    assert wg.tasks.count.outputs.result.value.value == COUNTED
    assert len(list_reads) <= 10, f'{len(list_reads)} reads of a List of {COUNTED} items'


@pytest.mark.parametrize('place', PLACES)
def test_large_list_finishes(place: str) -> None:
    """10^5 ints in each place: the graph finishes and the task receives every item."""
    wg, inputs = large_graph(place, LARGE)
    wg.run(inputs=inputs)
    assert wg.process.is_finished_ok, wg.tasks.count.log
    assert wg.tasks.count.outputs.result.value.value == LARGE


@pytest.mark.daemon
def test_large_result_passed_on_through_the_daemon(started_daemon_client: Any) -> None:
    """10^5 ints returned by a task and passed on, in a daemon worker."""
    wg, _ = large_graph('result', LARGE)
    wg.submit(wait=True, timeout=300, interval=1)
    assert wg.process.is_finished_ok, (wg.process.process_state, wg.tasks.count.log)
    count = wg.process.base.links.get_outgoing(link_label_filter='count').one().node
    assert count.outputs.result.value == LARGE

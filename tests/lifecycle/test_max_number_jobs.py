"""``max_number_jobs``: at most that many task processes of a graph run at once."""

from __future__ import annotations

from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.common.links import LinkType

from aiida_workgraph import WorkGraph


def jobs(node: orm.ProcessNode) -> list[orm.CalcJobNode]:
    """The CalcJobs ``node`` called, in the order they were created."""
    links = node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()
    return sorted((link.node for link in links), key=lambda child: child.pk)


def most_at_once(children: list[orm.ProcessNode]) -> int:
    """The largest number of ``children`` alive at one moment: each from its creation to its last change (sealing)."""
    events = sorted([(child.ctime, 1) for child in children] + [(child.mtime, -1) for child in children])
    alive = peak = 0
    for _, change in events:
        alive += change
        peak = max(peak, alive)
    return peak


def fan_out(code: orm.InstalledCode, count: int) -> WorkGraph:
    """``count`` independent ``ArithmeticAddCalculation`` tasks."""
    wg = WorkGraph('fan_out')
    for index in range(count):
        wg.add_task(ArithmeticAddCalculation, name=f'job{index}', x=orm.Int(index), y=orm.Int(1), code=code)
    return wg


@pytest.mark.parametrize('limit', [1, 2])
def test_at_most_max_number_jobs_run_at_once(bash_code: orm.InstalledCode, limit: int) -> None:
    """Four independent CalcJobs with ``max_number_jobs`` 1 or 2: all finish, never more than the limit alive."""
    wg = fan_out(bash_code, 4)
    wg.max_number_jobs = limit

    wg.run()

    assert wg.process.exit_status == 0
    children = jobs(wg.process)
    assert [child.outputs.sum.value for child in children] == [1, 2, 3, 4]
    assert most_at_once(children) <= limit
    if limit == 1:
        assert all(later.ctime > earlier.mtime for earlier, later in zip(children, children[1:]))
    assert WorkGraph.load(wg.pk).max_number_jobs == limit


@pytest.mark.parametrize('value', [0, -1, 1.5, '2', True])
def test_max_number_jobs_must_be_a_positive_integer(value: Any) -> None:
    """Anything but a positive integer is refused when set."""
    wg = WorkGraph('bad_limit')
    with pytest.raises(ValueError, match='max_number_jobs must be a positive integer'):
        wg.max_number_jobs = value
    assert wg.max_number_jobs == 1000000

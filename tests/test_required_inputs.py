"""Required task inputs without a value or a link are reported all at once, before anything is stored."""

from __future__ import annotations

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from tasks_for_tests import add

from aiida_workgraph import WorkGraph


def count_nodes() -> int:
    """The number of nodes in the database."""
    return orm.QueryBuilder().append(orm.Node).count()


@pytest.mark.parametrize('launch', ['run', 'save'])
def test_missing_required_inputs_are_listed(launch: str) -> None:
    """A plain task without ``x`` and a CalcJob without ``y`` are both named; linked and default inputs are not."""
    wg = WorkGraph(f'missing_{launch}')
    first = wg.add_task(add, name='first', y=1)
    wg.add_task(add, name='second', x=first.outputs.result, y=2)
    wg.add_task(ArithmeticAddCalculation, name='calc', x=1)
    before = count_nodes()
    with pytest.raises(ValueError) as raised:
        getattr(wg, launch)()
    assert count_nodes() == before
    assert wg.process is None
    assert str(raised.value) == (
        f'Missing required inputs: tasks.first.x, tasks.calc.y. WorkGraph<missing_{launch}>: these required inputs '
        'have neither a value nor a link; give each a value or link a socket to it'
    )

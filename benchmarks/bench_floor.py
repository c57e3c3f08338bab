"""The floor of each benchmark group: the same provenance written by aiida-core itself, with no workflow engine.

These cases run with our interpreter only (the upstream run skips them: both environments have the same aiida-core,
so one measurement is enough): ``scripts/run_benchmarks.sh`` runs this file on its own, labelled ``floor``, into
``floor.json``. ``compare.py`` shows each next to the engine groups it is the floor of (``compare.FLOORS``).

Groups and what one round times (``floor.py`` has the code):

- ``floor: store 2n Int nodes, one transaction``: the ``2n`` input nodes of ``wg.save()`` of ``n`` tasks, stored one
  by one with ``node.store()`` inside one transaction;
- ``floor: bulk_insert of 2n Int rows``: the same ``2n`` rows written with the storage backend's ``bulk_insert``;
- ``floor: chain of calcfunction`` / ``floor: fan-out of calcfunction``: ``n`` calls of a bare calcfunction, chained
  or independent (one process node with its links each: the provenance of a calcfunction task, and of a plain task
  run as a process);
- ``floor: chain of PyFunction`` / ``floor: fan-out of PyFunction``: ``n`` bare aiida-pythonjob ``PyFunction``
  processes, chained or independent (the process a plain task is recorded as);
- ``floor: chain of PythonJob`` / ``floor: fan-out of PythonJob``: ``n`` bare ``PythonJob`` processes, one after the
  other or all at once on the runner's event loop;
- ``floor: While as calcfunctions``: the ``n + 1`` condition and ``n + 1`` addition processes of a ``While`` of ``n``
  iterations, as bare calcfunctions called from a Python ``while`` loop.

The ``Map`` groups use the fan-out floors (one process per item).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from bench_workgraph import N_VALUES, PYTHONJOB_N_VALUES, RUN_ROUNDS, SAVE_ROUNDS
from budget import BudgetTracker
from measure import measure


@pytest.fixture(autouse=True)
def only_once(implementation_name: str) -> None:
    """Skip the floor in the run of upstream: it is aiida-core alone, measured once, with our interpreter."""
    if implementation_name == 'upstream':
        pytest.skip('the floor is aiida-core alone: measured once, with our interpreter')


@pytest.mark.parametrize('n', N_VALUES)
def test_floor_store_one_transaction(
    benchmark: Any, budget: BudgetTracker, floor: ModuleType, request: pytest.FixtureRequest, clean_profile: Any, n: int
) -> None:
    """``2n`` unstored ``Int`` nodes stored one by one in one transaction (built in the untimed setup)."""
    stored = measure(
        benchmark,
        budget,
        floor,
        request,
        group='floor: store 2n Int nodes, one transaction',
        n=n,
        rounds=SAVE_ROUNDS[n],
        make=lambda: floor.input_nodes(n),
        action=floor.store_one_transaction,
    )
    for nodes in stored:
        assert len(nodes) == 2 * n
        assert all(node.is_stored for node in nodes)


@pytest.mark.parametrize('n', N_VALUES)
def test_floor_bulk_insert(
    benchmark: Any, budget: BudgetTracker, floor: ModuleType, request: pytest.FixtureRequest, clean_profile: Any, n: int
) -> None:
    """``2n`` ``Int`` rows written with ``bulk_insert``."""
    from aiida import orm

    (pks,) = measure(
        benchmark,
        budget,
        floor,
        request,
        group='floor: bulk_insert of 2n Int rows',
        n=n,
        rounds=SAVE_ROUNDS[n],
        make=None,
        action=lambda: floor.bulk_insert_ints(n),
    )
    assert len(pks) == 2 * n
    assert orm.load_node(pks[-2]).value == n - 1


@pytest.mark.parametrize('n', N_VALUES)
@pytest.mark.parametrize('shape', ['chain', 'fan-out'])
def test_floor_calcfunctions(
    benchmark: Any,
    budget: BudgetTracker,
    floor: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    shape: str,
    n: int,
) -> None:
    """``n`` bare calcfunction calls, chained or independent."""
    run = floor.calcfunction_chain if shape == 'chain' else floor.calcfunction_fanout
    (result,) = measure(
        benchmark,
        budget,
        floor,
        request,
        group=f'floor: {shape} of calcfunction',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=None,
        action=lambda: run(n),
    )
    if shape == 'chain':
        assert result.value == n
        assert result.creator.process_label == 'add_calcfunction'
    else:
        assert [node.value for node in result] == list(range(1, n + 1))


@pytest.mark.parametrize('n', N_VALUES)
@pytest.mark.parametrize('shape', ['chain', 'fan-out'])
def test_floor_pyfunctions(
    benchmark: Any,
    budget: BudgetTracker,
    floor: ModuleType,
    request: pytest.FixtureRequest,
    clean_profile: Any,
    shape: str,
    n: int,
) -> None:
    """``n`` bare ``PyFunction`` processes, chained or independent."""
    run = floor.pyfunction_chain if shape == 'chain' else floor.pyfunction_fanout
    (result,) = measure(
        benchmark,
        budget,
        floor,
        request,
        group=f'floor: {shape} of PyFunction',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=None,
        action=lambda: run(n),
    )
    if shape == 'chain':
        assert result.value == n
        assert result.creator.process_type == 'aiida_pythonjob.calculations.pyfunction.PyFunction'
    else:
        assert [node.value for node in result] == list(range(1, n + 1))


@pytest.mark.parametrize('n', N_VALUES)
def test_floor_while(
    benchmark: Any, budget: BudgetTracker, floor: ModuleType, request: pytest.FixtureRequest, clean_profile: Any, n: int
) -> None:
    """The condition and addition processes of a ``While`` of ``n`` iterations, as bare calcfunctions."""
    from aiida import orm

    (result,) = measure(
        benchmark,
        budget,
        floor,
        request,
        group='floor: While as calcfunctions',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=None,
        action=lambda: floor.calcfunction_while(n),
    )
    assert result.value == n
    # Every round (the database is emptied before the case only) made n + 1 processes of each function.
    labels = [node.process_label for node in orm.QueryBuilder().append(orm.CalcFunctionNode).all(flat=True)]
    rounds = len(labels) // (2 * (n + 1))
    assert rounds >= 1
    assert sorted(set(labels)) == ['add_calcfunction', 'op_lt']
    assert labels.count('op_lt') == labels.count('add_calcfunction') == rounds * (n + 1)


@pytest.mark.parametrize('n', PYTHONJOB_N_VALUES)
@pytest.mark.parametrize('shape', ['chain', 'fan-out'])
def test_floor_pythonjobs(
    benchmark: Any,
    budget: BudgetTracker,
    floor: ModuleType,
    request: pytest.FixtureRequest,
    python_code: Any,
    shape: str,
    n: int,
) -> None:
    """``n`` bare ``PythonJob`` processes, one after the other or all at once."""
    (result,) = measure(
        benchmark,
        budget,
        floor,
        request,
        group=f'floor: {shape} of PythonJob',
        n=n,
        rounds=RUN_ROUNDS[n],
        make=None,
        action=lambda: (
            floor.pythonjob_chain(n, python_code) if shape == 'chain' else floor.pythonjob_fanout(n, python_code)
        ),
    )
    if shape == 'chain':
        assert result.value == n
    else:
        assert all(node.is_finished_ok for node in result)
        assert [node.outputs.result.value for node in result] == list(range(1, n + 1))

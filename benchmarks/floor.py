"""The floor: what aiida-core (and aiida-pythonjob) alone need for the provenance a benchmark group records.

No workflow engine is involved: each function does, with aiida-core's own API, the storing or the processes that the
matching engine group asks for, so the report can show how close an engine is to the limit. Import this module only
once a profile is loaded (from a fixture), like ``workload``.

- :func:`store_one_transaction`: ``2n`` unstored ``Int`` nodes stored one by one with ``node.store()``, inside one
  storage transaction (the input nodes of ``wg.save()`` of ``n`` tasks ``add(x=i, y=1)``);
- :func:`bulk_insert_ints`: ``2n`` ``Int`` rows written with the storage backend's ``bulk_insert`` (one statement);
- :func:`calcfunction_chain` / :func:`calcfunction_fanout`: ``n`` calls of a bare calcfunction, chained or independent;
- :func:`pyfunction_chain` / :func:`pyfunction_fanout`: ``n`` bare aiida-pythonjob ``PyFunction`` processes (the
  process a plain ``@task`` function is recorded as), chained or independent;
- :func:`pythonjob_chain` / :func:`pythonjob_fanout`: ``n`` bare ``PythonJob`` processes, one after the other or all
  at once on the runner's event loop;
- :func:`calcfunction_while`: the provenance of a ``While`` of ``n`` iterations: a Python ``while`` loop whose
  condition is a bare calcfunction ``op_lt`` and whose body is :func:`add_calcfunction` (``n + 1`` calls of each).

The ``Map`` groups have no floor of their own: a ``Map`` over ``n`` items records what the fan-outs record, one
process per item, so the fan-out floors are theirs (``compare.FLOORS``).

The calcfunction and the timed loops check the :data:`DEADLINE` like the engines' task functions do.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiida import orm
from aiida.engine import calcfunction, run_get_node
from aiida.manage import get_manager
from deadline import Deadline

DEADLINE = Deadline()


@calcfunction
def add_calcfunction(x, y):
    """Add two AiiDA numbers: one ``CalcFunctionNode`` with its input and output links per call."""
    DEADLINE.check()
    return x + y


@calcfunction
def op_lt(x, y):
    """Return whether ``x < y`` as a ``Bool``: the condition process of a ``While`` iteration."""
    DEADLINE.check()
    return orm.Bool(x.value < y.value)


def add_numbers(x, y):
    """Add two numbers: the function a bare ``PythonJob`` runs (pickled by value)."""
    return x + y


def input_nodes(n: int) -> list[Any]:
    """Return the ``2n`` unstored ``Int`` nodes ``x=i, y=1`` of ``n`` tasks (what ``wg.save()`` stores as inputs)."""
    return [orm.Int(value) for i in range(n) for value in (i, 1)]


def store_one_transaction(nodes: list[Any]) -> list[Any]:
    """Store ``nodes`` one by one with ``node.store()``, all in one transaction of the profile's storage."""
    storage = get_manager().get_profile_storage()
    session = storage.get_session()
    if session.in_transaction() and not storage.in_transaction:
        session.commit()  # aiida-core's transaction() would commit a pending implicit one at its end otherwise
    with storage.transaction():
        for node in nodes:
            node.store()
    return nodes


def bulk_insert_ints(n: int) -> list[int]:
    """Write ``2n`` ``Int`` rows (``x=i, y=1``) with the storage backend's ``bulk_insert``; return their pks.

    The rows have what a stored ``Int`` has in the database (uuid, node type, user, times, the ``value`` attribute),
    but none of the work ``store()`` does besides (no hash for caching, no Python node objects).
    """
    from aiida.common import timezone
    from aiida.orm.entities import EntityTypes

    storage = get_manager().get_profile_storage()
    user_id = storage.default_user.pk
    now = timezone.now()
    rows = [
        {
            'uuid': str(uuid.uuid4()),
            'node_type': 'data.core.int.Int.',
            'process_type': None,
            'label': '',
            'description': '',
            'ctime': now,
            'mtime': now,
            'user_id': user_id,
            'attributes': {'value': value},
            'extras': {},
            'repository_metadata': {},
        }
        for i in range(n)
        for value in (i, 1)
    ]
    return storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)


def calcfunction_chain(n: int) -> Any:
    """Call :func:`add_calcfunction` ``n`` times, each on the result of the one before; return the last result."""
    result = orm.Int(0)
    for _ in range(n):
        result = add_calcfunction(result, orm.Int(1))
    return result


def calcfunction_fanout(n: int) -> list[Any]:
    """Call :func:`add_calcfunction` ``n`` times on independent inputs ``(i, 1)``; return the results."""
    return [add_calcfunction(orm.Int(i), orm.Int(1)) for i in range(n)]


def calcfunction_while(n: int) -> Any:
    """Run the processes of a ``While`` of ``n`` iterations as bare calcfunctions; return the final value (``n``).

    Each iteration is :func:`op_lt` ``(counter, n)`` then :func:`add_calcfunction` ``(counter, 1)``; the condition
    runs once more (false) and one ``add_calcfunction(counter, 0)`` follows the loop, as the engine groups' graph
    does: ``n + 1`` processes of each function.
    """
    counter, limit = orm.Int(0), orm.Int(n)
    while op_lt(counter, limit).value:
        counter = add_calcfunction(counter, orm.Int(1))
    return add_calcfunction(counter, orm.Int(0))


def pyfunction_inputs(x: Any) -> dict[str, Any]:
    """Return the inputs of a bare aiida-pythonjob ``PyFunction`` running :func:`add_numbers` ``(x, 1)`` here."""
    from aiida_pythonjob import prepare_pyfunction_inputs

    return prepare_pyfunction_inputs(add_numbers, function_inputs={'x': x, 'y': 1}, register_pickle_by_value=True)


def pyfunction_chain(n: int) -> Any:
    """Run ``n`` bare ``PyFunction`` processes one after the other, each on the result of the one before.

    :raises RuntimeError: if a process does not finish with exit status 0.
    """
    from aiida_pythonjob import PyFunction

    result: Any = 0
    for _ in range(n):
        DEADLINE.check()
        outputs, node = run_get_node(PyFunction, **pyfunction_inputs(result))
        if not node.is_finished_ok:
            raise RuntimeError(f'PyFunction<{node.pk}> failed: exit status {node.exit_status}')
        result = outputs['result']
    return result


def pyfunction_fanout(n: int) -> list[Any]:
    """Run ``n`` bare independent ``PyFunction`` processes ``(i, 1)`` one after the other; return their results.

    :raises RuntimeError: if a process does not finish with exit status 0.
    """
    from aiida_pythonjob import PyFunction

    results = []
    for i in range(n):
        DEADLINE.check()
        outputs, node = run_get_node(PyFunction, **pyfunction_inputs(i))
        if not node.is_finished_ok:
            raise RuntimeError(f'PyFunction<{node.pk}> failed: exit status {node.exit_status}')
        results.append(outputs['result'])
    return results


def pythonjob_inputs(x: Any, code: Any) -> dict[str, Any]:
    """Return the inputs of a bare ``PythonJob`` running :func:`add_numbers` ``(x, 1)`` with ``code``."""
    from aiida_pythonjob import prepare_pythonjob_inputs

    return prepare_pythonjob_inputs(
        add_numbers, function_inputs={'x': x, 'y': 1}, code=code, register_pickle_by_value=True
    )


def pythonjob_chain(n: int, code: Any) -> Any:
    """Run ``n`` bare ``PythonJob`` processes one after the other, each on the result of the one before.

    :raises RuntimeError: if a job does not finish with exit status 0.
    """
    from aiida_pythonjob import PythonJob

    result: Any = 0
    for _ in range(n):
        DEADLINE.check()
        outputs, node = run_get_node(PythonJob, **pythonjob_inputs(result, code))
        if not node.is_finished_ok:
            raise RuntimeError(f'PythonJob<{node.pk}> failed: exit status {node.exit_status}')
        result = outputs['result']
    return result


def pythonjob_fanout(n: int, code: Any) -> list[Any]:
    """Run ``n`` bare independent ``PythonJob`` processes ``(i, 1)`` at once on the runner's event loop.

    The jobs run concurrently, as an engine may run independent tasks. Returns their process nodes.
    """
    from aiida_pythonjob import PythonJob

    runner = get_manager().get_runner()
    processes = [runner.instantiate_process(PythonJob, **pythonjob_inputs(i, code)) for i in range(n)]

    async def run_all() -> None:
        await asyncio.gather(*(process.step_until_terminated() for process in processes))

    runner.loop.run_until_complete(run_all())
    return [process.node for process in processes]

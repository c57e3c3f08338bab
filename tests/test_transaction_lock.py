"""The engine's transactions wait for another writer on SQLite instead of failing with "database is locked".

A daemon worker writes while the submitting interpreter stores a graph. In SQLite's rollback-journal mode, a
transaction that read first and then writes fails at once when another connection holds the write lock; the engine's
transactions (``aiida_workgraph.orm.transaction.atomic``) take the write lock first, so they wait for it instead.
Here a second connection to the profile's database holds the write lock for a second, as a worker storing a task's
result does.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiida import orm
from aiida.manage import get_manager
from aiida.storage.sqlite_dos.backend import FILENAME_DATABASE
from node_rows import node_count
from tasks_for_tests import add

from aiida_workgraph import WorkGraph
from aiida_workgraph.orm.transaction import atomic

HOLD_SECONDS = 1.0


def database_path() -> Path:
    """The SQLite file of the test profile."""
    profile = get_manager().get_profile()
    if profile.storage_backend != 'core.sqlite_dos':
        pytest.skip(f"the write lock under test is SQLite's; this profile uses {profile.storage_backend}")
    return Path(profile.storage_config['filepath']) / FILENAME_DATABASE


@pytest.fixture
def other_writer() -> Iterator[threading.Event]:
    """Another connection that holds the database's write lock for ``HOLD_SECONDS``; the event is set once it has it."""
    holding = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(database_path(), isolation_level=None)
        connection.execute('BEGIN IMMEDIATE')
        holding.set()
        threading.Event().wait(HOLD_SECONDS)
        connection.execute('COMMIT')
        connection.close()

    database_path()
    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10), 'the other connection did not get the write lock'
    yield holding
    thread.join()


def test_saving_a_graph_waits_for_another_writer(aiida_profile: Any, other_writer: threading.Event) -> None:
    """``wg.save()`` (process node, inputs, links: one transaction that reads before it writes) waits and stores."""
    wg = WorkGraph('locked')
    wg.add_task(add, name='first', x=1, y=2)
    wg.add_task(add, name='second', x=wg.tasks.first.outputs.result, y=orm.Int(3))

    wg.save()

    node = orm.load_node(wg.pk)
    assert node.is_stored and node.process_label == 'WorkGraph<locked>'
    assert len(node.base.links.get_incoming().all()) == 3


def test_a_read_then_write_transaction_waits_for_another_writer(
    aiida_profile: Any, other_writer: threading.Event
) -> None:
    """Inside ``atomic``: a query, then a store; the store waits for the lock and is committed with the block."""
    count = node_count()
    with atomic(get_manager().get_profile_storage()):
        orm.QueryBuilder().append(orm.Node, project='id').limit(1).all()
        stored = orm.Int(5).store()
    assert node_count() == count + 1
    assert orm.load_node(stored.pk).value == 5

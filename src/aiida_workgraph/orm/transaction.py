"""One database transaction for a batch of stores, on aiida-core's storage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text

TAKE_WRITE_LOCK = text('DELETE FROM db_dbsetting WHERE id = -1')
"""A write that changes nothing: as the first statement of a SQLite transaction it takes the write lock."""


@contextmanager
def atomic(storage: Any) -> Iterator[None]:
    """Run the block in one transaction of ``storage``: everything it stores is committed together, or not at all.

    aiida-core's ``transaction()`` commits the enclosing transaction when it is entered inside one that SQLAlchemy
    began implicitly, so the pending implicit transaction is committed first and a fresh one is opened.

    On SQLite the new transaction takes the write lock before its first read. A transaction that read first and then
    writes while another connection holds the write lock fails at once with "database is locked" (SQLite does not
    wait there, as waiting could deadlock); one that asks for the write lock first waits for it, up to the
    connection's timeout, like every other writer.
    """
    session = storage.get_session()
    nested = storage.in_transaction
    if session.in_transaction() and not nested:
        session.commit()
    with storage.transaction():
        if not nested and session.get_bind().dialect.name == 'sqlite':
            session.execute(TAKE_WRITE_LOCK)
        yield

"""One database transaction for a batch of stores, on aiida-core's storage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def atomic(storage: Any) -> Iterator[None]:
    """Run the block in one transaction of ``storage``: everything it stores is committed together, or not at all.

    aiida-core's ``transaction()`` commits the enclosing transaction when it is entered inside one that SQLAlchemy
    began implicitly, so the pending implicit transaction is committed first and a fresh one is opened.
    """
    session = storage.get_session()
    if session.in_transaction() and not storage.in_transaction:
        session.commit()
    with storage.transaction():
        yield

"""The deadline of the benchmark round that is running, checked by the timed work (task functions, floor loops).

Once the time budget of a case has passed, the next check raises :class:`BudgetExceeded`: an engine treats that as a
failed task and skips the rest of a chain, so a run that is too slow ends promptly and cleanly. Nothing here imports
AiiDA.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


class BudgetExceeded(RuntimeError):
    """Raised by a benchmark task when the time budget of the current benchmark case has run out."""


@dataclass
class Deadline:
    """The time budget of the benchmark round that is running, shared with the work that is timed.

    :ivar at: ``time.monotonic()`` after which tasks refuse to run, or ``None`` for no limit.
    :ivar calls: the number of task functions that ran (and returned) since :meth:`arm`.
    :ivar tripped: whether a task refused to run because the budget was exceeded.
    """

    at: float | None = None
    calls: int = 0
    tripped: bool = False

    def arm(self, seconds: float | None) -> None:
        """Start a new round with a budget of ``seconds`` from now (``None``: no limit)."""
        self.at = None if seconds is None else time.monotonic() + seconds
        self.calls = 0
        self.tripped = False

    def disarm(self) -> None:
        """Remove the limit (the counters are kept for inspection)."""
        self.at = None

    def check(self) -> None:
        """Count one task call, or raise :class:`BudgetExceeded` if the budget has run out.

        :raises BudgetExceeded: if the deadline has passed.
        """
        if self.at is not None and time.monotonic() > self.at:
            self.tripped = True
            raise BudgetExceeded('time budget of the benchmark case exceeded')
        self.calls += 1

"""The per-case time budget of the benchmark suite: which cases to skip, and the record of what was not measured.

A benchmark group (for example ``run: chain of @task``) runs its cases from the smallest ``n`` to the largest. Before
a case runs, its time is extrapolated from the fastest rounds of the ``n`` already measured in the group: from the
largest one, with the growth ``n**k`` measured between the two largest (``k`` at least 1, at most 3; ``k = 1``, linear,
with a single point). A case is skipped when that estimate is above the budget, or when a smaller ``n`` of the group
already ran out of budget. Neither implementation scales better than linearly, so the *linear* extrapolation is a
lower bound of the time of a skipped case; that lower bound is what the record keeps. A case that runs and runs out
of budget is stopped cooperatively by the task functions (see ``workload.Deadline``) and recorded as such; cases whose
work cannot be stopped (``save``, PythonJobs) rely on the estimate alone. A case whose checks failed (the work was not
done right: see ``measure.checked``) is recorded as failed, and the larger ``n`` of its group are not run.

Nothing here imports AiiDA or ``aiida_workgraph``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NoReturn

import pytest


@dataclass(frozen=True)
class Estimate:
    """The extrapolated time of one round of a case.

    :ivar expected: extrapolated with the measured growth (``n**exponent``); decides whether the case runs.
    :ivar linear: extrapolated linearly: a lower bound, since no implementation scales better.
    :ivar exponent: the growth exponent used (1 to 3).
    :ivar n_from: the ``n`` extrapolated from, and ``seconds_from`` its fastest round.
    """

    expected: float
    linear: float
    exponent: float
    n_from: int
    seconds_from: float


@dataclass
class BudgetTracker:
    """Tracks the measured cases of the session and decides which ones to skip.

    :ivar seconds: the time budget of one round of one case.
    :ivar measured: ``{group: [(n, fastest round in seconds), ...]}``.
    :ivar exceeded: ``{group: smallest n that ran out of budget}``.
    :ivar failed_at: ``{group: smallest n whose checks failed}``.
    :ivar not_measured: one record per case without a valid measurement: ``group``, ``n``, ``test``, ``reason`` and
        ``at_least_seconds``, a lower bound of the time of one round (the budget for a stopped case; the linear
        extrapolation for a skipped one; ``None`` for a case that failed its checks, see :meth:`failed`, and for the
        larger ``n`` of its group).
    """

    seconds: float
    measured: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    exceeded: dict[str, int] = field(default_factory=dict)
    failed_at: dict[str, int] = field(default_factory=dict)
    not_measured: list[dict[str, Any]] = field(default_factory=list)

    def estimate(self, group: str, n: int) -> Estimate | None:
        """Return the extrapolation of the time of one round of ``(group, n)``, or ``None`` without data."""
        smaller = sorted((m, seconds) for m, seconds in self.measured.get(group, []) if m < n)
        if not smaller:
            return None
        n_from, seconds_from = smaller[-1]
        exponent = 1.0
        if len(smaller) > 1 and seconds_from > 0 and smaller[-2][1] > 0:
            n_before, seconds_before = smaller[-2]
            exponent = math.log(seconds_from / seconds_before) / math.log(n_from / n_before)
            exponent = min(3.0, max(1.0, exponent))
        return Estimate(
            expected=seconds_from * (n / n_from) ** exponent,
            linear=seconds_from * n / n_from,
            exponent=exponent,
            n_from=n_from,
            seconds_from=seconds_from,
        )

    def rounds(self, group: str, n: int, wanted: int) -> int:
        """Return how many rounds to run: ``wanted``, fewer if the rounds together would take half the budget."""
        guess = self.estimate(group, n)
        if guess is None or guess.expected <= 0:
            return wanted
        return max(1, min(wanted, int(self.seconds / (2 * guess.expected))))

    def before(self, group: str, n: int, test: str) -> None:
        """Skip the case (and record why) if it cannot finish within the budget.

        :raises pytest.skip.Exception: if a smaller ``n`` ran out of budget or failed, or the estimate is above the
            budget.
        """
        if group in self.failed_at and self.failed_at[group] < n:
            self._skip(group, n, test, f'not run: n={self.failed_at[group]} failed', None)
        if group in self.exceeded and self.exceeded[group] < n:
            n_over = self.exceeded[group]
            reason = f'not run: n={n_over} already exceeded the {self.budget_text}'
            self._skip(group, n, test, reason, self.seconds * n / n_over)
        guess = self.estimate(group, n)
        if guess is not None and guess.expected > self.seconds:
            basis = f'n={guess.n_from}: {guess.seconds_from:.2f} s'
            if guess.exponent == 1:
                expected = f'at least {guess.linear:.0f} s expected (linear from {basis})'
            else:
                expected = (
                    f'about {guess.expected:.0f} s expected (growth n^{guess.exponent:.2f} from {basis}; '
                    f'at least {guess.linear:.0f} s, linear)'
                )
            reason = f'not run: {expected}, over the {self.budget_text}'
            self._skip(group, n, test, reason, guess.linear)

    def after(self, group: str, n: int, seconds: float) -> None:
        """Record the fastest round of a case that finished within the budget."""
        self.measured.setdefault(group, []).append((n, seconds))

    def over_budget(self, group: str, n: int, test: str, detail: str) -> NoReturn:
        """Record that a case ran out of budget and skip the rest of the test.

        :raises pytest.skip.Exception: always.
        """
        self.exceeded.setdefault(group, n)
        self._skip(group, n, test, f'stopped: exceeded the {self.budget_text} ({detail})', self.seconds)

    def failed(self, group: str, n: int, test: str, detail: str) -> None:
        """Record that a case ran but failed its checks (no lower bound: its time is not that of the work)."""
        self.failed_at.setdefault(group, n)
        self._record(group, n, test, f'failed: {detail}', None)

    @property
    def budget_text(self) -> str:
        """The budget, for messages."""
        return f'budget of {self.seconds:g} s per round'

    def _skip(self, group: str, n: int, test: str, reason: str, at_least: float | None) -> NoReturn:
        """Record a case without measurement, with a lower bound of its time (seconds, or ``None``), and skip it."""
        self._record(group, n, test, reason, at_least)
        pytest.skip(reason)

    def _record(self, group: str, n: int, test: str, reason: str, at_least: float | None) -> None:
        """Record a case without measurement, with a lower bound of its time (seconds, or ``None``)."""
        bound = None if at_least is None else round(at_least, 3)
        record = {'group': group, 'n': n, 'test': test, 'reason': reason, 'at_least_seconds': bound}
        self.not_measured.append(record)

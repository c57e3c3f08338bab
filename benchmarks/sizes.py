"""The sizes ``n`` and the numbers of rounds of the benchmark groups, and the smoke mode that shrinks them.

With ``BENCH_SMOKE=1`` in the environment every group runs only its smallest ``n``, with one round: the test suite
does that (``tests/test_benchmark_smoke.py``) so that the benchmarks cannot rot. Nothing here imports AiiDA.
"""

from __future__ import annotations

import os


def smoke() -> bool:
    """Whether the suite runs in smoke mode (``BENCH_SMOKE`` set to anything but empty or ``0``)."""
    return os.environ.get('BENCH_SMOKE', '').strip() not in ('', '0')


def sizes(*values: int) -> tuple[int, ...]:
    """Return the sizes of a group: ``values``, or only the smallest of them in smoke mode."""
    return (min(values),) if smoke() else values


def rounds(wanted: int) -> int:
    """Return the number of rounds of a case: ``wanted``, or 1 in smoke mode."""
    return 1 if smoke() else wanted

"""Timing one benchmark case within the time budget, optionally under cProfile, and reading what a case stored.

Shared by ``bench_workgraph.py`` (ours and upstream) and ``bench_floor.py`` (aiida-core alone). Imports neither AiiDA
nor ``aiida_workgraph`` at module level.

Profiles: with ``BENCH_PROFILE_DIR`` set, every round of every case runs under :mod:`cProfile` and the top entries
(by own and by cumulative time) of the last round are written to ``BENCH_PROFILE_DIR/<group>--<n>.txt``. Profiled
timings are slower than real ones: ``scripts/run_benchmarks.sh profile`` runs such a pass apart from the timed runs,
and ``compare.py --profiles`` shows the profile of the largest ``n`` of each group.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import io
import json
import os
import pathlib
import pstats
import re
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
import sizes
from budget import BudgetTracker

PROFILE_ENTRIES = 15
# Everything up to a path inside site-packages, the standard library, src/ or benchmarks/.
SHORTEN_PATHS = re.compile(r'\S*/(site-packages|src|benchmarks|lib/python3\.\d+)/')


def profile_path(group: str, n: int) -> pathlib.Path | None:
    """Return the file the profile of ``(group, n)`` is written to, or ``None`` when not profiling."""
    folder = os.environ.get('BENCH_PROFILE_DIR', '').strip()
    if not folder:
        return None
    slug = re.sub(r'[^A-Za-z0-9]+', '-', group).strip('-').lower()
    return pathlib.Path(folder) / f'{slug}--{n}.txt'


def write_profile(profiler: cProfile.Profile, path: pathlib.Path, group: str, n: int) -> None:
    """Write the top :data:`PROFILE_ENTRIES` entries of ``profiler`` to ``path``: by own time, then by cumulative time.

    File names are shortened to their path inside ``site-packages`` or the repository (``aiida/engine/...``).
    """
    sections = [f'# {group}, n={n}: one round under cProfile']
    for order, title in (('tottime', 'own time (tottime)'), ('cumulative', 'cumulative time (cumtime)')):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(PROFILE_ENTRIES)
        text = stream.getvalue()
        table = text[text.index('ncalls') :] if 'ncalls' in text else text
        sections += [f'## top {PROFILE_ENTRIES} by {title}', SHORTEN_PATHS.sub('', table)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(section.rstrip() for section in sections) + '\n', encoding='utf-8')


def measure(
    benchmark: Any,
    budget: BudgetTracker,
    workload: ModuleType,
    request: pytest.FixtureRequest,
    *,
    group: str,
    n: int,
    rounds: int,
    make: Callable[[], Any] | None,
    action: Callable[..., Any],
) -> list[Any]:
    """Time ``action(make())`` for ``rounds`` rounds (only ``action`` is timed) and return what ``make`` built.

    Every round starts with a full garbage collection (untimed): the cyclic collector's work in a round is then
    that of the round's own objects, not of what the setup or earlier cases left (building a graph of 1000 tasks
    leaves enough new objects to set off a full collection of the whole heap, which otherwise falls into the next
    timed round or not, by chance).

    The case is skipped if it cannot fit in the time budget (see :class:`~budget.BudgetTracker`), and reported as
    stopped if a round ran out of budget (the task functions stop themselves: ``workload.Deadline``). In smoke mode
    (``BENCH_SMOKE``, see ``sizes.py``) one round is run.

    :param workload: a module with a ``DEADLINE`` (``workload.Deadline``) that the timed work checks.
    :param make: builds the argument of ``action`` in the untimed setup; ``None``: ``action`` takes no argument.
    :raises pytest.skip.Exception: if the case is skipped or stopped.
    """
    test = request.node.name
    budget.before(group, n, test)
    benchmark.group = group
    benchmark.extra_info.update({'n': n, 'status': 'ok'})
    built: list[Any] = []
    rounds_done: list[tuple[bool, int]] = []
    profile_to = profile_path(group, n)

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]] | None:
        if make:
            built.append(make())
        gc.collect()
        return ((built[-1],), {}) if make else None

    def target(*args: Any) -> Any:
        workload.DEADLINE.arm(budget.seconds)
        profiler = cProfile.Profile() if profile_to else None
        try:
            if profiler:
                profiler.enable()
            result = action(*args)
        except Exception:
            if not workload.DEADLINE.tripped:
                raise
            result = None  # an engine that raises on a failed task: the failure is the budget's
        finally:
            if profiler:
                profiler.disable()
                write_profile(profiler, profile_to, group, n)
        rounds_done.append((workload.DEADLINE.tripped, workload.DEADLINE.calls))
        return result

    try:
        result = benchmark.pedantic(
            target,
            setup=setup,
            rounds=sizes.rounds(budget.rounds(group, n, rounds)),
            iterations=1,
        )
    finally:
        workload.DEADLINE.disarm()
    for tripped, calls in rounds_done:
        if tripped:
            benchmark.extra_info.update({'status': 'over budget', 'tasks_done': calls})
            budget.over_budget(group, n, test, f'{calls} of {n} tasks ran within the budget')
    if benchmark.stats is not None:  # None with --benchmark-disable: the rounds ran, untimed
        budget.after(group, n, benchmark.stats.stats.min)
    return built if make else [result]


@contextlib.contextmanager
def checked(
    benchmark: Any, budget: BudgetTracker, request: pytest.FixtureRequest, *, group: str, n: int
) -> Iterator[None]:
    """Run the checks of a measured case (the ``assert`` statements in the ``with`` block).

    If one fails (or reading what it checks raises), the case is recorded as failed (``BudgetTracker.failed``: its
    time is not shown as a measurement, and the larger ``n`` of the group are not run) and the test fails. For upstream
    aiida-workgraph, whose failures are results to report rather than errors of this suite, the test is marked as an
    expected failure (``xfail``) instead, so that a run of upstream does not end with a failure status because of
    upstream's own limits (for example its ``While`` of 100 iterations, which ends in a ``RecursionError``).

    :raises Exception: what a check of our package raised (an ``AssertionError``, or the error of reading a result).
    """
    try:
        yield
    except Exception as error:
        message = str(error).strip().splitlines() or ['']
        detail = f'{type(error).__name__}: {message[0]}'[:300]
        benchmark.extra_info['status'] = 'failed'
        budget.failed(group, n, request.node.name, detail)
        if request.getfixturevalue('implementation_name') == 'upstream':
            pytest.xfail(f'upstream failed: {detail}')
        raise


def value_of(socket_value: Any) -> Any:
    """The plain value of a socket value, whether an AiiDA node (``.value``) or a Python value."""
    return getattr(socket_value, 'value', socket_value)


def stored_sizes(node: Any) -> dict[str, int]:
    """Return the bytes stored on a process node: checkpoint, other attributes (JSON) and repository files.

    ``ProcessNode.checkpoint`` is the YAML string of the checkpoint (the ``checkpoints`` attribute in aiida-core 2.x).
    """
    checkpoint = node.checkpoint or ''
    attributes = {key: value for key, value in node.base.attributes.all.items() if key != 'checkpoints'}
    repository = 0
    for root, _, filenames in node.base.repository.walk():
        for filename in filenames:
            repository += len(node.base.repository.get_object_content(str(root / filename), mode='rb'))
    return {
        'checkpoint_bytes': len(checkpoint.encode('utf-8')),
        'attributes_bytes': len(json.dumps(attributes, default=str).encode('utf-8')),
        'repository_bytes': repository,
    }

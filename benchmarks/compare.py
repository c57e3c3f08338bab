"""Put the pytest-benchmark results of our package, of upstream aiida-workgraph and of the floor side by side.

Usage::

    python benchmarks/compare.py [--ours benchmarks/results/ours.json] [--upstream benchmarks/results/upstream.json]
                                 [--floor benchmarks/results/floor.json] [--docs docs/benchmarks.md]
                                 [--marker results] [--plots docs/plots] [--profiles benchmarks/results/profiles]

Prints a Markdown report (environment, timings with the floor of each group, stored sizes, cases not measured) and,
with ``--docs``, writes it into that file between the lines ``<!-- MARKER:start -->`` and ``<!-- MARKER:end -->``
(``MARKER``: ``--marker``, default ``results``). The floor groups (``bench_floor.py``: aiida-core alone) are read
from ``--floor`` (default: from the results of ours). With ``--plots DIR`` it draws one log-log plot per group (time
against ``n``: ours, upstream and the floor; matplotlib) into ``DIR`` and shows them in the report; with
``--profiles DIR`` (written by a run with ``BENCH_PROFILE_DIR``) it adds the cProfile top entries of the largest
``n`` of each group. With ``--daemon FILE...`` (results of ``bench_daemon.py``, merged) it also writes the daemon
benchmark's block (times, throughput, worker memory; marker ``--daemon-marker``, default ``daemon``) and, with
``--daemon-plots DIR``, its two plots (graphs per minute and peak worker memory against ``N``). Standard library
only, except matplotlib for the plots.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import sys
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
GROUP_ORDER = (
    'build (add_task)',
    'build (with WorkGraph)',
    'save',
    'run: chain of @task',
    'run: fan-out of @task',
    'run: chain of calcfunction',
    'run: fan-out of calcfunction',
    'run: chain of PythonJob',
    'run: fan-out of PythonJob',
    'run: While of n iterations',
    'run: Map of @task',
    'run: Map of PythonJob',
    'large value: task input',
    'large value: graph input',
    'large value: ctx',
    'large value: result passed on',
)
# The floor groups of each engine group: what aiida-core alone needs for the same provenance (bench_floor.py). The
# first is the one of the "ours / floor" column; all of them are drawn in the group's plot.
FLOORS = {
    'save': ('floor: bulk_insert of 2n Int rows', 'floor: store 2n Int nodes, one transaction'),
    'run: chain of @task': ('floor: chain of calcfunction', 'floor: chain of PyFunction'),
    'run: fan-out of @task': ('floor: fan-out of calcfunction', 'floor: fan-out of PyFunction'),
    'run: chain of calcfunction': ('floor: chain of calcfunction',),
    'run: fan-out of calcfunction': ('floor: fan-out of calcfunction',),
    'run: chain of PythonJob': ('floor: chain of PythonJob',),
    'run: fan-out of PythonJob': ('floor: fan-out of PythonJob',),
    'run: While of n iterations': ('floor: While as calcfunctions',),
    # A Map over n items records one process per item, like a fan-out of n tasks.
    'run: Map of @task': ('floor: fan-out of calcfunction', 'floor: fan-out of PyFunction'),
    'run: Map of PythonJob': ('floor: fan-out of PythonJob',),
}
FLOOR_ORDER = tuple(dict.fromkeys(floor for floors in FLOORS.values() for floor in floors))
# Earlier names of groups, so that results files written before a rename still read.
ALIASES = {'run: independent PythonJob': 'run: fan-out of PythonJob'}
SIZE_KEYS = (
    ('checkpoint_bytes', 'checkpoint'),
    ('attributes_bytes', 'other attributes'),
    ('repository_bytes', 'repository files'),
)


class Results:
    """The results of one implementation: measured cases, cases not measured, and the environment."""

    def __init__(self, label: str, data: dict[str, Any] | None) -> None:
        self.label = label
        self.data = data or {}
        self.cases: dict[tuple[str, int], dict[str, Any]] = {}
        for bench in self.data.get('benchmarks', []):
            key = (ALIASES.get(bench['group'], bench['group']), int(bench['extra_info']['n']))
            self.cases[key] = bench
        self.missing: dict[tuple[str, int], dict[str, Any]] = {
            (ALIASES.get(record['group'], record['group']), int(record['n'])): record
            for record in self.data.get('not_measured', [])
        }

    @property
    def available(self) -> bool:
        """Whether a results file was read."""
        return bool(self.data)

    def median(self, key: tuple[str, int]) -> float | None:
        """The median time of a case that was measured within the budget, else ``None``."""
        bench = self.cases.get(key)
        if bench is None or key in self.missing or bench['extra_info'].get('status', 'ok') != 'ok':
            return None
        return float(bench['stats']['median'])

    def cell(self, key: tuple[str, int]) -> str:
        """The table cell of a case: median and rounds, or why there is no measurement."""
        median = self.median(key)
        if median is not None:
            return f'{format_seconds(median)} ({self.cases[key]["stats"]["rounds"]})'
        record = self.missing.get(key)
        if record is None:
            return 'n/a' if self.available else 'not run'
        if record.get('at_least_seconds') is None:
            # No lower bound: 'failed' (it ran and failed its checks) or 'not run' (a smaller n of the group failed);
            # the reason is in the list below the tables.
            return record['reason'].split(':', 1)[0]
        bound = format_seconds(record['at_least_seconds'])
        if record['reason'].startswith('stopped'):
            bench = self.cases.get(key, {})
            done = bench.get('extra_info', {}).get('tasks_done')
            return f'> {bound}, stopped' + (f' ({done}/{key[1]} tasks)' if done is not None else '')
        return f'≥ {bound}, skipped'

    def lower_bound(self, key: tuple[str, int]) -> float | None:
        """A lower bound of the time of a case that was not measured, else ``None``."""
        record = self.missing.get(key)
        bound = record.get('at_least_seconds') if record else None
        return float(bound) if bound is not None else None

    def environment(self) -> list[str]:
        """Markdown bullet lines describing where and with what the results were measured."""
        if not self.available:
            return [f'- **{self.label}**: no results file']
        info = self.data.get('machine_info', {})
        packages = ', '.join(f'{name} {version}' for name, version in info.get('packages', {}).items())
        profile = info.get('aiida_profile', {})
        load_start = ', '.join(f'{value:.1f}' for value in info.get('load_average_start', []))
        load_end = ', '.join(f'{value:.1f}' for value in info.get('load_average_end', []))
        cpu = info.get('cpu', {}).get('brand_raw') or info.get('processor') or '?'
        commit = self.data.get('commit_info', {})
        revision = (commit.get('id') or '')[:10] + (' (dirty)' if commit.get('dirty') else '')
        return [
            f'- **{self.label}**: {packages}; Python {info.get("python_version", "?")}',
            f'  - finished {self.data.get("datetime", "?")[:19]} UTC, {info.get("cpu_count", "?")} cores ({cpu}), '
            f'load average (1, 5, 15 min) {load_start} at the start, {load_end} at the end; '
            f'repository at {revision or "?"}',
            f'  - profile: {profile.get("storage", "?")} storage, broker: {profile.get("broker", "?")}; '
            f'budget {self.data.get("budget_seconds", "?")} s per round',
        ]


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit that keeps 3 significant digits (µs, ms or s)."""
    if seconds < 1e-3:
        return f'{seconds * 1e6:.3g} µs'
    if seconds < 1:
        return f'{seconds * 1e3:.3g} ms'
    if seconds >= 1000:
        return f'{seconds:.0f} s'
    return f'{seconds:.3g} s'


def format_bytes(size: int | None) -> str:
    """Format a size in bytes (B, kB or MB, powers of 1000)."""
    if size is None:
        return 'n/a'
    if size < 1000:
        return f'{size} B'
    if size < 1000**2:
        return f'{size / 1000:.3g} kB'
    return f'{size / 1000**2:.3g} MB'


def ratio(ours: Results, upstream: Results, key: tuple[str, int]) -> str:
    """Upstream's time over ours (above 1: ours is faster); a lower bound when upstream was not measured."""
    mine = ours.median(key)
    theirs = upstream.median(key)
    if mine and theirs:
        return f'{theirs / mine:.3g}×'
    bound = upstream.lower_bound(key)
    if mine and bound:
        return f'> {bound / mine:.3g}×'
    mine_bound = ours.lower_bound(key)
    if theirs and mine_bound:
        return f'< {theirs / mine_bound:.3g}×'
    return '-'


def floor_ratio(ours: Results, floor_results: Results, key: tuple[str, int]) -> str:
    """Our time over the first floor of the group (1: at the floor); ``-`` without both measurements."""
    group, n = key
    mine = ours.median(key)
    floors = FLOORS.get(group, ())
    floor = floor_results.median((floors[0], n)) if floors else None
    if mine and floor:
        return f'{mine / floor:.3g}×'
    return '-'


def sorted_keys(*results: Results, floors: bool = False) -> list[tuple[str, int]]:
    """The (group, n) cases of the results in the order of ``GROUP_ORDER`` (``FLOOR_ORDER``), then ``n``.

    :param floors: return the cases of the floor groups instead of the others.
    """
    keys = set()
    for result in results:
        keys.update(result.cases)
        keys.update(result.missing)
    keys = {key for key in keys if key[0].startswith('floor:') == floors}
    order_of = FLOOR_ORDER if floors else GROUP_ORDER

    def order(key: tuple[str, int]) -> tuple[int, str, int]:
        group, n = key
        rank = order_of.index(group) if group in order_of else len(order_of)
        return rank, group, n

    return sorted(keys, key=order)


def timing_table(ours: Results, upstream: Results, floor_results: Results) -> list[str]:
    """The Markdown table of median times, one row per (group, n), with the first floor of the group."""
    lines = [
        '| benchmark | n | ours: median (rounds) | upstream 0.9.0: median (rounds) | upstream / ours | floor '
        '| ours / floor |',
        '|---|---:|---:|---:|---:|---:|---:|',
    ]
    for key in sorted_keys(ours, upstream):
        group, n = key
        floors = FLOORS.get(group, ())
        floor = floor_results.cell((floors[0], n)) if floors and (floors[0], n) in floor_results.cases else '-'
        lines.append(
            f'| {group} | {n} | {ours.cell(key)} | {upstream.cell(key)} | {ratio(ours, upstream, key)} '
            f'| {floor} | {floor_ratio(ours, floor_results, key)} |'
        )
    return lines


def floor_table(floor_results: Results) -> list[str]:
    """The Markdown table of the floor groups (aiida-core alone), one row per (group, n), and what each is for."""
    lines = ['| floor | n | median (rounds) | floor of |', '|---|---:|---:|---|']
    for key in sorted_keys(floor_results, floors=True):
        group, n = key
        of = ', '.join(name for name, floors in FLOORS.items() if group in floors)
        lines.append(f'| {group} | {n} | {floor_results.cell(key)} | {of} |')
    return lines


def slug(group: str) -> str:
    """A file name for a group: lower case, runs of other characters than letters and digits as one ``-``."""
    return re.sub(r'[^a-z0-9]+', '-', group.lower()).strip('-')


def plot_groups(
    ours: Results, upstream: Results, floor_results: Results, folder: pathlib.Path
) -> dict[str, pathlib.Path]:
    """Draw one log-log plot per engine group into ``folder`` (``<slug>.png``); return ``{group: path}``.

    Each plot has the median time against ``n`` of ours, upstream and the group's floors (dashed); a case that was not
    measured is drawn as an open triangle at its lower bound (the time is at least that).
    """
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    groups = dict.fromkeys(group for group, _ in sorted_keys(ours, upstream))
    for group in groups:
        series = [(ours, group, 'ours', '-', 'o'), (upstream, group, 'upstream 0.9.0', '-', 's')]
        series += [(floor_results, floor, floor, '--', '.') for floor in FLOORS.get(group, ())]
        figure, axes = plt.subplots(figsize=(6.4, 4.2))
        for result, name, label, style, marker in series:
            ns = sorted({n for g, n in (*result.cases, *result.missing) if g == name})
            measured = [(n, result.median((name, n))) for n in ns if result.median((name, n))]
            bounds = [(n, result.lower_bound((name, n))) for n in ns if result.lower_bound((name, n))]
            if not measured and not bounds:
                continue
            color = None
            if measured:
                (line,) = axes.plot(*zip(*measured), linestyle=style, marker=marker, label=label)
                color = line.get_color()
            if bounds:
                axes.plot(
                    *zip(*bounds),
                    linestyle='none',
                    marker='^',
                    markerfacecolor='none',
                    color=color,
                    label=f'{label}: not measured, at least',
                )
        axes.set_xscale('log')
        axes.set_yscale('log')
        axes.set_xlabel('n')
        axes.set_ylabel('time of one round (s)')
        axes.set_title(group)
        axes.grid(True, which='both', alpha=0.3)
        axes.legend(fontsize='small')
        figure.tight_layout()
        path = folder / f'{slug(group)}.png'
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written[group] = path
    return written


def profile_summaries(folder: pathlib.Path, lines_per_profile: int = 60) -> dict[str, tuple[int, str]]:
    """Read the profiles of ``folder`` (``measure.write_profile``); return ``{group: (largest n, text)}``."""
    largest: dict[str, tuple[int, str]] = {}
    for path in sorted(folder.glob('*--*.txt')):
        text = path.read_text(encoding='utf-8')
        header = re.match(r'# (.*), n=(\d+):', text)
        if header is None:
            continue
        group, n = ALIASES.get(header.group(1), header.group(1)), int(header.group(2))
        if group not in largest or n > largest[group][0]:
            largest[group] = (n, '\n'.join(text.splitlines()[:lines_per_profile]))
    return largest


def size_table(ours: Results, upstream: Results) -> list[str]:
    """The Markdown table of what ``wg.save()`` stored on the process node, per n."""
    lines = [
        '| n | stored on the process node | ours | upstream 0.9.0 |',
        '|---:|---|---:|---:|',
    ]
    ns = sorted({n for group, n in sorted_keys(ours, upstream) if group == 'save'})
    for n in ns:
        for field, label in SIZE_KEYS:
            cells = []
            for result in (ours, upstream):
                bench = result.cases.get(('save', n))
                cells.append(format_bytes(bench['extra_info'].get(field)) if bench else 'not measured')
            lines.append(f'| {n} | {label} | {cells[0]} | {cells[1]} |')
    return lines


def not_measured(*results: Results) -> list[str]:
    """Markdown bullet lines for every case without a valid measurement."""
    lines = []
    for result in results:
        for (group, n), record in sorted(result.missing.items(), key=lambda item: (str(item[0][0]), item[0][1])):
            lines.append(f'- {result.label}, {group}, n={n}: {record["reason"]}')
    return lines or ['- none']


def report(
    ours: Results,
    upstream: Results,
    floor_results: Results,
    plots: dict[str, pathlib.Path] | None = None,
    profiles: dict[str, tuple[int, str]] | None = None,
    relative_to: pathlib.Path | None = None,
) -> str:
    """The whole Markdown report.

    :param floor_results: the results of the floor groups (``bench_floor.py``);
    :param plots: ``{group: png path}`` to show; :param profiles: ``{group: (n, text)}`` to add;
    :param relative_to: the folder the plot paths are written relative to (the docs page's).
    """
    environments = [*ours.environment(), *upstream.environment()]
    if floor_results is not ours:
        environments += floor_results.environment()
    lines = ['### Environment', '', *environments, '']
    lines += ['### Times', '', *timing_table(ours, upstream, floor_results), '']
    if sorted_keys(floor_results, floors=True):
        lines += ['### The floor: aiida-core alone', '', *floor_table(floor_results), '']
    if any(group == 'save' for group, _ in sorted_keys(ours, upstream)):
        lines += ['### What `wg.save()` stores on the process node', '', *size_table(ours, upstream), '']
    if plots:
        lines += ['### Plots', '']
        for group, path in plots.items():
            shown = os.path.relpath(path, relative_to) if relative_to else str(path)
            lines += [f'![{group}: time against n, log-log]({pathlib.Path(shown).as_posix()})', '']
    if profiles:
        lines += ['### Where the time goes', '']
        for group in [*GROUP_ORDER, *FLOOR_ORDER]:
            if group in profiles:
                n, text = profiles[group]
                lines += [f'{group}, n={n}:', '', '```text', text, '```', '']
    lines += ['### Cases without a measurement', '', *not_measured(ours, upstream)]
    return '\n'.join(lines) + '\n'


# region the daemon benchmark (bench_daemon.py)

DAEMON_IMPLS = ('ours', 'upstream', 'floor')
DAEMON_IMPL_LABELS = {'ours': 'ours', 'upstream': 'upstream 0.9.0', 'floor': 'floor'}
PROCESSES_PER_GRAPH = 11
"""Process nodes per graph of the daemon benchmark, in every implementation: the graph (or WorkChain) and 10 tasks."""


class DaemonResults:
    """The cases of ``bench_daemon.py`` read from one or more results files, keyed by ``(setup, impl, n)``.

    A case of a later file replaces the case of the same key of an earlier file (a case run again, or run with a
    larger budget in a session of its own).

    ``setup`` is the part of the group before `` | ``: stack and number of workers (``daemon: SQLite + ZeroMQ, 1
    worker``); ``impl`` the part after it.
    """

    def __init__(self, files: list[dict[str, Any]]) -> None:
        self.files = files
        self.cases: dict[tuple[str, str, int], dict[str, Any]] = {}
        self.missing: dict[tuple[str, str, int], dict[str, Any]] = {}
        for data in files:  # a later file's case replaces an earlier file's case of the same key
            measured: dict[tuple[str, str, int], dict[str, Any]] = {}
            for bench in data.get('benchmarks', []):
                if bench['group'].startswith('daemon: ') and ' | ' in bench['group']:
                    setup, impl = bench['group'].rsplit(' | ', 1)
                    measured[(setup, impl, int(bench['extra_info']['n']))] = bench
            unmeasured = {}
            for record in data.get('not_measured', []):
                if record['group'].startswith('daemon: ') and ' | ' in record['group']:
                    setup, impl = record['group'].rsplit(' | ', 1)
                    unmeasured[(setup, impl, int(record['n']))] = record
            for key in {*measured, *unmeasured}:
                self.cases.pop(key, None)
                self.missing.pop(key, None)
            self.cases.update(measured)
            self.missing.update(unmeasured)

    def setups(self) -> list[str]:
        """The setups (stack, workers) in a stable order: production stack first, then by number of workers."""
        names = {key[0] for key in (*self.cases, *self.missing)}
        return sorted(names, key=lambda name: ('SQLite' in name, name))

    def sizes(self, setup: str) -> list[int]:
        """The ``N`` of a setup, measured or not."""
        return sorted({key[2] for key in (*self.cases, *self.missing) if key[0] == setup})

    def seconds(self, key: tuple[str, str, int]) -> float | None:
        """The measured time of a case, or ``None`` (not run, skipped, stopped, failed)."""
        bench = self.cases.get(key)
        if bench is None or key in self.missing or bench['extra_info'].get('status', 'ok') != 'ok':
            return None
        return float(bench['stats']['min'])

    def info(self, key: tuple[str, str, int], field: str) -> Any:
        """A field of ``extra_info`` of a measured case, or ``None``."""
        return self.cases[key]['extra_info'].get(field) if self.seconds(key) is not None else None

    def cell(self, key: tuple[str, str, int]) -> str:
        """The time cell: the time and the load average (1 min) at the case's start, or why there is none."""
        seconds = self.seconds(key)
        if seconds is not None:
            load = self.cases[key]['extra_info'].get('load_average_start') or [None]
            return format_seconds(seconds) + (f' (load {load[0]:.1f})' if load[0] is not None else '')
        record = self.missing.get(key)
        if record is None:
            return 'not run'
        bound = record.get('at_least_seconds')
        if bound is None:
            return record['reason'].split(':', 1)[0]
        return (
            f'> {format_seconds(bound)}, stopped'
            if record['reason'].startswith('stopped')
            else (f'≥ {format_seconds(bound)}, skipped')
        )

    def environment(self) -> list[str]:
        """Markdown bullets: versions, when, the load and the commit of each results file."""
        lines = []
        for data in self.files:
            info = data.get('machine_info', {})
            packages = ', '.join(f'{name} {version}' for name, version in info.get('packages', {}).items())
            load_start = ', '.join(f'{value:.1f}' for value in info.get('load_average_start', []))
            load_end = ', '.join(f'{value:.1f}' for value in info.get('load_average_end', []))
            commit = data.get('commit_info', {})
            revision = (commit.get('id') or '')[:10] + (' (dirty)' if commit.get('dirty') else '')
            setups = sorted({bench['group'].rsplit(' | ', 1)[0] for bench in data.get('benchmarks', [])})
            lines += [
                f'- **{", ".join(setups) or "no case"}**: session finished {data.get("datetime", "?")[:19]} UTC, '
                f'{info.get("cpu_count", "?")} cores, load average (1, 5, 15 min) {load_start} at the start, '
                f'{load_end} at the end; budget {data.get("budget_seconds", "?")} s per round; repository at '
                f'{revision or "?"}; driver (ours, floor): {packages}',
            ]
        return lines


def daemon_ratio(numerator: float | None, denominator: float | None) -> str:
    """``numerator / denominator`` as ``1.23×``, or ``-``."""
    return f'{numerator / denominator:.3g}×' if numerator and denominator else '-'


def daemon_tables(results: DaemonResults) -> list[str]:
    """The Markdown tables of the daemon benchmark: times, throughput, memory."""
    times = [
        '| setup | N graphs | ours | upstream 0.9.0 | floor | upstream / ours | ours / floor |',
        '|---|---:|---:|---:|---:|---:|---:|',
    ]
    rates = [
        '| setup | N graphs | ours: graphs/min | upstream: graphs/min | floor: graphs/min | ours: per task '
        '| upstream: per task | floor: per task | ours: per process |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    memory = [
        '| setup | N graphs | ours: peak RSS per worker | upstream | floor | ours: per graph in flight | upstream '
        '| floor | most graphs in flight (ours, upstream, floor) |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ]
    for setup in results.setups():
        for n in results.sizes(setup):
            keys = {impl: (setup, impl, n) for impl in DAEMON_IMPLS}
            seconds = {impl: results.seconds(key) for impl, key in keys.items()}
            name = setup.removeprefix('daemon: ')
            times.append(
                f'| {name} | {n} | {" | ".join(results.cell(keys[impl]) for impl in DAEMON_IMPLS)} '
                f'| {daemon_ratio(seconds["upstream"], seconds["ours"])} '
                f'| {daemon_ratio(seconds["ours"], seconds["floor"])} |'
            )
            per_minute = [f'{60 * n / seconds[impl]:.3g}' if seconds[impl] else '-' for impl in DAEMON_IMPLS]
            per_task = [format_seconds(seconds[impl] / (10 * n)) if seconds[impl] else '-' for impl in DAEMON_IMPLS]
            per_process = format_seconds(seconds['ours'] / (PROCESSES_PER_GRAPH * n)) if seconds['ours'] else '-'
            rates.append(f'| {name} | {n} | {" | ".join(per_minute)} | {" | ".join(per_task)} | {per_process} |')
            peaks, per_graph, in_flight = [], [], []
            for impl in DAEMON_IMPLS:
                rss = results.info(keys[impl], 'worker_peak_rss_mb')
                peaks.append(', '.join(f'{value:.0f} MB' for value in rss) if rss else '-')
                kb = results.info(keys[impl], 'memory_per_graph_in_flight_kb')
                per_graph.append(f'{kb / 1024:.2g} MB' if kb else '-')
                flight = results.info(keys[impl], 'peak_in_flight')
                in_flight.append(str(flight) if flight is not None else '-')
            memory.append(f'| {name} | {n} | {" | ".join(peaks)} | {" | ".join(per_graph)} | {", ".join(in_flight)} |')
    return [
        '#### Time from the first `submit()` to the last graph terminated',
        '',
        *times,
        '',
        '#### Throughput',
        '',
        *rates,
        '',
        '#### Worker memory',
        '',
        *memory,
    ]


def plot_daemon(results: DaemonResults, folder: pathlib.Path) -> list[pathlib.Path]:
    """Draw graphs per minute against ``N`` (one panel per setup) and the workers' peak memory; return the paths."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    setups = results.setups()
    written = []
    for name, ylabel, value in (
        ('daemon-throughput.png', 'graphs per minute', lambda key, n: 60 * n / results.seconds(key)),
        (
            'daemon-worker-memory.png',
            'peak RSS per worker (MB)',
            lambda key, n: max(results.info(key, 'worker_peak_rss_mb') or [0]) or None,
        ),
    ):
        columns = min(2, len(setups)) or 1
        rows = (len(setups) + columns - 1) // columns or 1
        figure, axes_grid = plt.subplots(rows, columns, figsize=(6.4 * columns / 1.3, 3.6 * rows), squeeze=False)
        for index, setup in enumerate(setups):
            axes = axes_grid[index // columns][index % columns]
            for impl, marker in zip(DAEMON_IMPLS, ('o', 's', '.')):
                points = [
                    (n, value((setup, impl, n), n))
                    for n in results.sizes(setup)
                    if results.seconds((setup, impl, n)) is not None
                ]
                points = [(n, y) for n, y in points if y]
                if points:
                    axes.plot(
                        *zip(*points),
                        marker=marker,
                        linestyle='--' if impl == 'floor' else '-',
                        label=DAEMON_IMPL_LABELS[impl],
                    )
            axes.set_xscale('log')
            axes.set_ylim(bottom=0)
            axes.set_title(setup.removeprefix('daemon: '), fontsize='medium')
            axes.set_xlabel('N graphs (10 tasks each)')
            axes.set_ylabel(ylabel)
            axes.grid(True, which='both', alpha=0.3)
            axes.legend(fontsize='small')
        for index in range(len(setups), rows * columns):
            axes_grid[index // columns][index % columns].axis('off')
        figure.tight_layout()
        path = folder / name
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written


def daemon_report(
    results: DaemonResults, plots: list[pathlib.Path] | None = None, relative_to: pathlib.Path | None = None
) -> str:
    """The Markdown block of the daemon benchmark: environment, tables, plots, cases without a measurement."""
    lines = ['### Environment', '', *results.environment(), '', *daemon_tables(results), '']
    if plots:
        lines += ['#### Plots', '']
        for path in plots:
            shown = os.path.relpath(path, relative_to) if relative_to else str(path)
            lines += [f'![{path.stem}]({pathlib.Path(shown).as_posix()})', '']
    missing = [
        f'- {impl}, {setup.removeprefix("daemon: ")}, N={n}: {record["reason"]}'
        for (setup, impl, n), record in sorted(results.missing.items())
    ]
    lines += ['#### Cases without a measurement', '', *(missing or ['- none'])]
    return '\n'.join(lines) + '\n'


# endregion


def write_into(path: pathlib.Path, text: str, marker: str = 'results') -> None:
    """Replace the text between the lines ``<!-- {marker}:start -->`` and ``<!-- {marker}:end -->`` of ``path``.

    :raises SystemExit: if the markers are missing.
    """
    start, end = f'<!-- {marker}:start -->', f'<!-- {marker}:end -->'
    content = path.read_text(encoding='utf-8')
    if start not in content or end not in content:
        raise SystemExit(f'{path}: the lines {start!r} and {end!r} are missing')
    head, rest = content.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f'{head}{start}\n{text}{end}{tail}', encoding='utf-8')


def load(path: pathlib.Path) -> dict[str, Any] | None:
    """Read a pytest-benchmark JSON file, or return ``None`` if it does not exist."""
    if not path.exists():
        print(f'warning: {path} does not exist', file=sys.stderr)
        return None
    return json.loads(path.read_text(encoding='utf-8'))


def main(argv: list[str] | None = None) -> int:
    """Print the report and, with ``--docs``, write it into the docs page (with ``--plots``, draw them first)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ours', type=pathlib.Path, default=HERE / 'results' / 'ours.json')
    parser.add_argument('--upstream', type=pathlib.Path, default=HERE / 'results' / 'upstream.json')
    parser.add_argument('--docs', type=pathlib.Path, default=None, help='Markdown file to write the report into')
    parser.add_argument('--marker', default='results', help='name of the block of --docs to replace')
    parser.add_argument(
        '--floor', type=pathlib.Path, default=None, help='results of bench_floor.py (default: those in --ours)'
    )
    parser.add_argument('--plots', type=pathlib.Path, default=None, help='folder to draw one PNG per group into')
    parser.add_argument('--profiles', type=pathlib.Path, default=None, help='folder of profiles (BENCH_PROFILE_DIR)')
    parser.add_argument(
        '--daemon', type=pathlib.Path, nargs='*', default=[], help='results files of bench_daemon.py (merged)'
    )
    parser.add_argument('--daemon-marker', default='daemon', help='name of the block of --docs for the daemon results')
    parser.add_argument('--daemon-plots', type=pathlib.Path, default=None, help='folder to draw the daemon plots into')
    args = parser.parse_args(argv)
    ours = Results('ours', load(args.ours))
    upstream = Results('upstream', load(args.upstream))
    floor_data = load(args.floor) if args.floor is not None else None
    floor_results = Results('floor', floor_data) if floor_data else ours
    plots = plot_groups(ours, upstream, floor_results, args.plots) if args.plots is not None else None
    profiles = profile_summaries(args.profiles) if args.profiles is not None and args.profiles.is_dir() else None
    relative_to = args.docs.resolve().parent if args.docs is not None else None
    text = report(ours, upstream, floor_results, plots, profiles, relative_to)
    print(text)
    if args.docs is not None:
        write_into(args.docs, text, args.marker)
        print(f'written into {args.docs}', file=sys.stderr)
    daemon_files = [data for data in (load(path) for path in args.daemon) if data]
    if daemon_files:
        daemon = DaemonResults(daemon_files)
        daemon_plots = plot_daemon(daemon, args.daemon_plots) if args.daemon_plots is not None else None
        daemon_text = daemon_report(daemon, daemon_plots, relative_to)
        print(daemon_text)
        if args.docs is not None:
            write_into(args.docs, daemon_text, args.daemon_marker)
            print(f'daemon results written into {args.docs}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())

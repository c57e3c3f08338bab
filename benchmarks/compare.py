"""Put the pytest-benchmark results of our package and of upstream aiida-workgraph side by side.

Usage::

    python benchmarks/compare.py [--ours benchmarks/results/ours.json] [--upstream benchmarks/results/upstream.json]
                                 [--docs docs/benchmarks.md] [--marker results]

Prints a Markdown report (environment, timings, stored sizes, cases not measured) and, with ``--docs``, writes it
into that file between the lines ``<!-- MARKER:start -->`` and ``<!-- MARKER:end -->`` (``MARKER``: ``--marker``,
default ``results``). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
GROUP_ORDER = (
    'build (add_task)',
    'build (with WorkGraph)',
    'save',
    'run: chain of @task',
    'run: chain of calcfunction',
    'run: independent PythonJob',
)
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
            key = (bench['group'], int(bench['extra_info']['n']))
            self.cases[key] = bench
        self.missing: dict[tuple[str, int], dict[str, Any]] = {
            (record['group'], int(record['n'])): record for record in self.data.get('not_measured', [])
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
        bound = format_seconds(record['at_least_seconds'])
        if record['reason'].startswith('stopped'):
            bench = self.cases.get(key, {})
            done = bench.get('extra_info', {}).get('tasks_done')
            return f'> {bound}, stopped' + (f' ({done}/{key[1]} tasks)' if done is not None else '')
        return f'≥ {bound}, skipped'

    def lower_bound(self, key: tuple[str, int]) -> float | None:
        """A lower bound of the time of a case that was not measured, else ``None``."""
        record = self.missing.get(key)
        return float(record['at_least_seconds']) if record else None

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


def sorted_keys(*results: Results) -> list[tuple[str, int]]:
    """All (group, n) cases of the results, in the order of ``GROUP_ORDER`` then ``n``."""
    keys = set()
    for result in results:
        keys.update(result.cases)
        keys.update(result.missing)

    def order(key: tuple[str, int]) -> tuple[int, str, int]:
        group, n = key
        rank = GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)
        return rank, group, n

    return sorted(keys, key=order)


def timing_table(ours: Results, upstream: Results) -> list[str]:
    """The Markdown table of median times, one row per (group, n)."""
    lines = [
        '| benchmark | n | ours: median (rounds) | upstream 0.9.0: median (rounds) | upstream / ours |',
        '|---|---:|---:|---:|---:|',
    ]
    for key in sorted_keys(ours, upstream):
        group, n = key
        lines.append(f'| {group} | {n} | {ours.cell(key)} | {upstream.cell(key)} | {ratio(ours, upstream, key)} |')
    return lines


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


def report(ours: Results, upstream: Results) -> str:
    """The whole Markdown report."""
    lines = ['### Environment', '', *ours.environment(), *upstream.environment(), '']
    lines += ['### Times', '', *timing_table(ours, upstream), '']
    if any(group == 'save' for group, _ in sorted_keys(ours, upstream)):
        lines += ['### What `wg.save()` stores on the process node', '', *size_table(ours, upstream), '']
    lines += ['### Cases without a measurement', '', *not_measured(ours, upstream)]
    return '\n'.join(lines) + '\n'


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
    """Print the report and, with ``--docs``, write it into the docs page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ours', type=pathlib.Path, default=HERE / 'results' / 'ours.json')
    parser.add_argument('--upstream', type=pathlib.Path, default=HERE / 'results' / 'upstream.json')
    parser.add_argument('--docs', type=pathlib.Path, default=None, help='Markdown file to write the report into')
    parser.add_argument('--marker', default='results', help='name of the block of --docs to replace')
    args = parser.parse_args(argv)
    ours = Results('ours', load(args.ours))
    upstream = Results('upstream', load(args.upstream))
    text = report(ours, upstream)
    print(text)
    if args.docs is not None:
        write_into(args.docs, text, args.marker)
        print(f'written into {args.docs}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Smoke test of the benchmark suite: every group at its smallest ``n``, against this package only, end to end.

It runs the files that ``scripts/run_benchmarks.sh ours`` and ``floor`` run (``pytest benchmarks -o
python_files='bench_*.py'``: the engine groups of ``bench_workgraph.py``, the large values of ``bench_large_values.py``
and the floor of ``bench_floor.py``) in a subprocess with ``BENCH_SMOKE=1`` (one ``n`` per group, one round) and with
profiling on, then the compare step with plots and profiles, so that neither the benchmarks nor the report can rot
unnoticed. Timings are never asserted: the benchmark cases check their own results (exit status, values, provenance),
and this test checks that every group ran and that the report, the plots and the profiles were written.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
from types import ModuleType

import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
BENCHMARKS = REPOSITORY / 'benchmarks'
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
MAP_GROUPS = {'run: Map of @task', 'run: Map of PythonJob'}
LARGE_VALUE_GROUPS = {
    'large value: task input',
    'large value: graph input',
    'large value: ctx',
    'large value: result passed on',
}


def load_compare() -> ModuleType:
    """Import ``benchmarks/compare.py`` by its path (the benchmarks folder is not a package on ``sys.path``)."""
    spec = importlib.util.spec_from_file_location('benchmark_compare', BENCHMARKS / 'compare.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """Run the benchmark suite in smoke mode once; return the paths of its JSON results and profiles folder."""
    folder = tmp_path_factory.mktemp('benchmark-smoke')
    results, profiles = folder / 'ours.json', folder / 'profiles'
    env = {
        **os.environ,
        'AIIDA_PATH': str(folder / 'aiida'),
        'BENCH_SMOKE': '1',
        'BENCH_IMPL': 'ours',
        'BENCH_BUDGET': '600',  # a smoke case must run, not be skipped by a budget estimate
        'BENCH_PROFILE_DIR': str(profiles),
    }
    env.pop('AIIDA_PROFILE', None)
    command = [
        sys.executable,
        '-m',
        'pytest',
        'benchmarks',
        '-o',
        'python_files=bench_*.py',
        '-p',
        'no:cacheprovider',
        f'--basetemp={folder / "basetemp"}',
        '-W',
        'ignore',
        f'--benchmark-json={results}',
        '-q',
    ]
    completed = subprocess.run(
        command, cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL
    )
    assert completed.returncode == 0, f'the benchmark smoke run failed:\n{completed.stdout[-6000:]}\n{completed.stderr}'
    return {'results': results, 'profiles': profiles, 'folder': folder}


def test_every_group_runs_at_its_smallest_size(smoke_run: dict[str, pathlib.Path]) -> None:
    """Every engine group and every floor group has exactly one case, measured (not skipped, not stopped)."""
    compare = load_compare()
    data = json.loads(smoke_run['results'].read_text(encoding='utf-8'))
    cases: dict[str, list[int]] = {}
    for bench in data['benchmarks']:
        assert bench['extra_info']['status'] == 'ok', bench['name']
        cases.setdefault(bench['group'], []).append(bench['extra_info']['n'])
    assert data['not_measured'] == []
    assert set(cases) == set(compare.GROUP_ORDER) | set(compare.FLOOR_ORDER)
    assert LARGE_VALUE_GROUPS | MAP_GROUPS | {'run: While of n iterations'} <= set(compare.GROUP_ORDER)
    assert all(len(ns) == 1 for ns in cases.values()), cases
    assert cases['save'] == [10]
    assert cases['run: chain of PythonJob'] == cases['floor: chain of PythonJob'] == [1]
    assert cases['run: While of n iterations'] == cases['floor: While as calcfunctions'] == [10]
    assert all(cases[group] == [10**4] for group in LARGE_VALUE_GROUPS)
    assert all(cases[group] == [10] for group in MAP_GROUPS)
    assert data['machine_info']['implementation'] == 'ours'


def test_report_plots_and_profiles(smoke_run: dict[str, pathlib.Path]) -> None:
    """``compare.py`` writes the tables into a page between its markers, one PNG per group and the profiles."""
    compare = load_compare()
    folder = smoke_run['folder']
    page = folder / 'benchmarks.md'
    page.write_text('# Benchmarks\n\n<!-- results:start -->\nold\n<!-- results:end -->\n\nafter\n', encoding='utf-8')
    status = compare.main(
        [
            '--ours',
            str(smoke_run['results']),
            '--upstream',
            str(folder / 'no-upstream.json'),
            '--docs',
            str(page),
            '--plots',
            str(folder / 'plots'),
            '--profiles',
            str(smoke_run['profiles']),
        ]
    )
    assert status == 0
    text = page.read_text(encoding='utf-8')
    assert 'old' not in text and text.endswith('<!-- results:end -->\n\nafter\n')
    for group in compare.GROUP_ORDER:
        plot = folder / 'plots' / f'{compare.slug(group)}.png'
        assert plot.read_bytes().startswith(PNG_MAGIC), group
        assert f'![{group}: time against n, log-log](plots/{plot.name})' in text
        assert f'| {group} | ' in text
        assert f'{group}, n=' in text, f'no profile of {group}'
    for group in compare.FLOOR_ORDER:
        assert f'| {group} | ' in text
    # The ratio to the floor is given where both were measured.
    save_row = next(line for line in text.splitlines() if line.startswith('| save | 10 |'))
    assert save_row.rstrip(' |').endswith('×'), save_row


def test_cells_of_cases_without_a_measurement() -> None:
    """The report's cells for a case that failed its checks and for the larger ``n`` after it."""
    compare = load_compare()

    def bench(group: str, n: int, status: str) -> dict:
        return {'group': group, 'extra_info': {'n': n, 'status': status}, 'stats': {'median': 2.0, 'rounds': 1}}

    def record(group: str, n: int, reason: str) -> dict:
        return {'group': group, 'n': n, 'test': 'test', 'reason': reason, 'at_least_seconds': None}

    upstream = compare.Results(
        'upstream',
        {
            'benchmarks': [
                bench('run: While of n iterations', 10, 'ok'),
                bench('run: While of n iterations', 100, 'failed'),
            ],
            'not_measured': [
                record('run: While of n iterations', 100, 'failed: AssertionError: exit status 302'),
                record('run: While of n iterations', 1000, 'not run: n=100 failed'),
            ],
        },
    )
    ours = compare.Results('ours', {'benchmarks': [bench('run: While of n iterations', 100, 'ok')]})
    assert upstream.cell(('run: While of n iterations', 10)) == '2 s (1)'
    assert upstream.cell(('run: While of n iterations', 100)) == 'failed'
    assert upstream.cell(('run: While of n iterations', 1000)) == 'not run'
    assert upstream.median(('run: While of n iterations', 100)) is None
    assert compare.ratio(ours, upstream, ('run: While of n iterations', 100)) == '-'


def test_daemon_benchmark_smoke(tmp_path: pathlib.Path) -> None:
    """The daemon benchmark (``bench_daemon.py``) end to end at its smoke size: ours, SQLite + ZeroMQ, 1 worker.

    One case (2 graphs of 10 tasks, its own profile and daemon, about 15 s): the case checks every graph itself; here,
    that it was measured, that its derived numbers are there and that ``compare.py`` writes the daemon block and plots.
    """
    results = tmp_path / 'daemon.json'
    env = {
        **os.environ,
        'AIIDA_PATH': str(tmp_path / 'aiida'),
        'BENCH_SMOKE': '1',
        'BENCH_DAEMON': '1',
        'BENCH_IMPL': 'daemon',
        'BENCH_BUDGET': '300',
        'BENCH_DAEMON_STACKS': 'sqlite',
        'BENCH_DAEMON_WORKERS': '1',
        'BENCH_DAEMON_IMPLS': 'ours',
    }
    env.pop('AIIDA_PROFILE', None)
    command = [
        sys.executable,
        '-m',
        'pytest',
        'benchmarks/bench_daemon.py',
        '-o',
        'python_files=bench_*.py',
        '-p',
        'no:cacheprovider',
        f'--basetemp={tmp_path / "basetemp"}',
        '-W',
        'ignore',
        f'--benchmark-json={results}',
        '-q',
    ]
    completed = subprocess.run(
        command, cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    assert completed.returncode == 0, f'the daemon smoke run failed:\n{completed.stdout[-6000:]}\n{completed.stderr}'
    data = json.loads(results.read_text(encoding='utf-8'))
    (bench,) = data['benchmarks']
    assert bench['group'] == 'daemon: SQLite + ZeroMQ, 1 worker | ours'
    info = bench['extra_info']
    assert info['status'] == 'ok' and info['n'] == 2 and info['tasks'] == 20
    assert info['graphs_per_minute'] > 0 and info['worker_peak_rss_mb'] and info['peak_in_flight'] >= 1
    compare = load_compare()
    page = tmp_path / 'benchmarks.md'
    blocks = '<!-- results:start -->\n<!-- results:end -->\n<!-- daemon:start -->\n<!-- daemon:end -->\n'
    page.write_text(blocks, encoding='utf-8')
    arguments = ['--ours', str(tmp_path / 'none.json'), '--upstream', str(tmp_path / 'none.json')]
    arguments += ['--docs', str(page), '--daemon', str(results)]
    arguments += ['--daemon-plots', str(tmp_path / 'plots')]
    assert compare.main(arguments) == 0
    text = page.read_text(encoding='utf-8')
    assert '| SQLite + ZeroMQ, 1 worker | 2 | ' in text
    assert (tmp_path / 'plots' / 'daemon-throughput.png').read_bytes().startswith(PNG_MAGIC)

"""The daemon benchmark: throughput of ``N`` graphs of 10 plain ``@task`` tasks submitted to daemon workers.

Unlike the other benchmark files, this one runs once, with our interpreter, and drives all three implementations
itself, case after case, so that ours, upstream aiida-workgraph 0.9.0 and the floor are measured interleaved in the
same period of a shared machine: for each ``N``, stack and number of workers, the three cases run one after the
other. Each case is one subprocess, ``daemon_driver.py``, run with the interpreter of the implementation (upstream's
from ``.venv-upstream``; ours and the floor from ours) in a configuration of its own: a new profile (on the production
stack, a new PostgreSQL database and role with RabbitMQ; else SQLite with ZeroMQ), a daemon with 1 or 2 workers,
the ``N`` graphs built, then, timed, every ``submit()`` and the wait until the last graph is terminated; then the
checks and the removal of everything the case made. See ``daemon_driver.py`` for the steps.

Groups: ``daemon: <stack>, <W> worker(s) | <implementation>``, with ``n`` the number of graphs. What one round times:
from the first ``submit()`` to the moment the driver sees every graph terminated (it polls every 0.2 s). One round
per case. Each graph (``daemon_workload.build_graph``) is a chain of 10 ``add(x, 1)`` plain ``@task`` tasks; the floor
(``daemon_floor.ChainOfTen``) is one WorkChain per graph calling 10 calcfunctions, one per step. Every case checks
every graph: finished ok, output ``result`` = ``index + 10``, 10 ``CalcFunctionNode`` children, each finished ok
with its result. ``extra_info`` has the derived numbers: graphs per minute, seconds per task, the workers' peak
resident memory (``VmHWM``), at the start (``VmRSS``), the most graphs in flight seen, and the memory per graph in
flight: (sum of the peaks - sum of the starts) / most graphs in flight.

Settings (environment): ``BENCH_DAEMON=1`` to run at all (without it the file is skipped: the ordinary benchmark
sessions and their smoke test do not start daemons); ``BENCH_DAEMON_STACKS`` (default ``postgres,sqlite``),
``BENCH_DAEMON_WORKERS`` (default ``1,2``), ``BENCH_DAEMON_IMPLS`` (default ``ours,upstream,floor``),
``BENCH_DAEMON_SIZES`` (default ``10,100,1000``; smoke mode: ``2``); ``BENCH_UPSTREAM_PYTHON`` (default
``.venv-upstream/bin/python``). The time budget (``BENCH_BUDGET``, see ``budget.py``) skips a case whose linear
extrapolation from the smaller ``N`` of its group is over the budget, and a case that runs past it is stopped (the
driver gives up waiting) and recorded as such. The production stack is skipped, with the reason, where PostgreSQL
(127.0.0.1:5432) or RabbitMQ (127.0.0.1:5672) does not accept a connection.
"""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import uuid
from typing import Any

import pytest
from budget import BudgetTracker
from sizes import smoke

if os.environ.get('BENCH_DAEMON', '').strip() in ('', '0'):
    pytest.skip(
        'the daemon benchmark runs with BENCH_DAEMON=1 (scripts/run_benchmarks.sh daemon)', allow_module_level=True
    )

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = HERE.parent
TASKS_PER_GRAPH = 10
STACKS = {'postgres': 'PostgreSQL + RabbitMQ', 'sqlite': 'SQLite + ZeroMQ'}
SERVICES = {'postgres': (('PostgreSQL', 5432), ('RabbitMQ', 5672)), 'sqlite': ()}
READY_TIMEOUT = 300
"""Bound (seconds) of a case's setup: profile, daemon start, building the graphs."""


def setting(name: str, default: str) -> list[str]:
    """The comma-separated values of the environment variable ``name`` (``default`` if unset or empty)."""
    return [value.strip() for value in (os.environ.get(name) or default).split(',') if value.strip()]


SIZES = [2] if smoke() else [int(value) for value in setting('BENCH_DAEMON_SIZES', '10,100,1000')]
CASES = [
    (n, stack, int(workers), impl)
    for n in SIZES
    for stack in setting('BENCH_DAEMON_STACKS', 'postgres,sqlite')
    for workers in setting('BENCH_DAEMON_WORKERS', '1,2')
    for impl in setting('BENCH_DAEMON_IMPLS', 'ours,upstream,floor')
]


def group_of(stack: str, workers: int, impl: str) -> str:
    """The group of a case (and its key in the budget tracker): stack, workers and implementation."""
    return f'daemon: {STACKS[stack]}, {workers} worker{"s" if workers > 1 else ""} | {impl}'


def python_of(impl: str) -> pathlib.Path:
    """The interpreter that runs the driver of ``impl``: upstream's environment, or this one."""
    if impl == 'upstream':
        return pathlib.Path(os.environ.get('BENCH_UPSTREAM_PYTHON') or REPOSITORY / '.venv-upstream' / 'bin' / 'python')
    return pathlib.Path(sys.executable)


def unreachable(stack: str) -> str | None:
    """Why the services of ``stack`` cannot be used (a TCP connection within 1 s refused), or ``None``."""
    for service, port in SERVICES[stack]:
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1):
                pass
        except OSError as error:
            return f'{service} on 127.0.0.1:{port} does not answer ({error})'
    return None


class Driver:
    """The subprocess of one case (``daemon_driver.py``) and the lines it prints (``READY``, ``DONE``, ``EXIT``)."""

    def __init__(self, command: list[str], log_path: pathlib.Path) -> None:
        self.log = log_path.open('w', encoding='utf-8')
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=HERE
        )

    def until(self, word: str) -> bool:
        """Read lines until ``word`` (``True``) or the end of the output / ``EXIT`` (``False``)."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip() == word:
                return True
            if line.strip() == 'EXIT':
                return False
        return False

    def go(self) -> bool:
        """Tell the driver to submit, and wait until it saw every graph terminated."""
        assert self.process.stdin is not None
        self.process.stdin.write('go\n')
        self.process.stdin.flush()
        return self.until('DONE')

    def finish(self, timeout: float) -> int:
        """Wait for the driver to check and clean up; return its exit status."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            return self.process.wait(timeout=timeout)
        finally:
            self.log.close()


def derived(result: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The numbers shown for a case: throughput, time per task, memory per worker and per graph in flight."""
    n = result['n']
    hwm = [value for value in result.get('worker_hwm_kb', []) if value]
    start = [value for value in result.get('worker_rss_start_kb', []) if value]
    in_flight = result.get('peak_in_flight') or 0
    growth = sum(hwm) - sum(start) if hwm and len(hwm) == len(start) else None
    return {
        'graphs_per_minute': round(60 * n / seconds, 2),
        'seconds_per_task': round(seconds / (n * TASKS_PER_GRAPH), 4),
        'worker_peak_rss_mb': [round(value / 1024, 1) for value in hwm],
        'worker_start_rss_mb': [round(value / 1024, 1) for value in start],
        'peak_in_flight': in_flight,
        'memory_per_graph_in_flight_kb': round(growth / in_flight, 1) if growth is not None and in_flight else None,
        'driver_seconds': result.get('seconds'),
        'seconds_to_last_mtime': result.get('seconds_to_last_mtime'),
        'submit_seconds': result.get('submit_seconds'),
        'setup_seconds': result.get('setup_seconds'),
        'profile': result.get('profile'),
    }


@pytest.mark.parametrize(('n', 'stack', 'workers', 'impl'), CASES, ids=[f'{s}-{w}w-{i}-{n}' for n, s, w, i in CASES])
def test_daemon_throughput(
    benchmark: Any,
    budget: BudgetTracker,
    request: pytest.FixtureRequest,
    tmp_path: pathlib.Path,
    n: int,
    stack: str,
    workers: int,
    impl: str,
) -> None:
    """``N`` graphs of 10 plain tasks (or the floor's WorkChains) submitted to ``workers`` daemon workers on ``stack``.

    Timed: from the first submit to the last graph terminated; then every graph is checked.
    """
    group = group_of(stack, workers, impl)
    test = request.node.name
    reason = unreachable(stack)
    if reason:
        pytest.skip(reason)
    python = python_of(impl)
    if not python.exists():
        pytest.skip(f'{python} does not exist (scripts/run_benchmarks.sh upstream makes it)')
    budget.before(group, n, test)
    benchmark.group = group
    name = f'wgbench_{impl}_{uuid.uuid4().hex[:10]}'
    result_file = tmp_path / 'result.json'
    command = [
        str(python), str(HERE / 'daemon_driver.py'), '--impl', impl, '--stack', stack, '--workers', str(workers),
        '--n', str(n), '--work-dir', str(tmp_path / 'case'), '--name', name, '--result', str(result_file),
        '--budget', str(budget.seconds),
    ]  # fmt: skip
    drivers: list[Driver] = []
    load_start = os.getloadavg()

    def setup() -> tuple[tuple[Driver], dict[str, Any]]:
        driver = Driver(command, tmp_path / 'driver.log')
        drivers.append(driver)
        if not driver.until('READY'):
            driver.finish(timeout=READY_TIMEOUT)
            raise RuntimeError(f'the driver did not get ready: {read_error(result_file, tmp_path / "driver.log")}')
        return (driver,), {}

    def target(driver: Driver) -> bool:
        return driver.go()

    try:
        done = benchmark.pedantic(target, setup=setup, rounds=1, iterations=1)
    finally:
        status = drivers[-1].finish(timeout=READY_TIMEOUT + budget.seconds) if drivers else None
    result = json.loads(result_file.read_text(encoding='utf-8'))
    seconds = benchmark.stats.stats.min if benchmark.stats is not None else result.get('seconds') or 0.0
    benchmark.extra_info.update(
        {'n': n, 'impl': impl, 'stack': stack, 'workers': workers, 'status': 'ok', 'tasks': n * TASKS_PER_GRAPH},
    )
    benchmark.extra_info.update(derived(result, seconds))
    benchmark.extra_info['load_average_start'] = list(load_start)
    benchmark.extra_info['load_average_end'] = list(os.getloadavg())
    assert done, f'the driver ended before every graph terminated: {read_error(result_file, tmp_path / "driver.log")}'
    assert status == 0 and 'error' not in result, read_error(result_file, tmp_path / 'driver.log')
    if result.get('over_budget'):
        benchmark.extra_info.update({'status': 'over budget', 'graphs_done': result['graphs_done']})
        budget.over_budget(group, n, test, f'{result["graphs_done"]} of {n} graphs terminated within the budget')
    try:
        assert result['problem_count'] == 0, f'{result["problem_count"]} problems: {result["problems"][:3]}'
    except AssertionError as error:
        benchmark.extra_info['status'] = 'failed'
        budget.failed(group, n, test, str(error)[:300])
        if impl == 'upstream':
            pytest.xfail(f'upstream failed: {error}')
        raise
    budget.after(group, n, seconds)


def read_error(result_file: pathlib.Path, log_file: pathlib.Path) -> str:
    """What explains a failed case: the driver's error and daemon log, else the end of its own log."""
    if result_file.exists():
        result = json.loads(result_file.read_text(encoding='utf-8'))
        return f'{result.get("error")}\n{result.get("cleanup")}\n{result.get("daemon_log", "")[-2000:]}'
    return log_file.read_text(encoding='utf-8', errors='replace')[-3000:] if log_file.exists() else 'no log'

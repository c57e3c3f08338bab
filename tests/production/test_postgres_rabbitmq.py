"""End to end on the production stack: PostgreSQL + RabbitMQ, a daemon with two workers, ``wg.submit(wait=True)``.

The work is done by ``run_on_production_stack.py`` in a subprocess with its own ``AIIDA_PATH`` (inside pytest's
temporary folder; never ``~/.aiida`` nor this session's test profile): it makes a PostgreSQL role and database with a
unique name, a profile on them with RabbitMQ as broker, starts ``verdi daemon start 2``, submits two WorkGraphs of
plain-function tasks and an ``ArithmeticAddCalculation`` (``/bin/bash`` on ``localhost``), reads the results back from
the database (through the ORM and with plain SQL) and then removes everything it made. This test checks what it
reports.

Where PostgreSQL (127.0.0.1:5432) or RabbitMQ (127.0.0.1:5672) does not accept a TCP connection within a second, the
test is skipped with the reason. Every wait is bounded: a run that does not end within ``RUN_TIMEOUT`` is killed, and
the cleanup is then run on its own.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parent / 'run_on_production_stack.py'
TESTS_DIR = Path(__file__).resolve().parents[1]
SERVICES = {'PostgreSQL': ('127.0.0.1', 5432), 'RabbitMQ': ('127.0.0.1', 5672)}
CONNECT_TIMEOUT = 1.0
RUN_TIMEOUT = 300
"""Bound of the whole run (it takes about 20 to 30 s)."""
CLEANUP_TIMEOUT = 180

# The graphs of the script: add(x, y) -> multiply(., factor) -> ArithmeticAddCalculation(., offset) -> add(., 1).
EXPECTED_OUTPUTS = {
    'first': {'product': 12, 'sum': 42, 'final': 43},  # (1 + 2) * 4 = 12; 12 + 30 = 42; 42 + 1 = 43
    'second': {'product': 22, 'sum': 122, 'final': 123},  # (5 + 6) * 2 = 22; 22 + 100 = 122; 122 + 1 = 123
}
# The values the script gives each graph: (x, y, factor, offset).
GRAPH_VALUES = {'first': (1, 2, 4, 30), 'second': (5, 6, 2, 100)}
TASKS = {'total': 'FINISHED', 'product': 'FINISHED', 'job': 'FINISHED', 'final': 'FINISHED'}
PLAIN_TASKS = ('total', 'product', 'final')


def unreachable_services(services: dict[str, tuple[str, int]], timeout: float = CONNECT_TIMEOUT) -> list[str]:
    """Return ``'NAME (HOST:PORT): ERROR'`` for each service that refuses a TCP connection within ``timeout``."""
    problems = []
    for name, (host, port) in services.items():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                pass
        except OSError as exception:
            problems.append(f'{name} ({host}:{port}): {exception.strerror or repr(exception)}')
    return problems


def script(*args: str, timeout: float, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``run_on_production_stack.py ARGS`` with this interpreter; return the completed process.

    :raises subprocess.TimeoutExpired: if it does not end within ``timeout`` seconds (it is killed).
    """
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_unreachable_service_is_reported() -> None:
    """A port where nothing listens is reported with its name and address, quickly (the reason of the skip)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    problems = unreachable_services({'Nothing': ('127.0.0.1', port)}, timeout=0.5)
    assert time.monotonic() - start < 5
    assert len(problems) == 1
    assert problems[0].startswith(f'Nothing (127.0.0.1:{port}): ')


def test_workgraph_on_postgres_and_rabbitmq(tmp_path: Path) -> None:
    """Two WorkGraphs submitted to a 2-worker daemon on PostgreSQL + RabbitMQ finish with the right results."""
    problems = unreachable_services(SERVICES)
    if problems:
        pytest.skip(f'the production stack is not reachable: {"; ".join(problems)}')

    # Unique per run: repeated or concurrent runs never share a database, role, profile or RabbitMQ queue.
    name = f'aiida_wg_prod_{time.strftime("%Y%m%d%H%M%S")}_{os.getpid()}_{secrets.token_hex(3)}'
    work_dir = tmp_path / 'stack'
    result_file = tmp_path / 'result.json'
    env = {key: value for key, value in os.environ.items() if key not in ('AIIDA_PATH', 'AIIDA_PROFILE')}
    env['PYTHONPATH'] = os.pathsep.join(p for p in [str(TESTS_DIR), os.environ.get('PYTHONPATH', '')] if p)

    start = time.monotonic()
    output = ''
    try:
        completed = script(
            'run',
            '--work-dir',
            str(work_dir),
            '--name',
            name,
            '--result',
            str(result_file),
            timeout=RUN_TIMEOUT,
            env=env,
        )
        output = completed.stdout + completed.stderr
    except subprocess.TimeoutExpired as exception:
        output = f'{exception.stdout or ""}{exception.stderr or ""}'
        pytest.fail(f'the run did not end within {RUN_TIMEOUT} s:\n{output}')
    finally:
        elapsed = time.monotonic() - start
        if not result_file.exists():
            # The run was killed or crashed before its own cleanup: remove what it may have left.
            cleanup = script('cleanup', '--work-dir', str(work_dir), '--name', name, timeout=CLEANUP_TIMEOUT, env=env)
            print(f'cleanup after an interrupted run:\n{cleanup.stdout}{cleanup.stderr}')

    assert result_file.exists(), f'the run wrote no result:\n{output}'
    result: dict[str, Any] = json.loads(result_file.read_text(encoding='utf-8'))
    context = f'{output}\ndaemon log:\n{result.get("daemon_log", "")}'
    print(f'production stack run in {elapsed:.1f} s: {json.dumps(result["timings"], indent=1)}')
    assert 'error' not in result, context

    # The profile really is on PostgreSQL (the unique database) and RabbitMQ, and both workers listen to the broker.
    assert result['profile'] == {
        'storage_backend': 'core.psql_dos',
        'broker': 'core.rabbitmq',
        'broker_host': '127.0.0.1',
        'broker_port': 5672,
        'database_name': name,
    }
    assert result['queue_consumers'] == 2

    # Read back through the ORM (nodes loaded again by pk, WorkGraph.load).
    pks = result['pks']
    for label, expected in EXPECTED_OUTPUTS.items():
        graph = result['orm'][str(pks[label])]
        assert graph['node_class'] == 'WorkGraphNode', context
        if not graph['is_finished_ok']:
            # Printed first: pytest shows the captured output of a failed test whole, while it shortens long messages.
            print(f'{label} WorkGraph<{pks[label]}> did not finish ok:\n{json.dumps(graph, indent=1)}\n{context}')
        assert graph['is_finished_ok'] and graph['exit_status'] == 0, (label, graph['process_state'], graph['reports'])
        assert graph['outputs'] == expected, (label, context)
        assert graph['task_states'] == TASKS, (label, context)
        x, y, factor, offset = GRAPH_VALUES[label]
        hashed = {'class': 'Int', 'hash_is_computed_hash': True}
        assert graph['plain_inputs'] == {
            'tasks__total__x': {**hashed, 'value': x},
            'tasks__total__y': {**hashed, 'value': y},
            'tasks__product__y': {**hashed, 'value': factor},
            'tasks__job__y': {**hashed, 'value': offset},
            'tasks__final__y': {**hashed, 'value': 1},
        }, (label, context)
        # Plain tasks are PyFunction processes (CalcFunctionNodes), the CalcJob runs on localhost.
        assert graph['called'] == {
            **{name: {'class': 'CalcFunctionNode', 'exit_status': 0, 'computer': None} for name in PLAIN_TASKS},
            'job': {'class': 'CalcJobNode', 'exit_status': 0, 'computer': 'localhost'},
        }

    # Read back with plain SQL from the profile's PostgreSQL database: the same nodes, states and values.
    assert result['sql']['database'] == name
    for label, expected in EXPECTED_OUTPUTS.items():
        row = result['sql']['graphs'][str(pks[label])]
        assert row['uuid'] == result['orm'][str(pks[label])]['uuid']
        assert row['node_type'] == 'process.workflow.workgraph.WorkGraphNode.'
        assert row['process_type'] == 'aiida.workflows:workgraph.engine'
        assert (row['process_state'], row['exit_status']) == ('finished', 0)
        assert row['outputs'] == expected
        assert row['called'] == {
            **{
                name: {
                    'node_type': 'process.calculation.calcfunction.CalcFunctionNode.',
                    'process_state': 'finished',
                    'exit_status': 0,
                }
                for name in PLAIN_TASKS
            },
            'job': {
                'node_type': 'process.calculation.calcjob.CalcJobNode.',
                'process_state': 'finished',
                'exit_status': 0,
            },
        }

    # Nothing is left: daemon, database, role, RabbitMQ queue and exchanges, folders.
    cleanup = result['cleanup']
    assert cleanup['errors'] == [] and cleanup['leftovers'] == [], cleanup
    # The durable launch queue and task exchange were made by this run's workers and deleted by its cleanup.
    assert cleanup['rabbitmq_deleted']['queue_exists'] and cleanup['rabbitmq_deleted']['task_exchange_exists']
    assert not work_dir.exists()
    assert completed.returncode == 0, context

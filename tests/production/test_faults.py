"""Workers killed, daemon restarted: 32 WorkGraphs on PostgreSQL + RabbitMQ all finish ok, nothing twice, nothing stuck.

The work is done by ``faults_on_production_stack.py`` in a subprocess with its own ``AIIDA_PATH`` (inside pytest's
temporary folder), on its own PostgreSQL database and RabbitMQ queues, with a daemon of two workers: it submits 32
WorkGraphs at once (chains and fan-outs of plain ``@task`` functions, calcfunctions and an ``ArithmeticAddCalculation``
CalcJob on ``localhost``) and, while they run, SIGKILLs a worker every few seconds (``kill``) or stops the daemon
gracefully and starts it again (``restart``). This test then checks what it read back:

- every graph finished ok (exit status 0) with the right outputs;
- no finished task ran twice: each task has exactly one process that finished, and every other process of the task is
  an orphan the engine sealed (a process function in flight when its worker died, run again); a CalcJob is continued,
  never run again;
- no process node of the profile is left Created, Running or Waiting, and every task process is sealed;
- no two copies of a graph ran at once (a second copy would run the task in flight a second time, or seal the first
  copy's process function as an orphan while it still ran: both are caught by the counts above).

The counts (graphs, faults, re-runs, stuck nodes) are printed. Where PostgreSQL or RabbitMQ does not accept a TCP
connection, the test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_postgres_rabbitmq import CLEANUP_TIMEOUT, SERVICES, TESTS_DIR, unreachable_services

SCRIPT = Path(__file__).resolve().parent / 'faults_on_production_stack.py'
CLEANUP_SCRIPT = Path(__file__).resolve().parent / 'run_on_production_stack.py'
RUN_TIMEOUT = 600
"""Bound of one case (about 1 to 2 minutes on a quiet 2-core machine)."""


def run_script(command: list[str], timeout: float, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``command`` (a script of this folder and its arguments) with this interpreter.

    :raises subprocess.TimeoutExpired: if it does not end within ``timeout`` seconds (it is killed).
    """
    return subprocess.run(
        [sys.executable, *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def counts(result: dict[str, Any]) -> dict[str, Any]:
    """The counts of a run: graphs (ok), faults, tasks, task processes, re-runs, orphans and stuck nodes."""
    graphs = result['graphs']
    processes = [process for graph in graphs for task in graph['processes'].values() for process in task]
    tasks = sum(len(graph['processes']) for graph in graphs)
    return {
        'graphs': len(graphs),
        'graphs_ok': sum(graph['is_finished_ok'] and graph['outputs'] == graph['expected'] for graph in graphs),
        'kills': sum(1 for fault in result['faults'] if fault.get('kill')),
        'restarts': sum(1 for fault in result['faults'] if fault.get('stop')),
        'tasks': tasks,
        'task_processes': len(processes),
        're_runs': len(processes) - tasks,
        'orphans_sealed': sum(process['orphan'] for process in processes),
        'stuck': len(result['stuck']),
        'seconds': result['timings'],
    }


def problems_of(graph: dict[str, Any]) -> list[str]:
    """What is wrong with one graph read back: its end, its outputs, a task run twice, an unsealed process."""
    problems = []
    name = f'{graph["label"]}<{graph["pk"]}>'
    if not graph['is_finished_ok']:
        problems.append(f'{name} ended {graph["state"]} with exit status {graph["exit_status"]}: {graph}')
    if graph['outputs'] != graph['expected']:
        problems.append(f'{name} outputs {graph["outputs"]}, expected {graph["expected"]}')
    for task, processes in graph['processes'].items():
        finished = [process for process in processes if process['state'] == 'finished']
        if len(finished) != 1 or finished[0]['exit_status'] != 0:
            problems.append(f'{name} task {task} has {len(finished)} finished processes: {processes}')
        others = [process for process in processes if process not in finished]
        if any(not process['orphan'] or process['class'] == 'CalcJobNode' for process in others):
            problems.append(f'{name} task {task} ran again for another reason than an orphan: {processes}')
        if any(not process['sealed'] for process in processes):
            problems.append(f'{name} task {task} has an unsealed process: {processes}')
    return problems


@pytest.mark.parametrize('case', ['kill', 'restart'])
def test_graphs_survive_worker_faults(case: str, tmp_path: Path) -> None:
    """32 WorkGraphs, 2 workers: ``kill`` (a worker SIGKILLed every few seconds) or ``restart`` (the daemon stopped
    gracefully and started again): every graph finishes ok, no finished task ran twice, no node is stuck."""
    problems = unreachable_services(SERVICES)
    if problems:
        pytest.skip(f'the production stack is not reachable: {"; ".join(problems)}')

    name = f'aiida_wg_fault_{case}_{time.strftime("%H%M%S")}_{os.getpid()}_{secrets.token_hex(3)}'
    work_dir = tmp_path / 'stack'
    result_file = tmp_path / 'result.json'
    env = {key: value for key, value in os.environ.items() if key not in ('AIIDA_PATH', 'AIIDA_PROFILE')}
    env['PYTHONPATH'] = os.pathsep.join(p for p in [str(TESTS_DIR), os.environ.get('PYTHONPATH', '')] if p)
    arguments = ['--work-dir', str(work_dir), '--name', name]
    output = ''
    try:
        completed = run_script(
            [str(SCRIPT), case, *arguments, '--result', str(result_file)], timeout=RUN_TIMEOUT, env=env
        )
        output = completed.stdout + completed.stderr
    except subprocess.TimeoutExpired as exception:
        output = f'{exception.stdout or ""}{exception.stderr or ""}'
        pytest.fail(f'the run did not end within {RUN_TIMEOUT} s:\n{output}')
    finally:
        if not result_file.exists():
            cleanup = run_script([str(CLEANUP_SCRIPT), 'cleanup', *arguments], timeout=CLEANUP_TIMEOUT, env=env)
            print(f'cleanup after an interrupted run:\n{cleanup.stdout}{cleanup.stderr}')

    assert result_file.exists(), f'the run wrote no result:\n{output}'
    result: dict[str, Any] = json.loads(result_file.read_text(encoding='utf-8'))
    context = f'{output}\ndaemon log:\n{result.get("daemon_log", "")}'
    assert 'error' not in result, context
    summary = counts(result)
    print(f'fault case {case}: {json.dumps(summary)}')

    if case == 'kill':
        assert summary['kills'] >= 3, (summary, result['faults'], context)
    else:
        assert summary['restarts'] == 1, (summary, result['faults'], context)
    found = [problem for graph in result['graphs'] for problem in problems_of(graph)]
    if found:
        print('\n'.join(found) + f'\n{context}')
    assert found == [], found[:5]
    assert summary['graphs'] == summary['graphs_ok'] == 32
    assert result['stuck'] == [], result['stuck']
    cleanup = result['cleanup']
    assert cleanup['errors'] == [] and cleanup['leftovers'] == [], cleanup
    assert completed.returncode == 0, context

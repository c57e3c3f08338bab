"""Many WorkGraphs through a 2-worker daemon on PostgreSQL + RabbitMQ while the workers fail; then count everything.

Run by ``tests/production/test_faults.py`` in a subprocess, with its own ``AIIDA_PATH``::

    python faults_on_production_stack.py kill --work-dir DIR --name NAME --result FILE
    python faults_on_production_stack.py restart --work-dir DIR --name NAME --result FILE

It sets up the stack with the pieces of ``run_on_production_stack.py`` (a PostgreSQL role and database ``NAME``, a
profile on them with RabbitMQ as broker, ``localhost`` and ``bash@localhost``, ``verdi daemon start 2``), submits
:data:`GRAPHS` WorkGraphs at once (:func:`build_graphs`: chains and fan-outs of plain ``@task`` functions,
``@task.calcfunction`` functions and an ``ArithmeticAddCalculation`` run by ``/bin/bash`` on ``localhost``), and while
they run:

- ``kill``: SIGKILLs one daemon worker every :data:`KILL_INTERVAL` seconds, :data:`KILLS` times (circus starts a new
  worker each time);
- ``restart``: stops the daemon gracefully (``verdi daemon stop``) after :data:`RESTART_AFTER` seconds and starts it
  again with two workers.

It then waits for every graph to end (nothing is sent again: a graph that the engine lost stays lost) and writes to
the result file, for each graph, its state, exit status, outputs, the expected outputs and its task processes by task
(state, exit status, whether sealed, whether marked as an orphan the engine sealed), plus the process nodes of the whole
profile left Created, Running or Waiting, the faults done and the timings. It always cleans up (``cleanup`` of
``run_on_production_stack.py``) and records what is left. Exit status 0 when the run and its cleanup went through (the
test judges the counts), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import run_on_production_stack as stack

GRAPHS = 32
"""How many WorkGraphs are submitted at once (half chains, half fan-outs)."""
KILLS = 5
"""How many times a worker is SIGKILLed in the ``kill`` case."""
KILL_INTERVAL = 4.0
"""Seconds between two kills (the first one comes after this long too)."""
RESTART_AFTER = 6.0
"""Seconds after the submission at which the ``restart`` case stops the daemon."""
GRAPHS_TIMEOUT = 300
"""Bound of the wait until every graph ended."""
STOP_TIMEOUT = 60
"""Seconds ``verdi daemon stop`` may wait for the workers to stop."""
STUCK_STATES = ('created', 'running', 'waiting')


def chain_expected(index: int) -> dict[str, int]:
    """The outputs of chain ``index``: ``x = index``, +1 (plain), +1 (calcfunction), +1 (CalcJob), +1, +1."""
    return {'last': index + 5}


def fan_expected(index: int) -> dict[str, int]:
    """The outputs of fan-out ``index``: root ``index + 1``; branches +1 (calcfunction), +1 (plain), +10 (CalcJob)."""
    root = index + 1
    return {'pair': 2 * (root + 1), 'total': 2 * (root + 1) + root + 10}


def build_graphs(code: Any, number: int) -> list[tuple[Any, dict[str, int]]]:
    """Return ``number`` WorkGraphs with their expected outputs: chains (5 tasks) and fan-outs (6 tasks), alternating.

    - chain: ``slow_increment -> slow_increment_calc -> ArithmeticAddCalculation(y=1) -> slow_increment ->
      slow_increment_calc``;
    - fan-out: ``root = slow_increment``, then ``slow_increment_calc(root)``, ``slow_increment(root)`` and
      ``ArithmeticAddCalculation(root, 10)`` side by side, joined by two plain ``add`` tasks.
    """
    from aiida import orm
    from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
    from durable_tasks import slow_increment, slow_increment_calc
    from tasks_for_tests import add

    from aiida_workgraph import WorkGraph

    graphs = []
    for index in range(number):
        if index % 2 == 0:
            wg = WorkGraph(f'fault_chain_{index}')
            first = wg.add_task(slow_increment, name='first', x=index)
            second = wg.add_task(slow_increment_calc, name='second', x=first.outputs.result)
            job = wg.add_task(ArithmeticAddCalculation, name='job', x=second.outputs.result, y=orm.Int(1), code=code)
            fourth = wg.add_task(slow_increment, name='fourth', x=job.outputs.sum)
            fifth = wg.add_task(slow_increment_calc, name='fifth', x=fourth.outputs.result)
            wg.outputs.last = fifth.outputs.result
            graphs.append((wg, chain_expected(index)))
        else:
            wg = WorkGraph(f'fault_fan_{index}')
            root = wg.add_task(slow_increment, name='root', x=index)
            calc = wg.add_task(slow_increment_calc, name='calc', x=root.outputs.result)
            plain = wg.add_task(slow_increment, name='plain', x=root.outputs.result)
            job = wg.add_task(ArithmeticAddCalculation, name='job', x=root.outputs.result, y=orm.Int(10), code=code)
            pair = wg.add_task(add, name='pair', x=calc.outputs.result, y=plain.outputs.result)
            total = wg.add_task(add, name='total', x=pair.outputs.result, y=job.outputs.sum)
            wg.outputs.pair = pair.outputs.result
            wg.outputs.total = total.outputs.result
            graphs.append((wg, fan_expected(index)))
    return graphs


def worker_pids(client: Any) -> list[int]:
    """The pids of the daemon's workers, as circus reports them."""
    return sorted(int(pid) for pid in (client.get_worker_info().get('info') or {}))


def all_terminated(pks: list[int]) -> bool:
    """Whether every process ``pks`` is terminated (read with one query)."""
    from aiida import orm

    query = orm.QueryBuilder().append(
        orm.ProcessNode, filters={'id': {'in': pks}}, project=['attributes.process_state']
    )
    states = [state for (state,) in query.all()]
    return len(states) == len(pks) and all(state in ('finished', 'excepted', 'killed') for state in states)


def kill_workers(client: Any, pks: list[int], faults: list[dict[str, Any]]) -> None:
    """SIGKILL a worker every :data:`KILL_INTERVAL` s, :data:`KILLS` times (fewer if every graph ended first)."""
    for number in range(KILLS):
        time.sleep(KILL_INTERVAL)
        if all_terminated(pks):
            stack.log(f'every graph ended after {number} kills')
            return
        pids = worker_pids(client)
        if not pids:
            faults.append({'at': round(time.monotonic() - stack.START, 1), 'kill': None, 'workers': []})
            continue
        victim = pids[number % len(pids)]
        os.kill(victim, signal.SIGKILL)
        faults.append({'at': round(time.monotonic() - stack.START, 1), 'kill': victim, 'workers': pids})
        stack.log(f'SIGKILL worker {victim} (workers {pids})')


def restart_daemon(name: str, profile_uuid: str, faults: list[dict[str, Any]]) -> None:
    """Stop the daemon gracefully after :data:`RESTART_AFTER` s and start it again with two workers."""
    time.sleep(RESTART_AFTER)
    # A graceful stop waits for each worker to reach the end of its current step; circus' default 2 s is too short
    # on a loaded 2-core machine.
    stack.verdi('-p', name, 'daemon', 'stop', '--timeout', str(STOP_TIMEOUT), timeout=STOP_TIMEOUT + 30)
    faults.append({'at': round(time.monotonic() - stack.START, 1), 'stop': True})
    stack.log('daemon stopped')
    stack.verdi('-p', name, 'daemon', 'start', str(stack.NUMBER_OF_WORKERS))
    stack.wait_for_workers(profile_uuid)
    faults.append({'at': round(time.monotonic() - stack.START, 1), 'start': True})
    stack.log('daemon started again')


def task_processes(node: Any) -> dict[str, list[dict[str, Any]]]:
    """The processes the graph ``node`` called, by task (call link label), oldest first."""
    from aiida.common.links import LinkType

    from aiida_workgraph.engine.task_outcome import ORPHAN_EXTRA

    found: dict[str, list[dict[str, Any]]] = {}
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    for link in sorted(links, key=lambda link: link.node.pk):
        child = link.node
        found.setdefault(link.link_label, []).append(
            {
                'pk': child.pk,
                'class': type(child).__name__,
                'state': child.process_state.value if child.process_state else None,
                'exit_status': child.exit_status,
                'sealed': child.is_sealed,
                'orphan': bool(child.base.extras.get(ORPHAN_EXTRA, False)),
            }
        )
    return found


def read_graph(pk: int, expected: dict[str, int]) -> dict[str, Any]:
    """The state, outputs, task records, task processes and (if it failed) reports of the graph ``pk``."""
    from aiida import orm
    from aiida.common.links import LinkType

    from aiida_workgraph.enums import TASK_STATE

    node = orm.load_node(pk)
    returned = node.base.links.get_outgoing(link_type=LinkType.RETURN).nested()
    graph = {
        'pk': pk,
        'label': node.process_label,
        'state': node.process_state.value if node.process_state else None,
        'exit_status': node.exit_status,
        'is_finished_ok': node.is_finished_ok,
        'outputs': {key: value.value for key, value in returned.items()},
        'expected': expected,
        'task_states': node.task_record(TASK_STATE),
        'processes': task_processes(node),
    }
    if not node.is_finished_ok or graph['outputs'] != expected:
        graph['exception'] = node.exception
        graph['reports'] = [f'{entry.levelname}: {entry.message}' for entry in orm.Log.collection.get_logs_for(node)]
    return graph


def stuck_processes() -> list[dict[str, Any]]:
    """Every process node of the profile left Created, Running or Waiting, or without a state (never started)."""
    from aiida import orm

    query = orm.QueryBuilder().append(
        orm.ProcessNode,
        filters={
            'or': [
                {'attributes.process_state': {'in': list(STUCK_STATES)}},
                {'attributes': {'!has_key': 'process_state'}},
            ]
        },
        project=['id', 'attributes.process_state', 'attributes.process_label'],
    )
    return [{'pk': pk, 'state': state, 'label': label} for pk, state, label in query.all()]


def run(case: str, work_dir: Path, name: str, result_file: Path, graphs: int) -> int:
    """Set up the stack, submit the graphs, do the faults of ``case``, read everything back, clean up."""
    timings: dict[str, float] = {}
    faults: list[dict[str, Any]] = []
    result: dict[str, Any] = {'name': name, 'case': case, 'timings': timings, 'faults': faults}
    password = secrets.token_hex(12)
    ok = False
    try:
        with stack.timed(timings, 'set up the stack (database, profile, localhost, daemon with 2 workers)'):
            stack.create_database(name, password)
            profile_uuid = stack.setup_profile(name, password, work_dir)
            from aiida import load_profile
            from aiida.engine.daemon.client import get_daemon_client

            load_profile(name)
            code = stack.setup_localhost(work_dir)
            stack.verdi('-p', name, 'daemon', 'start', str(stack.NUMBER_OF_WORKERS))
            stack.wait_for_workers(profile_uuid)
            client = get_daemon_client()
        built = build_graphs(code, graphs)
        with stack.timed(timings, f'submit {graphs} WorkGraphs'):
            for wg, _ in built:
                wg.submit()
        pks = [wg.pk for wg, _ in built]
        with stack.timed(timings, f'faults ({case})'):
            if case == 'kill':
                kill_workers(client, pks, faults)
            else:
                restart_daemon(name, profile_uuid, faults)
        with stack.timed(timings, 'wait until every graph ended'):
            deadline = time.monotonic() + GRAPHS_TIMEOUT
            while not all_terminated(pks) and time.monotonic() < deadline:
                time.sleep(1)
        result['workers_at_end'] = worker_pids(client)
        with stack.timed(timings, 'read back'):
            result['graphs'] = [read_graph(wg.pk, expected) for wg, expected in built]
            result['stuck'] = stuck_processes()
        ok = True
    except Exception:
        result['error'] = traceback.format_exc()
        stack.log(f'FAILED:\n{result["error"]}')
    finally:
        bad = [graph for graph in result.get('graphs', []) if not graph['is_finished_ok']]
        if not ok or bad:
            result['daemon_log'] = stack.daemon_log_tail(work_dir, name, size=20000)
        stack.close_profile()
        with stack.timed(timings, 'clean up'):
            result['cleanup'] = stack.cleanup(work_dir, name)
        result_file.write_text(json.dumps(result, indent=2, default=str), encoding='utf-8')
    clean = not result['cleanup']['errors'] and not result['cleanup']['leftovers']
    stack.log(f'done: run {"complete" if ok else "FAILED"}, cleanup {"complete" if clean else "INCOMPLETE"}')
    return 0 if ok and clean else 1


def main() -> int:
    """Parse the command line and run one case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('case', choices=('kill', 'restart'))
    parser.add_argument('--work-dir', type=Path, required=True, help='folder of the run (AIIDA_PATH is inside)')
    parser.add_argument('--name', required=True, help='name of the profile, database and database role')
    parser.add_argument('--result', type=Path, required=True, help='JSON file to write the result to')
    parser.add_argument('--graphs', type=int, default=GRAPHS, help='how many WorkGraphs to submit')
    args = parser.parse_args()
    work_dir = args.work_dir.resolve()
    stack.prepare_environment(work_dir, args.name)  # before aiida is imported
    stack.aiida_path(work_dir).mkdir(parents=True, exist_ok=True)
    return run(args.case, work_dir, args.name, args.result.resolve(), args.graphs)


if __name__ == '__main__':
    sys.exit(main())

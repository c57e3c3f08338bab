"""One case of the daemon benchmark: a fresh profile and daemon, ``N`` graphs submitted and awaited, then cleanup.

Run by ``bench_daemon.py`` in a subprocess, with the interpreter of the implementation under test (ours or upstream
aiida-workgraph 0.9.0; the floor uses ours), so that the graphs are submitted and run by that implementation::

    python daemon_driver.py --impl ours|upstream|floor --stack postgres|sqlite --workers W --n N
                            --work-dir DIR --name NAME --result FILE --budget SECONDS

What it does, in order:

1. makes its own AiiDA configuration in ``DIR/aiida`` and a profile ``NAME``: on the production stack a new
   PostgreSQL role and database ``NAME`` (127.0.0.1:5432, superuser ``postgres``) with RabbitMQ (127.0.0.1:5672,
   guest/guest) as broker; on the other stack SQLite (``core.sqlite_dos``) with ZeroMQ;
2. starts ``verdi daemon start W`` (the ``verdi`` of this interpreter, with ``benchmarks/`` on ``PYTHONPATH`` so that
   the workers import ``daemon_workload`` / ``daemon_floor``) and waits until the workers are up (on RabbitMQ: until
   ``W`` consumers listen to the launch queue), then reads each worker's resident memory (``VmRSS``);
3. builds the ``N`` graphs (``daemon_workload.build_graph``) or the floor's ``N`` builders (``daemon_floor``), prints
   ``READY`` and waits for a line on its standard input: what is timed starts there;
4. submits all ``N`` (``wg.submit()``, or ``aiida.engine.submit`` for the floor), then polls the database every
   :data:`POLL_INTERVAL` seconds until every graph is terminated (or the budget has passed since the first submit),
   counting the graphs in flight (``Running`` or ``Waiting``) at each poll; prints ``DONE``;
5. reads each worker's peak resident memory (``VmHWM`` in ``/proc/<pid>/status``), checks every graph (finished ok,
   output ``result`` = ``index + 10``, 10 ``CalcFunctionNode`` children, each finished ok with the right result) and
   always (also after a failure) stops the daemon, drops the database and role, deletes the profile's RabbitMQ queue
   and exchanges and removes ``DIR`` and its temporary folder;
6. writes the result (timings, memory, checks, cleanup) as JSON to ``FILE``.

Exit status 0 when the case ran and was cleaned up (whether its checks passed is in the result file), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

BENCHMARKS_DIR = Path(__file__).resolve().parent
VERDI = str(Path(sys.executable).parent / 'verdi')
POSTGRES = {'host': '127.0.0.1', 'port': 5432, 'user': 'postgres'}
RABBITMQ = {'host': '127.0.0.1', 'port': 5672, 'login': 'guest', 'password': 'guest'}
COMMAND_TIMEOUT = 120
"""Bound of every ``verdi`` command (seconds)."""
WORKERS_TIMEOUT = 90
"""Bound of the wait until the daemon workers are up (seconds)."""
WORKER_SETTLE = 2.0
"""Seconds waited after the workers are up (and, on RabbitMQ, consume the launch queue), before the timed part."""
POLL_INTERVAL = 0.2
"""Seconds between two polls of the graphs' states."""
CONNECT_TIMEOUT = 10
TASKS_PER_GRAPH = 10
SYSTEM_TEMP_DIR = Path(tempfile.gettempdir())


def log(message: str) -> None:
    """Print a progress line on standard error (standard output carries ``READY``/``DONE``)."""
    print(f'[daemon-driver] {message}', file=sys.stderr, flush=True)


def verdi(*args: str, check: bool = True) -> str:
    """Run ``verdi ARGS`` of this interpreter with this process's environment; return its output.

    :raises RuntimeError: if ``check`` and it fails, or if it does not end within :data:`COMMAND_TIMEOUT` seconds.
    """
    command = [VERDI, *args]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f'`{" ".join(command)}` did not end within {COMMAND_TIMEOUT} s') from error
    output = completed.stdout + completed.stderr
    if check and completed.returncode != 0:
        raise RuntimeError(f'`{" ".join(command)}` failed ({completed.returncode}):\n{output}')
    return output


# region PostgreSQL and RabbitMQ


def postgres_admin() -> Any:
    """Return an autocommit connection to the server's ``postgres`` database as the superuser."""
    import psycopg

    return psycopg.connect(**POSTGRES, dbname='postgres', autocommit=True, connect_timeout=CONNECT_TIMEOUT)


def create_database(name: str, password: str) -> None:
    """Create the role ``name`` and the database ``name`` it owns (the server's default locale)."""
    from psycopg import sql

    with postgres_admin() as connection:
        connection.execute(
            sql.SQL('CREATE ROLE {} LOGIN PASSWORD {}').format(sql.Identifier(name), sql.Literal(password))
        )
        connection.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(name), sql.Identifier(name)
            )
        )


def drop_database(name: str) -> bool:
    """Drop the database and role ``name`` if they exist; return whether either is left."""
    from psycopg import sql

    with postgres_admin() as connection:
        connection.execute(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()',
            (name,),
        )
        connection.execute(sql.SQL('DROP DATABASE IF EXISTS {}').format(sql.Identifier(name)))
        connection.execute(sql.SQL('DROP ROLE IF EXISTS {}').format(sql.Identifier(name)))
        left = connection.execute(
            'SELECT (SELECT count(*) FROM pg_database WHERE datname = %s) + '
            '(SELECT count(*) FROM pg_roles WHERE rolname = %s)',
            (name, name),
        ).fetchone()[0]
    return bool(left)


def rabbitmq(profile_uuid: str, delete: bool = False) -> int:
    """Return the number of consumers of the profile's launch queue; with ``delete``, delete its queue and exchanges
    first (and return 0)."""
    import aio_pika
    from aiida.brokers.rabbitmq.utils import get_launch_queue_name, get_message_exchange_name, get_task_exchange_name
    from aio_pika.exceptions import ChannelClosed

    prefix = f'aiida-{profile_uuid}'

    async def work() -> int:
        connection = await aio_pika.connect(**RABBITMQ, virtualhost='/')
        try:
            channel = await connection.channel()
            if delete:
                await channel.queue_delete(get_launch_queue_name(prefix))
                await channel.exchange_delete(get_message_exchange_name(prefix))
                await channel.exchange_delete(get_task_exchange_name(prefix))
                return 0
            try:
                queue = await channel.declare_queue(get_launch_queue_name(prefix), passive=True)
            except ChannelClosed:
                return 0
            return int(queue.declaration_result.consumer_count)
        finally:
            await connection.close()

    async def bounded() -> int:
        return await asyncio.wait_for(work(), 3 * CONNECT_TIMEOUT)

    return asyncio.run(bounded())


# endregion

# region profile and daemon


def setup_profile(stack: str, name: str, password: str, work_dir: Path) -> str:
    """Create the profile ``name`` (default) of ``stack`` with its storage and broker; return its uuid."""
    common = [
        '--non-interactive', '--profile-name', name, '--set-as-default', '--email', 'daemon-benchmark@localhost',
        '--first-name', 'Daemon', '--last-name', 'Benchmark', '--institution', 'aiida-workgraph benchmarks',
    ]  # fmt: skip
    if stack == 'postgres':
        os.environ.update(
            AIIDA_BROKER_PROTOCOL='amqp',
            AIIDA_BROKER_HOST=RABBITMQ['host'],
            AIIDA_BROKER_PORT=str(RABBITMQ['port']),
            AIIDA_BROKER_USERNAME=RABBITMQ['login'],
            AIIDA_BROKER_PASSWORD=RABBITMQ['password'],
        )
        create_database(name, password)
        verdi(
            'profile', 'setup', 'core.psql_dos', *common, '--broker', 'core.rabbitmq',
            '--database-hostname', POSTGRES['host'], '--database-port', str(POSTGRES['port']),
            '--database-username', name, '--database-password', password, '--database-name', name,
            '--repository-uri', (work_dir / 'repository').as_uri(),
        )  # fmt: skip
    else:
        verdi(
            'profile', 'setup', 'core.sqlite_dos', *common, '--broker', 'core.zeromq',
            '--filepath', str(work_dir / 'storage'),
        )  # fmt: skip
    verdi('config', 'set', '--global', 'warnings.rabbitmq_version', 'False')
    from aiida.manage.configuration import get_config

    return get_config().get_profile(name).uuid


def daemon_pid_file(work_dir: Path, name: str) -> Path:
    """The circus pid file of the daemon of the profile ``name``."""
    return work_dir / 'aiida' / '.aiida' / 'daemon' / f'circus-{name}.pid'


def worker_pids(work_dir: Path, name: str) -> list[int]:
    """The pids of the daemon's workers (``verdi ... daemon worker``, children of the circus arbiter)."""
    import psutil

    try:
        arbiter = psutil.Process(int(daemon_pid_file(work_dir, name).read_text(encoding='utf-8').strip()))
        children = arbiter.children(recursive=True)
    except (OSError, ValueError, psutil.Error):
        return []
    pids = []
    for child in children:
        try:
            command = child.cmdline()
        except psutil.Error:
            continue
        if 'daemon' in command and 'worker' in command:
            pids.append(child.pid)
    return sorted(pids)


def memory_kb(pid: int, field: str) -> int | None:
    """Return the field ``field`` (``VmRSS``, ``VmHWM``) of ``/proc/<pid>/status`` in kB, or ``None``."""
    try:
        for line in Path(f'/proc/{pid}/status').read_text(encoding='utf-8').splitlines():
            if line.startswith(f'{field}:'):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def start_daemon(stack: str, workers: int, work_dir: Path, name: str, profile_uuid: str) -> list[int]:
    """Start the daemon with ``workers`` workers and wait until they are up; return their pids.

    :raises TimeoutError: if they are not up within :data:`WORKERS_TIMEOUT` seconds.
    """
    verdi('-p', name, 'daemon', 'start', str(workers))
    deadline = time.monotonic() + WORKERS_TIMEOUT
    while time.monotonic() < deadline:
        pids = worker_pids(work_dir, name)
        ready = len(pids) >= workers
        if ready and stack == 'postgres':
            ready = rabbitmq(profile_uuid) >= workers
        if ready:
            time.sleep(WORKER_SETTLE)
            return worker_pids(work_dir, name)
        time.sleep(0.3)
    raise TimeoutError(f'the {workers} daemon workers were not up after {WORKERS_TIMEOUT} s')


def stop_daemon(work_dir: Path, name: str) -> bool:
    """Stop the daemon (``verdi daemon stop``, else its processes by pid); return whether one is still alive."""
    import psutil

    pid_file = daemon_pid_file(work_dir, name)
    if not pid_file.exists():
        return False
    try:
        verdi('-p', name, 'daemon', 'stop', check=False)
    except RuntimeError as error:
        log(f'verdi daemon stop: {error}')
    if not pid_file.exists():
        return False
    try:
        arbiter = psutil.Process(int(pid_file.read_text(encoding='utf-8').strip()))
        processes = [arbiter, *arbiter.children(recursive=True)]
    except (OSError, ValueError, psutil.Error):
        pid_file.unlink(missing_ok=True)
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for process in processes:
            try:
                process.send_signal(sig)
            except psutil.Error:
                pass
        _, processes = psutil.wait_procs(processes, timeout=10)
        if not processes:
            break
    pid_file.unlink(missing_ok=True)
    return bool(processes)


def cleanup(stack: str, work_dir: Path, name: str, profile_uuid: str | None) -> dict[str, Any]:
    """Stop the daemon, drop database and role, delete the RabbitMQ entities, remove the folders; return a report."""
    report: dict[str, Any] = {'errors': [], 'leftovers': []}
    try:
        from aiida.manage import get_manager

        get_manager().reset_profile()  # this process's connections, before the database is dropped
    except Exception as error:
        report['errors'].append(f'reset_profile: {error!r}')
    try:
        if stop_daemon(work_dir, name):
            report['leftovers'].append('daemon')
    except Exception as error:
        report['errors'].append(f'daemon: {error!r}')
    if stack == 'postgres':
        try:
            if drop_database(name):
                report['leftovers'].append('database')
        except Exception as error:
            report['errors'].append(f'postgres: {error!r}')
        if profile_uuid is not None:
            try:
                rabbitmq(profile_uuid, delete=True)
            except Exception as error:
                report['errors'].append(f'rabbitmq: {error!r}')
    for folder in (work_dir, temp_dir(name)):
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            report['leftovers'].append(str(folder))
    return report


def temp_dir(name: str) -> Path:
    """The ``TMPDIR`` of the case (circus sockets and the like): short, since a UNIX socket path is limited."""
    return SYSTEM_TEMP_DIR / f'{name}.tmp'


# endregion

# region the graphs


def build(impl: str, n: int) -> list[Any]:
    """Return the ``n`` things to submit: WorkGraphs (ours, upstream) or ``ChainOfTen`` builders (floor)."""
    if impl == 'floor':
        from aiida import orm
        from daemon_floor import ChainOfTen

        builders = []
        for index in range(n):
            builder = ChainOfTen.get_builder()
            builder.x = orm.Int(index)
            builders.append(builder)
        return builders
    from daemon_workload import build_graph

    return [build_graph(index) for index in range(n)]


def submit_one(impl: str, item: Any) -> int:
    """Submit one graph (or builder); return the pk of its process node."""
    if impl == 'floor':
        from aiida.engine import submit

        return submit(item).pk
    item.submit()
    return item.pk


TERMINATED = ('finished', 'excepted', 'killed')
IN_FLIGHT = ('running', 'waiting')


def states(pks: list[int]) -> dict[int, str | None]:
    """Return ``{pk: process_state}`` of the process nodes ``pks`` (one query)."""
    from aiida import orm

    query = orm.QueryBuilder().append(
        orm.ProcessNode, filters={'id': {'in': pks}}, project=['id', 'attributes.process_state']
    )
    return dict(query.all())


def check_graph(pk: int, index: int) -> list[str]:
    """Return the problems of the graph ``pk`` (index ``index``): state, output, tasks as process nodes, results."""
    from aiida import orm

    node = orm.load_node(pk)
    problems = []
    if not node.is_finished_ok:
        problems.append(f'graph {index} (pk {pk}): {node.process_state}, exit status {node.exit_status}')
        return problems
    result = node.outputs.result.value if 'result' in node.outputs else None
    if result != index + TASKS_PER_GRAPH:
        problems.append(f'graph {index} (pk {pk}): result {result}, expected {index + TASKS_PER_GRAPH}')
    children = [child for child in node.called if isinstance(child, orm.CalcFunctionNode)]
    if len(node.called) != TASKS_PER_GRAPH or len(children) != TASKS_PER_GRAPH:
        problems.append(f'graph {index} (pk {pk}): {len(node.called)} processes called, {len(children)} calcfunctions')
    if not all(child.is_finished_ok for child in children):
        problems.append(f'graph {index} (pk {pk}): a task process did not finish ok')
    values = sorted(child.outputs.result.value for child in children if 'result' in child.outputs)
    if values != list(range(index + 1, index + TASKS_PER_GRAPH + 1)):
        problems.append(f'graph {index} (pk {pk}): task results {values}')
    return problems


# endregion


def run_case(args: argparse.Namespace, result: dict[str, Any]) -> None:
    """Steps 1 to 5 of the module docstring; fills ``result``."""
    work_dir: Path = args.work_dir
    password = secrets.token_hex(12)
    start = time.monotonic()
    profile_uuid = setup_profile(args.stack, args.name, password, work_dir)
    result['profile_uuid'] = profile_uuid
    from aiida import load_profile

    profile = load_profile(args.name)
    result['profile'] = {'storage': profile.storage_backend, 'broker': profile.process_control_backend}
    pids = start_daemon(args.stack, args.workers, work_dir, args.name, profile_uuid)
    result['worker_pids'] = pids
    result['worker_rss_start_kb'] = [memory_kb(pid, 'VmRSS') for pid in pids]
    items = build(args.impl, args.n)
    result['setup_seconds'] = round(time.monotonic() - start, 3)

    print('READY', flush=True)
    sys.stdin.readline()
    first_submit = time.time()
    pks = [submit_one(args.impl, item) for item in items]
    submitted = time.time()
    deadline = first_submit + args.budget
    peak_in_flight, samples = 0, 0
    while True:
        current = states(pks)
        in_flight = sum(1 for state in current.values() if state in IN_FLIGHT)
        peak_in_flight = max(peak_in_flight, in_flight)
        samples += 1
        done = sum(1 for state in current.values() if state in TERMINATED)
        if done == len(pks) or time.time() > deadline:
            break
        time.sleep(POLL_INTERVAL)
    last_terminated = time.time()
    print('DONE', flush=True)

    result['worker_hwm_kb'] = [memory_kb(pid, 'VmHWM') for pid in pids]
    result['worker_pids_end'] = worker_pids(work_dir, args.name)
    result.update(
        pks=pks,
        graphs_done=done,
        over_budget=done < len(pks),
        seconds=round(last_terminated - first_submit, 3),
        submit_seconds=round(submitted - first_submit, 3),
        peak_in_flight=peak_in_flight,
        polls=samples,
    )
    if done == len(pks):
        from aiida import orm

        query = orm.QueryBuilder().append(orm.ProcessNode, filters={'id': {'in': pks}}, project=['mtime'])
        last_mtime = max(mtime for (mtime,) in query.all())
        result['seconds_to_last_mtime'] = round(last_mtime.timestamp() - first_submit, 3)
        problems = []
        for index, pk in enumerate(pks):
            problems += check_graph(pk, index)
        result['problems'] = problems[:20]
        result['problem_count'] = len(problems)


def main() -> int:
    """Parse the command line, run the case, always clean up, write the result file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--impl', choices=('ours', 'upstream', 'floor'), required=True)
    parser.add_argument('--stack', choices=('postgres', 'sqlite'), required=True)
    parser.add_argument('--workers', type=int, required=True)
    parser.add_argument('--n', type=int, required=True)
    parser.add_argument('--work-dir', type=Path, required=True)
    parser.add_argument('--name', required=True, help='profile name (and PostgreSQL role and database)')
    parser.add_argument('--result', type=Path, required=True)
    parser.add_argument('--budget', type=float, default=600.0, help='seconds from the first submit to give up')
    args = parser.parse_args()
    args.work_dir = args.work_dir.resolve()

    # Before aiida is imported: the case's own configuration, temporary folder and PYTHONPATH (which the workers get).
    os.environ['AIIDA_PATH'] = str(args.work_dir / 'aiida')
    os.environ.pop('AIIDA_PROFILE', None)
    os.environ['PATH'] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get('PATH', '')])
    os.environ['PYTHONPATH'] = os.pathsep.join(p for p in [str(BENCHMARKS_DIR), os.environ.get('PYTHONPATH', '')] if p)
    sys.path.insert(0, str(BENCHMARKS_DIR))
    temp = temp_dir(args.name)
    temp.mkdir(parents=True, exist_ok=True)
    os.environ['TMPDIR'] = tempfile.tempdir = str(temp)
    (args.work_dir / 'aiida').mkdir(parents=True, exist_ok=True)

    result: dict[str, Any] = {'impl': args.impl, 'stack': args.stack, 'workers': args.workers, 'n': args.n}
    status = 0
    try:
        run_case(args, result)
    except Exception:
        result['error'] = traceback.format_exc()
        log(result['error'])
        status = 1
        log_file = args.work_dir / 'aiida' / '.aiida' / 'daemon' / 'log' / f'aiida-{args.name}.log'
        if log_file.exists():
            result['daemon_log'] = log_file.read_text(encoding='utf-8', errors='replace')[-4000:]
    finally:
        if result.get('problem_count') or result.get('over_budget'):
            log_file = args.work_dir / 'aiida' / '.aiida' / 'daemon' / 'log' / f'aiida-{args.name}.log'
            if log_file.exists():
                result['daemon_log'] = log_file.read_text(encoding='utf-8', errors='replace')[-4000:]
        result['cleanup'] = cleanup(args.stack, args.work_dir, args.name, result.get('profile_uuid'))
        if result['cleanup']['errors'] or result['cleanup']['leftovers']:
            status = 1
        args.result.write_text(json.dumps(result, indent=2, default=str), encoding='utf-8')
        print('EXIT', flush=True)
    return status


if __name__ == '__main__':
    sys.exit(main())

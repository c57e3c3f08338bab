"""Run a WorkGraph on the production stack (PostgreSQL + RabbitMQ + a daemon with two workers), then clean up.

Run by ``tests/production/test_postgres_rabbitmq.py`` in a subprocess, with its own ``AIIDA_PATH``::

    python run_on_production_stack.py run --work-dir DIR --name NAME --result FILE
    python run_on_production_stack.py cleanup --work-dir DIR --name NAME

``run`` does, in order, with a bounded wait at every step:

1. creates a PostgreSQL role and database, both named ``NAME``, on 127.0.0.1:5432 (as the superuser ``postgres``);
2. makes an AiiDA configuration in ``DIR/aiida`` with the profile ``NAME`` on them: ``verdi profile setup
   core.psql_dos --broker core.rabbitmq`` (RabbitMQ on 127.0.0.1:5672, guest/guest, the default virtual host), the
   ``localhost`` computer (``core.local``, ``core.direct``) and the code ``bash@localhost``;
3. starts the daemon with two workers (``verdi daemon start 2``) and waits until both consume the profile's launch
   queue in RabbitMQ;
4. submits two WorkGraphs made of plain-function tasks (from ``tests/tasks_for_tests.py``, which the workers import)
   and an ``ArithmeticAddCalculation`` run by ``/bin/bash`` on ``localhost``, and waits for both with
   ``wg.submit(wait=True, timeout=...)`` / ``wg.wait(timeout=...)``;
5. reads the results back twice: through the AiiDA ORM (nodes loaded again by pk) and with plain SQL on the
   profile's PostgreSQL database (a new ``psycopg`` connection, no AiiDA involved);
6. always (also after a failure) runs ``cleanup``, and records what it found.

``cleanup`` is idempotent and can be called on its own (the test does so if ``run`` did not end): it stops the daemon
(``verdi daemon stop``; if that does not work, it ends the daemon's own processes, by their pids), drops the database
and the role, deletes the profile's RabbitMQ queue and exchanges (``aiida-<profile uuid>.process.queue``,
``.messages``, ``.tasks``; the other queues AiiDA uses are exclusive and went away with their connections) and
removes ``DIR`` and the run's temporary folder (``TMPDIR`` of the run, see :func:`temp_dir`). It then checks that none
of these remains.

The result file (JSON) holds the steps' timings, the read-back results, the daemon log tail on failure and the cleanup
report. The exit status is 0 when the graphs ran and the cleanup left nothing behind, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parents[1]
VERDI = str(Path(sys.executable).parent / 'verdi')

POSTGRES_HOST = '127.0.0.1'
POSTGRES_PORT = 5432
POSTGRES_ADMIN = 'postgres'
RABBITMQ_HOST = '127.0.0.1'
RABBITMQ_PORT = 5672
RABBITMQ_USER = 'guest'
RABBITMQ_PASSWORD = 'guest'

NUMBER_OF_WORKERS = 2
COMMAND_TIMEOUT = 60
"""Bound of every ``verdi`` command."""
WORKERS_TIMEOUT = 60
"""Bound of the wait until the daemon workers listen to the broker."""
GRAPH_TIMEOUT = 120
"""Bound of the wait for each WorkGraph to end."""
CONNECT_TIMEOUT = 10
"""Bound of every connection to PostgreSQL or RabbitMQ."""

START = time.monotonic()
SYSTEM_TEMP_DIR = Path(tempfile.gettempdir())
"""The system's temporary folder, read before ``main`` points ``TMPDIR`` to the run's own."""


def log(message: str) -> None:
    """Print a progress line with the time since the start of the script."""
    print(f'[production {time.monotonic() - START:5.1f} s] {message}', flush=True)


@contextmanager
def timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Record the duration of ``step`` in ``timings`` (seconds) and log its start."""
    log(step)
    start = time.monotonic()
    try:
        yield
    finally:
        timings[step] = round(time.monotonic() - start, 2)


def aiida_path(work_dir: Path) -> Path:
    """Return the ``AIIDA_PATH`` of the run: a folder inside ``work_dir``, never ``~/.aiida``."""
    return work_dir / 'aiida'


def temp_dir(name: str) -> Path:
    """Return the temporary folder (``TMPDIR``) of the run ``name``, in the system's temporary folder.

    The daemon and ``verdi`` make temporary folders (the circus sockets, one of which aiida-core leaves behind at each
    daemon start; the sandboxes of calculation jobs): with ``TMPDIR`` pointing here, ``cleanup`` removes them all. It
    is not inside the work folder because a UNIX socket path must stay under 108 bytes.
    """
    return SYSTEM_TEMP_DIR / f'{name}.tmp'


def verdi(*args: str, timeout: float = COMMAND_TIMEOUT, check: bool = True) -> str:
    """Run ``verdi ARGS`` with this process's environment and return its output.

    :raises RuntimeError: if ``check`` and the command fails or does not end within ``timeout`` seconds.
    """
    command = [VERDI, *args]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired as exception:
        raise RuntimeError(f'`{" ".join(command)}` did not end within {timeout} s') from exception
    output = completed.stdout + completed.stderr
    if check and completed.returncode != 0:
        raise RuntimeError(f'`{" ".join(command)}` failed with exit status {completed.returncode}:\n{output}')
    return output


# region PostgreSQL


def postgres_admin() -> Any:
    """Return an autocommit connection to the server's ``postgres`` database as the superuser."""
    import psycopg

    return psycopg.connect(
        host=POSTGRES_HOST,
        port=POSTGRES_PORT,
        user=POSTGRES_ADMIN,
        dbname='postgres',
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT,
    )


def create_database(name: str, password: str) -> None:
    """Create the role ``name`` (with ``password``) and the database ``name`` it owns.

    The database takes the server's default locale: ``verdi presto --use-postgres`` asks for ``en_US.UTF-8``, which
    servers that only have ``C.UTF-8`` (a Debian machine without the ``locales`` package) refuse.
    """
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


def drop_database(name: str) -> dict[str, bool]:
    """Drop the database and the role ``name`` if they exist; return whether each still exists afterwards."""
    from psycopg import sql

    with postgres_admin() as connection:
        # A worker that was killed may leave a session behind; DROP DATABASE refuses to drop a database in use.
        connection.execute(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()',
            (name,),
        )
        connection.execute(sql.SQL('DROP DATABASE IF EXISTS {}').format(sql.Identifier(name)))
        connection.execute(sql.SQL('DROP ROLE IF EXISTS {}').format(sql.Identifier(name)))
        database = connection.execute('SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone()
        role = connection.execute('SELECT 1 FROM pg_roles WHERE rolname = %s', (name,)).fetchone()
    return {'database_exists': database is not None, 'role_exists': role is not None}


def read_back_with_sql(name: str, password: str, pks: list[int]) -> dict[str, Any]:
    """Read the WorkGraph nodes ``pks``, their returned outputs and their called processes with plain SQL.

    A new connection to the profile's database, as its own role: what is read here is what PostgreSQL holds.
    """
    import psycopg

    graphs: dict[str, Any] = {}
    with psycopg.connect(
        host=POSTGRES_HOST,
        port=POSTGRES_PORT,
        user=name,
        password=password,
        dbname=name,
        connect_timeout=CONNECT_TIMEOUT,
    ) as connection:
        database = connection.execute('SELECT current_database()').fetchone()[0]
        for pk in pks:
            row = connection.execute(
                "SELECT uuid::text, node_type, process_type, attributes->>'process_state', "
                "(attributes->>'exit_status')::int FROM db_dbnode WHERE id = %s",
                (pk,),
            ).fetchone()
            uuid, node_type, process_type, process_state, exit_status = row
            outputs = connection.execute(
                "SELECT link.label, output.attributes->'value' FROM db_dblink AS link "
                'JOIN db_dbnode AS output ON output.id = link.output_id '
                "WHERE link.input_id = %s AND link.type = 'return' ORDER BY link.label",
                (pk,),
            ).fetchall()
            called = connection.execute(
                "SELECT link.label, child.node_type, child.attributes->>'process_state', "
                "(child.attributes->>'exit_status')::int FROM db_dblink AS link "
                'JOIN db_dbnode AS child ON child.id = link.output_id '
                "WHERE link.input_id = %s AND link.type IN ('call_calc', 'call_work') ORDER BY link.label",
                (pk,),
            ).fetchall()
            graphs[str(pk)] = {
                'uuid': uuid,
                'node_type': node_type,
                'process_type': process_type,
                'process_state': process_state,
                'exit_status': exit_status,
                'outputs': {label: value for label, value in outputs},
                'called': {
                    label: {'node_type': child_type, 'process_state': state, 'exit_status': status}
                    for label, child_type, state, status in called
                },
            }
    return {'database': database, 'graphs': graphs}


# endregion

# region RabbitMQ


def rabbitmq_names(profile_uuid: str) -> dict[str, str]:
    """Return the names of the durable RabbitMQ entities AiiDA makes for the profile with ``profile_uuid``."""
    from aiida.brokers.rabbitmq.utils import get_launch_queue_name, get_message_exchange_name, get_task_exchange_name

    prefix = f'aiida-{profile_uuid}'
    return {
        'queue': get_launch_queue_name(prefix),
        'message_exchange': get_message_exchange_name(prefix),
        'task_exchange': get_task_exchange_name(prefix),
    }


async def _rabbitmq(profile_uuid: str, delete: bool) -> dict[str, Any]:
    """Return which of the profile's RabbitMQ entities exist and the launch queue's consumers.

    With ``delete``, the entities are deleted first, and ``found`` tells which existed before.
    """
    import aio_pika

    names = rabbitmq_names(profile_uuid)
    connection = await asyncio.wait_for(
        aio_pika.connect(
            host=RABBITMQ_HOST, port=RABBITMQ_PORT, login=RABBITMQ_USER, password=RABBITMQ_PASSWORD, virtualhost='/'
        ),
        CONNECT_TIMEOUT,
    )
    report: dict[str, Any] = {}
    try:
        if delete:
            report['found'] = await _rabbitmq_entities(connection, names)
            channel = await connection.channel()
            await channel.queue_delete(names['queue'])
            await channel.exchange_delete(names['message_exchange'])
            await channel.exchange_delete(names['task_exchange'])
            await channel.close()
        report.update(await _rabbitmq_entities(connection, names))
    finally:
        await connection.close()
    return report


async def _rabbitmq_entities(connection: Any, names: dict[str, str]) -> dict[str, Any]:
    """Return which of the entities ``names`` exist and how many consumers the queue has."""
    from aio_pika.exceptions import ChannelClosed

    report: dict[str, Any] = {}
    # A passive declaration of a missing entity closes its channel (404): one channel per check.
    channel = await connection.channel()
    try:
        queue = await channel.declare_queue(names['queue'], passive=True)
        report['queue_exists'] = True
        report['queue_consumers'] = queue.declaration_result.consumer_count
        await channel.close()
    except ChannelClosed:
        report['queue_exists'] = False
        report['queue_consumers'] = 0
    for key in ('message_exchange', 'task_exchange'):
        channel = await connection.channel()
        try:
            await channel.declare_exchange(names[key], passive=True)
            report[f'{key}_exists'] = True
            await channel.close()
        except ChannelClosed:
            report[f'{key}_exists'] = False
    return report


def rabbitmq(profile_uuid: str, delete: bool = False) -> dict[str, Any]:
    """Run :func:`_rabbitmq` in a new event loop, bounded by ``3 * CONNECT_TIMEOUT`` seconds."""

    async def bounded() -> dict[str, Any]:
        return await asyncio.wait_for(_rabbitmq(profile_uuid, delete), 3 * CONNECT_TIMEOUT)

    return asyncio.run(bounded())


# endregion

# region setup


def setup_profile(name: str, password: str, work_dir: Path) -> str:
    """Create the profile ``name`` on the database ``name`` with RabbitMQ as broker; return the profile's uuid.

    :raises RuntimeError: if the profile does not end up with ``core.psql_dos`` storage and ``core.rabbitmq`` broker.
    """
    repository = aiida_path(work_dir) / 'repository' / name
    # aiida detects RabbitMQ with these (its defaults, stated here so that the profile gets exactly this broker).
    os.environ.update(
        AIIDA_BROKER_PROTOCOL='amqp',
        AIIDA_BROKER_HOST=RABBITMQ_HOST,
        AIIDA_BROKER_PORT=str(RABBITMQ_PORT),
        AIIDA_BROKER_USERNAME=RABBITMQ_USER,
        AIIDA_BROKER_PASSWORD=RABBITMQ_PASSWORD,
    )
    verdi(
        'profile', 'setup', 'core.psql_dos', '--non-interactive', '--profile-name', name, '--set-as-default',
        '--email', 'workgraph-production-test@localhost', '--first-name', 'WorkGraph', '--last-name', 'Production',
        '--institution', 'aiida-workgraph tests', '--broker', 'core.rabbitmq',
        '--database-hostname', POSTGRES_HOST, '--database-port', str(POSTGRES_PORT),
        '--database-username', name, '--database-password', password, '--database-name', name,
        '--repository-uri', repository.as_uri(),
    )  # fmt: skip
    verdi('config', 'set', '--global', 'warnings.rabbitmq_version', 'False')
    verdi('config', 'set', '--global', 'runner.poll.interval', '1')

    from aiida.manage.configuration import get_config

    config = get_config()
    profile = config.get_profile(name)
    storage, broker = profile.storage_backend, profile.process_control_backend
    if storage != 'core.psql_dos' or broker != 'core.rabbitmq':
        raise RuntimeError(f'profile {name} has storage {storage} and broker {broker}, not core.psql_dos/core.rabbitmq')
    return profile.uuid


def setup_localhost(work_dir: Path) -> Any:
    """Create the ``localhost`` computer (as ``verdi presto`` does) and the code ``bash@localhost``; return the code."""
    from aiida import orm

    computer = orm.Computer(
        label='localhost',
        hostname='localhost',
        description='localhost of the production-stack test',
        transport_type='core.local',
        scheduler_type='core.direct',
        workdir=str(work_dir / 'scratch'),
    ).store()
    computer.configure(safe_interval=0)
    computer.set_minimum_job_poll_interval(1)
    computer.set_default_mpiprocs_per_machine(1)
    return orm.InstalledCode(
        computer=computer, filepath_executable='/bin/bash', label='bash', default_calc_job_plugin='core.arithmetic.add'
    ).store()


def wait_for_workers(profile_uuid: str) -> int:
    """Wait until ``NUMBER_OF_WORKERS`` workers consume the profile's launch queue; return their number.

    :raises TimeoutError: if they do not within ``WORKERS_TIMEOUT`` seconds.
    """
    deadline = time.monotonic() + WORKERS_TIMEOUT
    consumers = 0
    while time.monotonic() < deadline:
        consumers = rabbitmq(profile_uuid)['queue_consumers']
        if consumers >= NUMBER_OF_WORKERS:
            return consumers
        time.sleep(0.5)
    raise TimeoutError(
        f'{consumers} of {NUMBER_OF_WORKERS} daemon workers listen to RabbitMQ after {WORKERS_TIMEOUT} s'
    )


# endregion

# region the graphs


def build_graphs(code: Any) -> dict[str, Any]:
    """Return two WorkGraphs: ``add -> multiply -> ArithmeticAddCalculation -> add`` with different inputs."""
    from aiida import orm
    from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
    from tasks_for_tests import add, multiply

    from aiida_workgraph import WorkGraph

    graphs = {}
    for label, (x, y, factor, offset) in {'first': (1, 2, 4, 30), 'second': (5, 6, 2, 100)}.items():
        wg = WorkGraph(f'production_{label}')
        total = wg.add_task(add, name='total', x=x, y=y)
        product = wg.add_task(multiply, name='product', x=total.outputs.result, y=factor)
        job = wg.add_task(ArithmeticAddCalculation, name='job', x=product.outputs.result, y=orm.Int(offset), code=code)
        final = wg.add_task(add, name='final', x=job.outputs.sum, y=1)
        wg.outputs.product = product.outputs.result
        wg.outputs.sum = job.outputs.sum
        wg.outputs.final = final.outputs.result
        graphs[label] = wg
    return graphs


def read_back_with_orm(pk: int) -> dict[str, Any]:
    """Load the WorkGraph node ``pk`` again and return its state, outputs, tasks and called processes."""
    from aiida import orm
    from aiida.common.links import LinkType

    from aiida_workgraph import WorkGraph

    node = orm.load_node(pk)
    returned = node.base.links.get_outgoing(link_type=LinkType.RETURN).nested()
    inputs = node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).all()
    called = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    loaded = WorkGraph.load(pk)
    return {
        'uuid': node.uuid,
        'node_class': type(node).__name__,
        'is_finished_ok': node.is_finished_ok,
        'exit_status': node.exit_status,
        # What explains a failure: the state, exit message, exception and reports of the graph.
        'process_state': node.process_state.value if node.process_state else None,
        'exit_message': node.exit_message,
        'exception': node.exception,
        'reports': [f'{entry.levelname}: {entry.message}' for entry in orm.Log.collection.get_logs_for(node)],
        'outputs': {key: value.value for key, value in returned.items()},
        # The plain values, written as rows when the process was created: their type, value and caching hash.
        'plain_inputs': {
            triple.link_label: {
                'class': type(triple.node).__name__,
                'value': triple.node.value,
                'hash_is_computed_hash': triple.node.base.caching.get_hash() == triple.node.base.caching.compute_hash(),
            }
            for triple in inputs
            if isinstance(triple.node, (orm.Int, orm.Float, orm.Str, orm.Bool))
        },
        'task_states': {
            task.name: task.state
            for task in loaded.tasks
            if task.name not in ('graph_inputs', 'graph_outputs', 'graph_ctx')
        },
        'called': {
            triple.link_label: {
                'class': type(triple.node).__name__,
                'exit_status': triple.node.exit_status,
                'computer': triple.node.computer.label if isinstance(triple.node, orm.CalcJobNode) else None,
            }
            for triple in called
        },
    }


# endregion


def run(work_dir: Path, name: str, result_file: Path) -> int:
    """Set up the stack, run the graphs, read them back, clean up; write the result to ``result_file``."""
    import secrets

    timings: dict[str, float] = {}
    result: dict[str, Any] = {'name': name, 'timings': timings}
    password = secrets.token_hex(12)
    ok = False
    try:
        with timed(timings, 'create the PostgreSQL role and database'):
            create_database(name, password)
        with timed(timings, 'set up the profile (verdi profile setup core.psql_dos --broker core.rabbitmq)'):
            profile_uuid = setup_profile(name, password, work_dir)
        from aiida import load_profile

        profile = load_profile(name)
        result['profile'] = {
            'storage_backend': profile.storage_backend,
            'broker': profile.process_control_backend,
            'broker_host': profile.process_control_config['broker_host'],
            'broker_port': profile.process_control_config['broker_port'],
            'database_name': profile.storage_config['database_name'],
        }
        code = setup_localhost(work_dir)

        with timed(timings, f'start the daemon with {NUMBER_OF_WORKERS} workers'):
            verdi('-p', name, 'daemon', 'start', str(NUMBER_OF_WORKERS))
            result['queue_consumers'] = wait_for_workers(profile_uuid)

        graphs = build_graphs(code)
        with timed(timings, 'submit two WorkGraphs and wait until both end'):
            graphs['first'].submit()
            graphs['second'].submit(wait=True, timeout=GRAPH_TIMEOUT, interval=0.5)
            graphs['first'].wait(timeout=GRAPH_TIMEOUT, interval=0.5)
        pks = [graphs[label].pk for label in ('first', 'second')]
        result['pks'] = dict(zip(('first', 'second'), pks))

        with timed(timings, 'read the results back (ORM and SQL)'):
            result['orm'] = {str(pk): read_back_with_orm(pk) for pk in pks}
            result['sql'] = read_back_with_sql(name, password, pks)
        ok = all(graph['is_finished_ok'] for graph in result['orm'].values())
    except Exception:
        result['error'] = traceback.format_exc()
        log(f'FAILED:\n{result["error"]}')
    finally:
        if not ok:
            result['daemon_log'] = daemon_log_tail(work_dir, name)
        # The daemon must be stopped and this process's connections closed before the database can be dropped.
        close_profile()
        with timed(timings, 'clean up (daemon, database, role, RabbitMQ entities, folder)'):
            result['cleanup'] = cleanup(work_dir, name)
        result_file.write_text(json.dumps(result, indent=2, default=str), encoding='utf-8')
    clean = not result['cleanup']['errors'] and not result['cleanup']['leftovers']
    log(f'done: graphs {"ok" if ok else "FAILED"}, cleanup {"complete" if clean else "INCOMPLETE"}')
    return 0 if ok and clean else 1


def daemon_log_tail(work_dir: Path, name: str, size: int = 6000) -> str:
    """Return the end of the daemon log of the profile ``name``, to explain a failure."""
    path = aiida_path(work_dir) / '.aiida' / 'daemon' / 'log' / f'aiida-{name}.log'
    try:
        return path.read_text(encoding='utf-8', errors='replace')[-size:]
    except OSError:
        return ''


def close_profile() -> None:
    """Close this process's connections to the database and the broker, if a profile is loaded."""
    try:
        from aiida.manage import get_manager

        manager = get_manager()
        if manager.get_profile() is not None:
            manager.reset_profile()
    except Exception as exception:  # cleanup goes on in any case
        log(f'closing the profile failed: {exception!r}')


def profile_uuid_of(work_dir: Path, name: str) -> str | None:
    """Return the uuid of the profile ``name`` from the configuration file in ``work_dir``, or ``None``."""
    path = aiida_path(work_dir) / '.aiida' / 'config.json'
    try:
        return json.loads(path.read_text(encoding='utf-8'))['profiles'][name]['PROFILE_UUID']
    except (OSError, ValueError, KeyError):
        return None


def stop_daemon(work_dir: Path, name: str) -> bool:
    """Stop the daemon of the profile ``name``; return whether a daemon process of it is still alive.

    ``verdi daemon stop`` first; if the daemon still runs, its circus process and the workers it started are ended by
    their pids (read from the daemon's pid file), SIGTERM then SIGKILL.
    """
    import psutil

    pid_file = aiida_path(work_dir) / '.aiida' / 'daemon' / f'circus-{name}.pid'
    if not pid_file.exists():
        return False
    try:
        verdi('-p', name, 'daemon', 'stop', timeout=COMMAND_TIMEOUT, check=False)
    except RuntimeError as exception:
        log(f'verdi daemon stop: {exception}')
    if not pid_file.exists():
        return False
    try:
        arbiter = psutil.Process(int(pid_file.read_text(encoding='utf-8').strip()))
        processes = [arbiter, *arbiter.children(recursive=True)]
    except (ValueError, OSError, psutil.Error):
        pid_file.unlink(missing_ok=True)
        return False
    log(f'the daemon did not stop: ending its processes {[process.pid for process in processes]}')
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


LEFTOVERS = (
    'daemon_alive',
    'database_exists',
    'role_exists',
    'rabbitmq_queue_exists',
    'rabbitmq_exchanges_exist',
    'work_dir_exists',
    'temp_dir_exists',
)
"""What :func:`cleanup` removes and then checks is gone."""


def cleanup(work_dir: Path, name: str) -> dict[str, Any]:
    """Stop the daemon, drop the database and role, delete the RabbitMQ entities and ``work_dir``; idempotent.

    :return: for each thing in :data:`LEFTOVERS`, whether it is left, the list ``leftovers`` of those that are,
        ``rabbitmq_deleted`` (which RabbitMQ entities existed before they were deleted) and the ``errors`` met.
    """
    report: dict[str, Any] = {'errors': []}
    try:
        report['daemon_alive'] = stop_daemon(work_dir, name)
    except Exception as exception:
        report['errors'].append(f'daemon: {exception!r}')
    try:
        report.update(drop_database(name))
    except Exception as exception:
        report['errors'].append(f'postgres: {exception!r}')
    profile_uuid = profile_uuid_of(work_dir, name)
    if profile_uuid is not None:
        try:
            left = rabbitmq(profile_uuid, delete=True)
            report['rabbitmq_deleted'] = left['found']
            report['rabbitmq_queue_exists'] = left['queue_exists']
            report['rabbitmq_exchanges_exist'] = left['message_exchange_exists'] or left['task_exchange_exists']
        except Exception as exception:
            report['errors'].append(f'rabbitmq: {exception!r}')
    for key, folder in (('work_dir_exists', work_dir), ('temp_dir_exists', temp_dir(name))):
        shutil.rmtree(folder, ignore_errors=True)
        report[key] = folder.exists()
    report['leftovers'] = [key for key in LEFTOVERS if report.get(key)]
    return report


def prepare_environment(work_dir: Path, name: str) -> None:
    """Point this process (and the ``verdi`` commands and daemon it starts) to the run's own folders; call it before
    ``aiida`` is imported.

    ``AIIDA_PATH`` is inside ``work_dir`` (never ``~/.aiida`` nor the caller's profile); ``PATH`` and ``PYTHONPATH``,
    which the daemon workers inherit, give `verdi` of this venv and the tests folder (the tasks they import);
    ``TMPDIR`` is the run's temporary folder (:func:`temp_dir`), which :func:`cleanup` removes.
    """
    temp = temp_dir(name)
    os.environ['AIIDA_PATH'] = str(aiida_path(work_dir))
    os.environ.pop('AIIDA_PROFILE', None)
    os.environ['PATH'] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get('PATH', '')])
    os.environ['PYTHONPATH'] = os.pathsep.join(p for p in [str(TESTS_DIR), os.environ.get('PYTHONPATH', '')] if p)
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))
    os.environ['TMPDIR'] = tempfile.tempdir = str(temp)
    temp.mkdir(parents=True, exist_ok=True)


def main() -> int:
    """Parse the command line and run ``run`` or ``cleanup``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('command', choices=('run', 'cleanup'))
    parser.add_argument('--work-dir', type=Path, required=True, help='folder of the run (AIIDA_PATH is inside)')
    parser.add_argument('--name', required=True, help='name of the profile, database and database role')
    parser.add_argument('--result', type=Path, help='JSON file to write the result of `run` to')
    args = parser.parse_args()
    work_dir = args.work_dir.resolve()
    prepare_environment(work_dir, args.name)

    if args.command == 'cleanup':
        report = cleanup(work_dir, args.name)
        print(json.dumps(report))
        return 0 if not report['errors'] and not report['leftovers'] else 1
    if args.result is None:
        parser.error('run needs --result')
    aiida_path(work_dir).mkdir(parents=True, exist_ok=True)
    return run(work_dir, args.name, args.result.resolve())


if __name__ == '__main__':
    sys.exit(main())

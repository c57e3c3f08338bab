"""Strings PostgreSQL cannot store, on a real PostgreSQL profile: run by ``test_storage_strings.py`` in a subprocess.

Usage: ``python psql_strings_script.py NAME`` with its own ``AIIDA_PATH`` and the tests folder on ``PYTHONPATH``. It
creates the PostgreSQL role and database ``NAME`` (as the superuser ``postgres`` on 127.0.0.1:5432, with the server's
default locale), a ``core.psql_dos`` profile on them without a broker, runs the cases below, prints one JSON report on
the last line of its output, and drops the database and the role again, whatever happened.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

HOST, PORT, ADMIN = '127.0.0.1', 5432, 'postgres'


def admin() -> Any:
    """An autocommit connection to the server's ``postgres`` database as the superuser."""
    import psycopg

    return psycopg.connect(host=HOST, port=PORT, user=ADMIN, dbname='postgres', autocommit=True, connect_timeout=5)


def create_database(name: str, password: str) -> None:
    """Create the role and the database ``name``."""
    from psycopg import sql

    with admin() as connection:
        connection.execute(
            sql.SQL('CREATE ROLE {} LOGIN PASSWORD {}').format(sql.Identifier(name), sql.Literal(password))
        )
        connection.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(name), sql.Identifier(name)
            )
        )


def drop_database(name: str) -> None:
    """Drop the database and the role ``name``."""
    from psycopg import sql

    with admin() as connection:
        connection.execute(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()',
            (name,),
        )
        connection.execute(sql.SQL('DROP DATABASE IF EXISTS {}').format(sql.Identifier(name)))
        connection.execute(sql.SQL('DROP ROLE IF EXISTS {}').format(sql.Identifier(name)))


def setup_profile(name: str, password: str) -> None:
    """Create the ``core.psql_dos`` profile ``name`` (no broker: ``run()`` and the refusals of ``submit()`` need
    none)."""
    repository = Path(os.environ['AIIDA_PATH']) / 'repository' / name
    subprocess.run(
        [
            str(Path(sys.executable).parent / 'verdi'), 'profile', 'setup', 'core.psql_dos', '--non-interactive',
            '--profile-name', name, '--set-as-default', '--email', 'strings@localhost', '--first-name', 'S',
            '--last-name', 'T', '--institution', 'tests', '--broker', 'none', '--database-hostname', HOST,
            '--database-port', str(PORT), '--database-username', name, '--database-password', password,
            '--database-name', name, '--repository-uri', repository.as_uri(),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def run_cases() -> dict[str, Any]:
    """Run every case and return what happened."""
    from aiida import load_profile, orm

    load_profile()
    from serialization_helpers import PLACES, bad_result, count_nodes, graph_with_value, identity, make_shape

    from aiida_workgraph import WorkGraph, WorkGraphSerializationError

    report: dict[str, Any] = {'storage': orm.User.collection.get_default().backend.__class__.__module__}
    try:
        orm.Str('a\x00b').store()
        report['raw_store'] = 'stored'
    except Exception as exception:  # noqa: BLE001 - what PostgreSQL says is what we report
        report['raw_store'] = f'{type(exception).__name__}: {exception}'
    from aiida.manage import get_manager

    get_manager().get_profile_storage().get_session().rollback()
    refusals = {}
    for launch in ('run', 'submit'):
        for kind in ('nul', 'nul_in_dict', 'surrogate'):
            for place in PLACES:
                before = count_nodes()
                wg, inputs, path = graph_with_value(place, make_shape(kind))
                try:
                    getattr(wg, launch)(inputs=inputs)
                    outcome = 'accepted'
                except WorkGraphSerializationError as error:
                    outcome = str(error)
                refusals[f'{launch}-{kind}-{place}'] = {
                    'path': path,
                    'message': outcome,
                    'stored': count_nodes() != before,
                }
    report['refusals'] = refusals
    wg, _, path = graph_with_value('task', make_shape('nul'))
    report['validate'] = {'ok': wg.validate().ok, 'text': str(wg.validate())}
    wg = WorkGraph('nul_result')
    bad = wg.add_task(bad_result, name='bad', kind='nul_in_dict')
    wg.add_task(identity, name='child', x=bad.outputs.result)
    before = count_nodes()['data']
    wg.run()
    report['result'] = {
        'exit_status': wg.process.exit_status,
        'states': {task.name: task.state for task in wg.tasks if task.name in ('bad', 'child')},
        'log': wg.tasks.bad.log,
        'new_data': count_nodes()['data'] - before,
    }
    wg = WorkGraph('plain_string')
    wg.add_task(identity, name='first', x='a string PostgreSQL stores: ü €')
    wg.run()
    report['control'] = {
        'ok': wg.process.is_finished_ok,
        'value': wg.tasks.first.outputs.result.value.value,
    }
    return report


def main() -> None:
    """Set up, run the cases, print the report (last line), clean up."""
    name = sys.argv[1]
    password = secrets.token_hex(8)
    report: dict[str, Any] = {}
    try:
        create_database(name, password)
        setup_profile(name, password)
        report = run_cases()
    except Exception:  # noqa: BLE001 - reported to the test, which fails with it
        report['error'] = traceback.format_exc()
    finally:
        try:
            from aiida.manage import get_manager

            get_manager().reset_profile()
        except Exception:  # noqa: BLE001 - the database is dropped below anyway
            pass
        drop_database(name)
    print(json.dumps(report))


if __name__ == '__main__':
    main()

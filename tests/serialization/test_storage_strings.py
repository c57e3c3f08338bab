"""Strings the database cannot store are refused during the walk, with their path, on both storage backends.

- A lone surrogate (``'a\\ud800b'``) is not UTF-8: no backend stores it (refused on SQLite and PostgreSQL).
- A NUL character: PostgreSQL's text and JSONB refuse it (``\\u0000 cannot be converted to text``), SQLite stores it.
  So it is refused on a PostgreSQL profile and kept on an SQLite one.

Before, both passed the walk and ``wg.validate()``, then failed inside storing with a raw exception and left a
``WorkGraphEngine`` node in state ``None`` behind. The PostgreSQL cases run in a subprocess on a database of their
own (``psql_strings_script.py``); they are skipped, with the reason, where PostgreSQL does not answer.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiida import orm
from serialization_helpers import PLACES, SHAPES, count_nodes, graph_with_value, identity, make_shape

from aiida_workgraph import WorkGraph

SCRIPT = Path(__file__).resolve().parent / 'psql_strings_script.py'
TESTS_DIR = Path(__file__).resolve().parents[1]
POSTGRES = ('127.0.0.1', 5432)


def postgres_unreachable() -> str | None:
    """Return why PostgreSQL cannot be used here, or ``None``."""
    try:
        import psycopg  # noqa: F401 - only its presence is checked
    except ImportError:
        return 'psycopg is not installed'
    try:
        with socket.create_connection(POSTGRES, timeout=1.0):
            return None
    except OSError as exception:
        return f'PostgreSQL does not answer on {POSTGRES[0]}:{POSTGRES[1]}: {exception.strerror or exception!r}'


@pytest.mark.parametrize('kind', ['nul', 'nul_in_dict'])
def test_nul_is_kept_on_sqlite(kind: str) -> None:
    """SQLite stores NUL characters: the value is kept and reaches the next task equal."""
    assert 'sqlite' in orm.User.collection.get_default().backend.__class__.__module__
    value = make_shape(kind)
    wg = WorkGraph(f'sqlite_{kind}')
    first = wg.add_task(identity, name='first', x=value)
    wg.add_task(identity, name='second', x=first.outputs.result)
    wg.run()
    assert wg.process.is_finished_ok
    assert wg.tasks.second.outputs.result.value.value == value


@pytest.fixture(scope='module')
def postgres_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run ``psql_strings_script.py`` on a database of its own and return its report."""
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp('psql_strings')
    env = dict(os.environ, AIIDA_PATH=str(folder), PYTHONPATH=os.pathsep.join([str(TESTS_DIR), *sys.path]))
    name = f'wg_strings_{secrets.token_hex(4)}'
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), name],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    assert completed.returncode == 0 and lines, completed.stderr[-4000:]
    report = json.loads(lines[-1])
    assert 'error' not in report, report['error']
    return report


def test_postgres_refuses_nul_itself(postgres_report: dict[str, Any]) -> None:
    """The premise: storing a NUL character on PostgreSQL fails (what the walk now prevents)."""
    assert postgres_report['storage'] == 'aiida.storage.psql_dos.backend'
    assert '\\u0000 cannot be converted to text' in postgres_report['raw_store']


@pytest.mark.parametrize('launch', ['run', 'submit'])
@pytest.mark.parametrize('kind', ['nul', 'nul_in_dict', 'surrogate'])
@pytest.mark.parametrize('place', PLACES)
def test_postgres_refuses_the_string_with_its_path(
    place: str, kind: str, launch: str, postgres_report: dict[str, Any]
) -> None:
    """On PostgreSQL, every place, ``run()`` and ``submit()``: the contract's error names the path; nothing stored."""
    case = postgres_report['refusals'][f'{launch}-{kind}-{place}']
    subpath, type_name, reason = SHAPES[kind]
    lines = case['message'].splitlines()
    assert len(lines) == 2, case['message']
    assert lines[0].endswith('1 value cannot be kept; nothing was stored:')
    assert lines[1].startswith(f'  - {case["path"]}{subpath} ({type_name}): {reason}')
    assert not case['stored']


def test_postgres_validate_reports_nul(postgres_report: dict[str, Any]) -> None:
    """``wg.validate()`` on PostgreSQL no longer says ok."""
    assert postgres_report['validate']['ok'] is False
    assert (
        'tasks.add1.x: cannot be kept (builtins.str): a string with a NUL character'
        in (postgres_report['validate']['text'])
    )


def test_postgres_result_with_nul_fails_its_task(postgres_report: dict[str, Any]) -> None:
    """A task result holding a NUL character fails its task on PostgreSQL, naming the item; nothing of it stored."""
    result = postgres_report['result']
    assert result['exit_status'] == 302
    assert result['states'] == {'bad': 'FAILED', 'child': 'SKIPPED'}
    subpath, type_name, reason = SHAPES['nul_in_dict']
    assert result['log'].splitlines()[1].startswith(f'  - bad.outputs.result{subpath} ({type_name}): {reason}')
    assert result['new_data'] == 1  # the task's input ``kind``


def test_postgres_keeps_other_strings(postgres_report: dict[str, Any]) -> None:
    """Non-ASCII text that is valid UTF-8 is stored on PostgreSQL as it is."""
    assert postgres_report['control'] == {'ok': True, 'value': 'a string PostgreSQL stores: ü €'}


@pytest.mark.parametrize('place', PLACES)
def test_sqlite_refuses_a_lone_surrogate_and_leaves_no_process(place: str) -> None:
    """On SQLite, a lone surrogate is refused before any node exists (no process node in state ``None``)."""
    from aiida_workgraph import WorkGraphSerializationError

    before = count_nodes()
    wg, inputs, path = graph_with_value(place, make_shape('surrogate'))
    with pytest.raises(WorkGraphSerializationError) as info:
        wg.run(inputs=inputs)
    assert f'  - {path} (builtins.str): a string with a lone surrogate' in str(info.value)
    assert count_nodes() == before

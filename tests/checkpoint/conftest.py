"""Fixtures of the checkpoint tests: codes whose jobs take a while, fresh interpreters, waiting, counting children.

The session profile (ZeroMQ broker), the daemon fixtures and ``bash_code`` come from ``tests/conftest.py``; the
tasks the daemon workers and the fresh interpreters import live in ``tests/checkpoint_tasks.py``.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiida import orm
from aiida.common.links import LinkType

SLEEP_SECONDS = 3
"""How long every job of :func:`sleep_code` sleeps before it adds."""


@pytest.fixture
def sleep_code(aiida_code_installed: Callable[..., Any]) -> orm.InstalledCode:
    """A ``/bin/bash`` code for ``ArithmeticAddCalculation`` whose jobs sleep :data:`SLEEP_SECONDS` s first."""
    return aiida_code_installed(
        label='bash-sleep',
        default_calc_job_plugin='core.arithmetic.add',
        filepath_executable='/bin/bash',
        prepend_text=f'sleep {SLEEP_SECONDS}',
    )


@dataclass
class FreshPython:
    """A Python interpreter started by :func:`fresh_python`; its output (stdout and stderr) goes to ``log``."""

    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        """Return what the interpreter has printed so far."""
        return self.log.read_text(encoding='utf-8', errors='replace')

    def finish(self, timeout: float) -> str:
        """Wait until the interpreter exits and return its output.

        :raises AssertionError: if it does not exit within ``timeout`` seconds (it is killed), or exits with an error.
        """
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f'the interpreter did not finish within {timeout} s:\n{self.output()}') from None
        assert self.process.returncode == 0, self.output()
        return self.output()


@pytest.fixture
def fresh_python(aiida_profile: Any, tmp_path: Path) -> Iterator[Callable[..., FreshPython]]:
    """Return a function that starts a new Python interpreter running ``script`` with the session's profile loaded.

    The interpreter inherits the session's ``AIIDA_PATH`` and ``PYTHONPATH`` (the tests folder, so that
    ``checkpoint_tasks`` is importable); ``script`` runs after ``load_profile``. Keyword arguments are made
    available to the script as variables. Interpreters still running at the end of the test are killed.
    """
    started: list[FreshPython] = []

    def start(script: str, **variables: Any) -> FreshPython:
        header = f'from aiida import load_profile\nload_profile({aiida_profile.name!r}, allow_switch=True)\n'
        header += ''.join(f'{name} = {value!r}\n' for name, value in variables.items())
        log = tmp_path / f'python-{len(started)}.log'
        with open(log, 'w', encoding='utf-8') as handle:
            process = subprocess.Popen(
                [sys.executable, '-c', header + textwrap.dedent(script)],
                env=dict(os.environ),
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        started.append(FreshPython(process, log))
        return started[-1]

    yield start
    for interpreter in started:
        if interpreter.process.poll() is None:
            interpreter.process.kill()
        interpreter.process.wait()


def wait_until(
    condition: Callable[[], Any], timeout: float, message: Callable[[], str] | str, interval: float = 0.2
) -> Any:
    """Call ``condition`` every ``interval`` seconds until it returns a true value, and return that value.

    :raises AssertionError: with ``message`` if the condition is still false after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(interval)


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """The :func:`wait_until` helper, as a fixture."""
    return wait_until


def called_per_label(node: orm.ProcessNode) -> dict[str, int]:
    """Return how many child processes the process ``node`` called, per call link label (= task name)."""
    links = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    return dict(collections.Counter(link.link_label for link in links))


@pytest.fixture
def calls_per_task() -> Callable[[orm.ProcessNode], dict[str, int]]:
    """The :func:`called_per_label` helper, as a fixture."""
    return called_per_label


def read_daemon_log(client: Any, tail: int = 6000) -> str:
    """Return the end of the daemon log and of the ZeroMQ broker's log (to explain a failure)."""
    logs = []
    for name in ('daemon_log_file', '_zmq_broker_service_log_file'):
        try:
            with open(getattr(client, name), encoding='utf-8') as handle:
                logs.append(f'--- {name}:\n{handle.read()[-tail:]}')
        except (OSError, AttributeError, TypeError):
            continue
    return '\n'.join(logs)


@pytest.fixture
def daemon_log() -> Callable[[Any], str]:
    """The :func:`read_daemon_log` helper, as a fixture."""
    return read_daemon_log

"""Fixtures of the control-flow tests: a code whose jobs take a while, a patient daemon client, waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from aiida import orm

SLEEP_SECONDS = 4
"""How long every job of :func:`slow_code` sleeps before it adds."""


@pytest.fixture
def slow_code(aiida_code_installed: Callable[..., Any]) -> orm.InstalledCode:
    """A ``/bin/bash`` code for ``ArithmeticAddCalculation`` whose jobs sleep :data:`SLEEP_SECONDS` s first."""
    return aiida_code_installed(
        label='bash-slow',
        default_calc_job_plugin='core.arithmetic.add',
        filepath_executable='/bin/bash',
        prepend_text=f'sleep {SLEEP_SECONDS}',
    )


@pytest.fixture
def patient_daemon_client(started_daemon_client: Any, aiida_profile: Any) -> Any:
    """A client of the running daemon that waits up to 60 s for circus to answer (the default 2 s is too short when
    the machine is loaded, and a restart then fails on a timeout that says nothing about the code under test)."""
    from aiida.engine.daemon.client import DaemonClient
    from aiida.manage.configuration import get_config

    config = get_config()
    previous = config.get_option('daemon.timeout', scope=aiida_profile.name)
    config.set_option('daemon.timeout', 60, scope=aiida_profile.name)
    try:
        return DaemonClient(aiida_profile)
    finally:
        config.set_option('daemon.timeout', previous, scope=aiida_profile.name)


def wait_until(condition: Callable[[], bool], timeout: float, message: Callable[[], str]) -> None:
    """Poll ``condition`` every 0.2 s until it holds.

    :raises AssertionError: with ``message()`` if it does not hold within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message())
        time.sleep(0.2)

"""Importable slow tasks for the durable-progress tests (daemon workers import them by module path)."""

from __future__ import annotations

import time
from typing import Any

from aiida_workgraph import task

STEP_SECONDS = 0.3
"""How long each task sleeps, so that a chain is still running when the test kills its worker."""


@task
def slow_increment(x: Any) -> Any:
    """Return ``x + 1`` after :data:`STEP_SECONDS` (a plain task: a ``PyFunction`` process)."""
    time.sleep(STEP_SECONDS)
    return x + 1


@task.calcfunction
def slow_increment_calc(x: Any) -> Any:
    """Return ``x + 1`` after :data:`STEP_SECONDS` (a calcfunction)."""
    time.sleep(STEP_SECONDS)
    return x + 1

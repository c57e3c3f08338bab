"""``aiida_workgraph.executors.builtins``: upstream's module path of :func:`UnavailableExecutor`.

This package's built-in tasks (``workgraph.select``, ``workgraph.load_code``, ...) live in
:mod:`aiida_workgraph.tasks.builtins`.
"""

from __future__ import annotations

from typing import Any, NoReturn


def UnavailableExecutor(*args: Any, **kwargs: Any) -> NoReturn:  # noqa: N802 - upstream's name
    """Stands for a task function that cannot be brought back (upstream's placeholder; a script may compare a
    loaded task's executor with it).

    This package stores a function defined in ``__main__`` or inside another function pickled by value, so a task
    loaded with ``WorkGraph.load`` gets its real function back, not this placeholder.

    :raises RuntimeError: always, naming why it cannot run.
    """
    raise RuntimeError('This executor was defined dynamically and is not available from the database snapshot.')


__all__ = ['UnavailableExecutor']

"""Validation of the runtime state a ``WorkGraphEngine`` writes into its checkpoints.

A checkpoint may hold only what loads back: ``None``, booleans, numbers, strings, lists and string-keyed dicts of
them, and stored AiiDA nodes (written as references). Anything else is reported with its path in the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiida import orm
from aiida.engine.processes.workchains.awaitable import Awaitable

from .errors import ValueProblem, type_name

CHECKPOINT_SCALARS = (type(None), bool, int, float, str)
#: How the engine's internal context keys are named in error messages.
STATE_NAMES = {'_graph_ctx': 'ctx', '_results': 'results', '_states': 'states'}


class CheckpointError(RuntimeError):
    """Raised when the runtime state cannot be checkpointed, or a checkpoint cannot be loaded.

    The message names the process, and for a state that cannot be saved, the path and type of every bad value.
    """


def _problems(value: Any, path: str, found: list[ValueProblem]) -> None:
    if isinstance(value, CHECKPOINT_SCALARS):
        return
    if isinstance(value, Awaitable):
        # aiida-core's placeholder for a running child process (``to_context``): it checkpoints and loads back.
        return
    if isinstance(value, orm.Node):
        if not value.is_stored:
            found.append(ValueProblem(path, type_name(value), 'an unstored node cannot be referenced', 'store it'))
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                found.append(ValueProblem(f'{path}[{key!r}]', type_name(key), 'keys must be strings', 'use str keys'))
                continue
            _problems(item, f'{path}.{key}', found)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _problems(item, f'{path}[{index}]', found)
        return
    found.append(
        ValueProblem(path, type_name(value), 'cannot be checkpointed', 'keep only AiiDA nodes and JSON values in ctx')
    )


def validate_runtime_state(ctx: Mapping[str, Any], process_label: str) -> None:
    """Check that every value of the engine's context can be written to and loaded from a checkpoint.

    :param ctx: the engine's context (task states, result references, graph ctx, children).
    :param process_label: names the process in the error message.
    :raises CheckpointError: listing the path and type of every value that cannot be checkpointed.
    """
    found: list[ValueProblem] = []
    for key, value in ctx.items():
        _problems(value, STATE_NAMES.get(key, key), found)
    if found:
        lines = '\n'.join(f'  - {problem.format()}' for problem in found)
        raise CheckpointError(f'{process_label}: the runtime state cannot be checkpointed:\n{lines}')

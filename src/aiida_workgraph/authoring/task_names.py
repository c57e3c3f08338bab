"""The check of a task name: it becomes an AiiDA link label (``tasks__<name>__<input>``, the CALL link of its process).

The error says where the name came from, so that its fix is the one the user can apply: a ``name=`` given to
``WorkGraph.add_task``, a name derived from the decorated function, or ``metadata={'call_link_label': ...}``.
"""

from __future__ import annotations

from typing import Literal

from aiida.common.links import validate_link_label
from node_graph.config import BUILTIN_TASKS

NameSource = Literal['name', 'derived', 'call_link_label']

_FIXES = {
    'name': 'pass another `name=` to WorkGraph.add_task',
    'derived': (
        "the name comes from the function's name: rename the function/callable, or name the task with "
        "metadata={'call_link_label': ...}"
    ),
    'call_link_label': "choose another metadata['call_link_label'] for this call",
}


def check_task_name(name: str, source: NameSource = 'name') -> None:
    """Check that ``name`` can name a task (the graph's own ``graph_inputs``... are accepted as they are).

    :param source: where the name came from, which chooses the fix the message gives.
    :raises ValueError: ``Invalid task name '<name>': <why>`` (not a valid AiiDA link label), with the fix.
    """
    if name in BUILTIN_TASKS:
        return
    try:
        validate_link_label(name)
    except ValueError as exception:
        raise ValueError(
            f'Invalid task name {name!r}: {exception}. A task name is used as an AiiDA link label, so it must be a '
            f'valid Python identifier that neither starts nor ends with an underscore. Fix: {_FIXES[source]}.'
        ) from exception


__all__ = ['NameSource', 'check_task_name']

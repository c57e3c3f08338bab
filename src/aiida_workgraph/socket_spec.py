"""Socket specs for task inputs and outputs: ``namespace``, ``dynamic``, ``select``, ``meta``, ``socket``.

The same module is importable as ``aiida_workgraph.spec``. A Python type hint gives a socket its ``workgraph.*``
identifier through :data:`aiida_workgraph.registry.type_mapping` (``int`` and ``Int`` -> ``workgraph.int``, ...;
any other type -> ``workgraph.any``), and a typed socket checks the type of a value when it is set while building.
The engine's walk, not the socket, decides how a value is stored.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from node_graph.socket_spec import Leaf, SocketSpec, SocketSpecAPI, SocketView, meta, select

from .registry import type_mapping
from .socket import TaskSocketNamespace

ANY = 'workgraph.any'
NAMESPACE = 'workgraph.namespace'
ANNOTATED = 'workgraph.annotated'


class WorkGraphSocketSpecAPI(SocketSpecAPI):
    """node-graph's socket spec API with the ``workgraph.*`` identifiers and type mapping."""

    MAP: dict[Any, str] = type_mapping
    DEFAULT: str = ANY
    NAMESPACE: str = NAMESPACE
    ANNOTATED: str = ANNOTATED
    SocketNamespace = TaskSocketNamespace


RESERVED_INPUT_NAMES = ('metadata',)


def check_function_input_names(func: Callable[..., Any]) -> None:
    """Refuse a plain function whose arguments use a name reserved for AiiDA's process settings (``metadata``).

    Process classes and process functions are left to aiida-core, which handles their ``metadata`` itself.

    :raises ValueError: ``Invalid input name: 'metadata'`` with the reason and how to rename the argument.
    """
    if inspect.isclass(func) or getattr(func, 'is_process_function', False):
        return
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return
    name = getattr(func, '__name__', repr(func))
    for reserved in RESERVED_INPUT_NAMES:
        if reserved in parameters:
            raise ValueError(
                f'Invalid input name: {reserved!r}\n'
                f"Reason: In AiiDA, '{reserved}' is reserved for process-level settings (e.g., call_link_label, "
                'description) and cannot be used as a task input.\n\n'
                f'How to fix: Rename the argument in {name} to something else, e.g.: task_{reserved}.'
            )


namespace = WorkGraphSocketSpecAPI.namespace
dynamic = WorkGraphSocketSpecAPI.dynamic
socket = WorkGraphSocketSpecAPI.socket
from_model = WorkGraphSocketSpecAPI.from_model
infer_specs_from_callable = WorkGraphSocketSpecAPI.infer_specs_from_callable
validate_socket_data = WorkGraphSocketSpecAPI.validate_socket_data

__all__ = [
    'ANNOTATED',
    'ANY',
    'NAMESPACE',
    'Leaf',
    'RESERVED_INPUT_NAMES',
    'SocketSpec',
    'SocketView',
    'WorkGraphSocketSpecAPI',
    'check_function_input_names',
    'dynamic',
    'from_model',
    'infer_specs_from_callable',
    'meta',
    'namespace',
    'select',
    'socket',
    'validate_socket_data',
]

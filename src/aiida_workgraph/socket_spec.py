"""Socket specs for task inputs and outputs: ``namespace``, ``dynamic``, ``select``, ``meta``, ``socket``.

The same module is importable as ``aiida_workgraph.spec``. Python type hints keep their meaning for documentation,
but every leaf socket accepts any value: AiiDA nodes stand for Python values everywhere in a WorkGraph (an ``Int``
for an ``int``), and the engine's walk, not the socket, decides whether a value can be kept.
"""

from __future__ import annotations

from typing import Any

from node_graph.socket_spec import SocketSpec, SocketSpecAPI, SocketView, meta, select


class WorkGraphSocketSpecAPI(SocketSpecAPI):
    """node-graph's socket spec API with every Python type mapped to the ``any`` socket."""

    MAP: dict[Any, str] = {'default': SocketSpecAPI.DEFAULT, 'namespace': SocketSpecAPI.NAMESPACE}


namespace = WorkGraphSocketSpecAPI.namespace
dynamic = WorkGraphSocketSpecAPI.dynamic
socket = WorkGraphSocketSpecAPI.socket
from_model = WorkGraphSocketSpecAPI.from_model
infer_specs_from_callable = WorkGraphSocketSpecAPI.infer_specs_from_callable
validate_socket_data = WorkGraphSocketSpecAPI.validate_socket_data

__all__ = [
    'SocketSpec',
    'SocketView',
    'WorkGraphSocketSpecAPI',
    'dynamic',
    'from_model',
    'infer_specs_from_callable',
    'meta',
    'namespace',
    'select',
    'socket',
    'validate_socket_data',
]

"""Socket specs for task inputs and outputs: ``namespace``, ``dynamic``, ``select``, ``meta``, ``socket``.

The same module is importable as ``aiida_workgraph.spec``.
"""

from node_graph.socket_spec import SocketSpec, SocketView, dynamic, from_model, meta, namespace, select, socket

__all__ = ['SocketSpec', 'SocketView', 'dynamic', 'from_model', 'meta', 'namespace', 'select', 'socket']

"""The graph that task calls are added to: ``get_current_graph``, ``set_current_graph``, ``active_graph``.

``with WorkGraph() as wg:`` makes ``wg`` the current graph; calling a task handle adds a task to it. The zone
context managers are importable from here too, as in upstream.
"""

from node_graph.manager import CurrentGraphManager, active_graph, set_current_graph

from .authoring.current_graph import get_current_graph
from .authoring.zones import If, Map, While, Zone

__all__ = [
    'CurrentGraphManager',
    'If',
    'Map',
    'While',
    'Zone',
    'active_graph',
    'get_current_graph',
    'set_current_graph',
]

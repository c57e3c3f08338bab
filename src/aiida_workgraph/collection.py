"""``group(*items)``: several tasks or sockets as one dependency, as in ``group(a, b) >> c``."""

from node_graph.collection import group

__all__ = ['group']

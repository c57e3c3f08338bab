"""The current graph of this context, as a ``WorkGraph``: what task calls outside ``with WorkGraph():`` add to."""

from __future__ import annotations

from typing import Any

from node_graph.manager import peek_current_graph, set_current_graph


def get_current_graph() -> Any:
    """Return the current graph (``with WorkGraph() as wg:`` or :func:`set_current_graph`); if there is none, make a
    new ``WorkGraph``, make it current and return it (as upstream does: node-graph's own would be a bare ``Graph``)."""
    from .workgraph import WorkGraph

    graph = peek_current_graph()
    if graph is None:
        graph = WorkGraph()
        set_current_graph(graph)
    return graph


__all__ = ['get_current_graph', 'set_current_graph']

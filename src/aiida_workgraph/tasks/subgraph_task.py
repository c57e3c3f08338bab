"""Upstream's module path of the sub-graph task class (``workgraph.subgraph_task``).

A task made from a ``WorkGraph`` (``wg.add_task(other_graph)``, or calling a graph inside a graph) is a
:class:`SubGraphTask`: its sockets are the sub-graph's graph inputs and outputs, and it runs as a child WorkGraph
process.
"""

from __future__ import annotations

from ..authoring.graph_task import SubGraphTask

__all__ = ['SubGraphTask']

"""ORM layer: the WorkGraph process node."""

from .workgraph_node import WorkGraphNode

__all__ = ['WorkGraphNode']

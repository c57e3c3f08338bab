"""``aiida_workgraph.orm.workgraph``: the WorkGraph process node class, where upstream scripts import it from."""

from .workgraph_node import WorkGraphNode

__all__ = ['WorkGraphNode']

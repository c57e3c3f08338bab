"""``aiida_workgraph.orm.workgraph``: the WorkGraph process node class, where upstream scripts import it from.

``WorkChainNode`` (aiida-core's, the base class of ``WorkGraphNode``) is importable from here too, as upstream has it.
"""

from aiida.orm import WorkChainNode

from .workgraph_node import WorkGraphNode

__all__ = ['WorkChainNode', 'WorkGraphNode']

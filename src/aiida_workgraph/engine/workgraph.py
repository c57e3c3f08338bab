"""``aiida_workgraph.engine.workgraph``: the engine process class, where upstream scripts import it from."""

from .workgraph_engine import WorkGraphEngine

__all__ = ['WorkGraphEngine']

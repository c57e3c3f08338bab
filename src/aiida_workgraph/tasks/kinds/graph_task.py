"""``@task.graph`` tasks: the function builds a graph from the task's inputs, which runs as a child WorkGraph process.

The graph is built when the task launches, from its input values (already AiiDA nodes), and submitted as a child
``WorkGraphEngine`` of the engine running the task (a CALL link labelled with the task name; process label
``WorkGraph<function name>``). The child's graph outputs (its RETURN links) are the task's outputs, read like any
other child's. Each child's structure records its depth (:data:`GRAPH_DEPTH_KEY`): one more than the graph that
launched it. A graph task that would go deeper than its ``max_depth`` fails without launching.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiida import orm
from node_graph.socket_meta import SocketMeta
from node_graph.socket_spec import SocketSpec

from ...socket_spec import NAMESPACE, infer_specs_from_callable
from .base import Launcher, TaskKind, TaskView

#: The key of a WorkGraph structure that holds how deeply the graph is nested in graph tasks (0 or absent at the top).
GRAPH_DEPTH_KEY = 'graph_depth'
#: The default of ``task.graph(max_depth=...)``.
DEFAULT_MAX_DEPTH = 100


class GraphDepthError(RecursionError):
    """A graph task would nest deeper than its ``max_depth``."""


class GraphTaskKind(TaskKind):
    """A function whose body builds a graph: run as a child WorkGraph process built from the task's inputs."""

    name = 'GRAPH'

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """Sockets from the function's signature and return annotation (or the declared specs), plus ``metadata``:
        plain values for the child WorkGraph process (``label``, ``description``, ``call_link_label``)."""
        func_in, out_spec = infer_specs_from_callable(obj, inputs, outputs)
        if 'metadata' in func_in.fields:
            return func_in, out_spec
        metadata = SocketSpec(NAMESPACE, meta=SocketMeta(required=False, is_metadata=True, dynamic=True))
        return replace(func_in, fields={**func_in.fields, 'metadata': metadata}), out_spec

    def process_class(self, task: TaskView) -> Any:
        """The ``WorkGraphEngine``."""
        from ...engine.workgraph_engine import WorkGraphEngine

        return WorkGraphEngine

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Build the graph from ``inputs`` and submit it as a child WorkGraph process; return its node.

        :raises GraphDepthError: if the child would be nested deeper than the task's ``max_depth``.
        :raises Exception: anything the function raises while it builds the graph, or the child's walk raises.
        """
        # The graph is built by the authoring layer (the user's function calls task handles inside a ``WorkGraph``
        # context). This import is here, not at module level, because the engine imports the kinds, and the engine
        # must not depend on the authoring layer at import time; a graph task needs it only when it launches.
        from ...authoring.graph_task import build_graph

        max_depth = (task.spec.metadata or {}).get('max_depth', DEFAULT_MAX_DEPTH)
        depth = graph_depth(launcher) + 1
        if depth > max_depth:
            raise GraphDepthError(
                f'graph task {task.name} would run at nesting depth {depth}, deeper than its max_depth={max_depth}; '
                'a recursive graph task needs a condition that ends the recursion, or a larger max_depth'
            )
        graph = build_graph(task.callable, task.spec, (), inputs)
        launch = 'submit' if launcher.for_daemon else 'run'
        metadata = {'call_link_label': task.name, **(inputs.get('metadata') or {})}
        child_inputs = graph.prepare_inputs(launch, metadata=metadata)
        child_inputs['workgraph_data']['structure'][GRAPH_DEPTH_KEY] = depth
        return launcher.submit(self.process_class(task), **child_inputs)


def graph_depth(launcher: Launcher) -> int:
    """How deeply the graph of the engine ``launcher`` is nested in graph tasks (0 for a top-level graph)."""
    structure = getattr(launcher, 'structure', None) or {}
    return int(structure.get(GRAPH_DEPTH_KEY, 0))

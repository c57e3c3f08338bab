"""Sub-graph tasks: a ``WorkGraph`` added to another graph (``wg.add_task(other)``), run as a child WorkGraph process.

The sub-graph's structure (without values) is kept in the task's spec (its executor's ``graph_data``). Its graph
inputs and outputs are the task's sockets. The values set inside the sub-graph (on its tasks' inputs and its ``ctx``)
are inputs of the task under :data:`SUBGRAPH_TASKS` and :data:`SUBGRAPH_CTX`, so the parent's walk converts them once,
when the parent process is created, against the inner tasks' own schemas: a refusal names its path
(``tasks.sub1.subgraph_tasks.add1.x``). At launch, the child ``WorkGraphEngine`` gets these nodes, the task's graph
inputs, and the structure; it is labelled ``WorkGraph<sub-graph name>`` and linked by a CALL link named after the
task. Its graph outputs are the task's outputs.
"""

from __future__ import annotations

import copy
from typing import Any

from aiida import orm

from ...serialization.schema import DATA_LEAF, NAMESPACE, Slot, spec_slot
from .base import Launcher, TaskKind, TaskView
from .graph_task import DEFAULT_MAX_DEPTH, GRAPH_DEPTH_KEY, GraphDepthError, graph_depth

#: The input of a sub-graph task that holds the values of the inner tasks' inputs, by inner task name.
SUBGRAPH_TASKS = 'subgraph_tasks'
#: The input of a sub-graph task that holds the sub-graph's initial ``ctx``.
SUBGRAPH_CTX = 'subgraph_ctx'
#: Input names a sub-graph's own graph inputs may not use.
RESERVED_INPUTS = (SUBGRAPH_TASKS, SUBGRAPH_CTX)
_CTX_SLOT: Slot = Slot(NAMESPACE, lambda _key: _CTX_SLOT)


class SubGraphKind(TaskKind):
    """A ``WorkGraph`` used as a task: run as a child WorkGraph process."""

    name = 'SUBGRAPH'

    def process_class(self, task: TaskView) -> Any:
        """The ``WorkGraphEngine``."""
        from ...engine.workgraph_engine import WorkGraphEngine

        return WorkGraphEngine

    def input_slot(self, task: TaskView) -> Slot:
        """The graph inputs' spec, plus the inner tasks' own schemas under :data:`SUBGRAPH_TASKS` and a ``ctx``."""
        from ...engine.graph_plan import GraphPlan

        graph_inputs = spec_slot(task.spec.inputs)
        plan = GraphPlan(subgraph_structure(task))

        def inner_task(name: str) -> Slot:
            return plan.tasks[name].input_slot() if name in plan.tasks else DATA_LEAF

        def child(key: str) -> Slot:
            if key == SUBGRAPH_TASKS:
                return Slot(NAMESPACE, inner_task)
            if key == SUBGRAPH_CTX:
                return _CTX_SLOT
            return graph_inputs.child(key)

        return Slot(NAMESPACE, child)

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Submit the sub-graph as a child WorkGraph process with the task's inputs; return its node.

        :raises GraphDepthError: if the child would be nested deeper than :data:`DEFAULT_MAX_DEPTH` graphs.
        :raises WorkGraphSerializationError: from the child's walk (its values are nodes already, so this is rare).
        """
        depth = graph_depth(launcher) + 1
        if depth > DEFAULT_MAX_DEPTH:
            raise GraphDepthError(
                f'sub-graph task {task.name} would run at nesting depth {depth}, deeper than {DEFAULT_MAX_DEPTH}'
            )
        structure = subgraph_structure(task)
        structure['launch'] = 'submit' if launcher.for_daemon else 'run'
        structure[GRAPH_DEPTH_KEY] = depth
        values = dict(inputs)
        values.pop('metadata', None)
        child_inputs = {
            'tasks': values.pop(SUBGRAPH_TASKS, None) or {},
            'workgraph_data': {'structure': structure, 'ctx': values.pop(SUBGRAPH_CTX, None) or {}},
            'graph_inputs': values,
            'metadata': {'call_link_label': task.name},
        }
        return launcher.submit(self.process_class(task), **child_inputs)


def subgraph_structure(task: TaskView) -> dict[str, Any]:
    """A copy of the sub-graph's structure (without values) kept in the task's spec.

    :raises ValueError: if the spec holds no graph.
    """
    executor = task.spec.executor
    graph_data = getattr(executor, 'graph_data', None)
    if not graph_data or 'tasks' not in graph_data:
        raise ValueError(f'sub-graph task {task.name} holds no graph structure')
    return copy.deepcopy(graph_data)

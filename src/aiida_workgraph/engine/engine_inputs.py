"""Preparing the engine's inputs: the single walk over the raw values handed over by ``WorkGraph``."""

from __future__ import annotations

import copy
from typing import Any

from node_graph.socket_spec import SocketSpec

from ..serialization.errors import ValueProblem, WorkGraphSerializationError
from ..serialization.schema import NAMESPACE, Slot, spec_slot
from ..serialization.walk import WalkResult, walk_engine_inputs
from .graph_plan import GraphPlan

LAUNCH_RUN = 'run'
LAUNCH_SUBMIT = 'submit'


def _ctx_slot() -> Slot:
    """ctx takes any key; nested dicts are namespaces so every value has its own path (``ctx.params.k``)."""
    return Slot(NAMESPACE, lambda _key: _CTX_SLOT)


_CTX_SLOT = _ctx_slot()


def prepare_engine_inputs(inputs: dict[str, Any]) -> tuple[dict[str, Any], WalkResult]:
    """Walk the raw inputs of a ``WorkGraphEngine`` once and return the inputs it is created with.

    Values become AiiDA data nodes (unstored until the process node is stored), plain values (``metadata``,
    options) move into the graph structure, which then holds no other values.

    :param inputs: ``graph_inputs``, ``tasks`` (``{task: {port: value}}``), ``workgraph_data`` (``structure`` and
        ``ctx``) and ``metadata``.
    :raises WorkGraphSerializationError: listing every value that cannot be kept; nothing is stored.
    """
    workgraph_data = dict(inputs.get('workgraph_data') or {})
    structure = copy.deepcopy(workgraph_data.get('structure') or {})
    if 'tasks' not in structure:
        raise ValueError('workgraph_data.structure is missing or holds no tasks')
    plan = GraphPlan(structure)
    for_daemon = structure.get('launch', LAUNCH_SUBMIT) != LAUNCH_RUN
    graph_inputs_spec = (
        SocketSpec.from_dict(structure['spec']['inputs']) if 'inputs' in structure.get('spec', {}) else None
    )
    trees: dict[str, tuple[Any, Slot]] = {
        'graph_inputs': (inputs.get('graph_inputs') or {}, spec_slot(graph_inputs_spec)),
        'ctx': (workgraph_data.get('ctx') or {}, _CTX_SLOT),
    }
    unknown = []
    for name, values in (inputs.get('tasks') or {}).items():
        if name not in plan.tasks:
            unknown.append(
                ValueProblem(f'tasks.{name}', type(values).__name__, 'no task of this name', 'check the name')
            )
            continue
        trees[f'tasks.{name}'] = (values, plan.tasks[name].input_slot())
    if unknown:
        raise WorkGraphSerializationError(unknown)
    result = walk_engine_inputs(trees, for_daemon=for_daemon, context=f'WorkGraph<{structure.get("name")}>')
    tasks = {}
    for key, value in result.data.items():
        if key.startswith('tasks.'):
            tasks[key[len('tasks.') :]] = value
    for key, value in result.plain.items():
        if key.startswith('tasks.'):
            structure['tasks'][key[len('tasks.') :]]['plain_inputs'] = value
    prepared = {
        'graph_inputs': result.data.get('graph_inputs', {}),
        'tasks': tasks,
        'workgraph_data': {'structure': structure, 'ctx': result.data.get('ctx', {})},
    }
    if 'metadata' in inputs:
        prepared['metadata'] = inputs['metadata']
    return prepared, result

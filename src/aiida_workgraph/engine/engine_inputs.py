"""Preparing the engine's inputs: the single walk over the raw values handed over by ``WorkGraph``."""

from __future__ import annotations

from typing import Any

from node_graph.socket_spec import SocketSpec

from ..orm.value_rows import PlainValue
from ..serialization.errors import ValueProblem, WorkGraphSerializationError
from ..serialization.schema import NAMESPACE, Slot, spec_slot
from ..serialization.walk import InputWalker, WalkResult
from .graph_plan import GraphPlan

LAUNCH_RUN = 'run'
LAUNCH_SUBMIT = 'submit'


def _ctx_slot() -> Slot:
    """ctx (and the graph inputs of a structure without a spec) take any key; nested dicts are namespaces so every
    value has its own path (``ctx.params.k``)."""
    return Slot(NAMESPACE, lambda _key: _CTX_SLOT)


_CTX_SLOT = _ctx_slot()


def walk_raw_inputs(inputs: dict[str, Any]) -> tuple[dict[str, Any], WalkResult, list[ValueProblem]]:
    """Walk the raw inputs of a ``WorkGraphEngine`` once, converting values and collecting every problem.

    Values become AiiDA data nodes (unstored) or, for ``int``/``float``/``str``/``bool`` values that become base-type
    nodes, :class:`~aiida_workgraph.orm.value_rows.PlainValue` (checked, stored as rows by the engine); plain values
    (``metadata``, options) move into the graph structure, which then holds no other values. Nothing is stored.

    :param inputs: ``graph_inputs``, ``tasks`` (``{task: {port: value}}``), ``workgraph_data`` (``structure`` and
        ``ctx``; or, as upstream 0.9.0 passes it, the graph's dict itself) and ``metadata``.
    :return: the inputs the engine is created with, the walk's result and the problems found.
    :raises ValueError: if the inputs hold no graph structure, or required task inputs have neither value nor link.
    """
    workgraph_data = dict(inputs.get('workgraph_data') or {})
    # The caller's structure is not changed: the walk adds ``plain_inputs`` to copies of the tasks that have some.
    structure = dict(workgraph_data.get('structure') or {})
    if not structure and 'tasks' in workgraph_data:
        # Upstream aiida-workgraph 0.9.0's layout: ``workgraph_data`` is the graph's dict itself.
        structure = {key: value for key, value in workgraph_data.items() if key != 'ctx'}
    if 'tasks' not in structure:
        raise ValueError('workgraph_data.structure is missing or holds no tasks')
    plan = GraphPlan(structure)
    missing = plan.missing_inputs(inputs.get('tasks') or {})
    if missing:
        raise ValueError(
            f'Missing required inputs: {", ".join(missing)}. WorkGraph<{structure.get("name")}>: these required '
            'inputs have neither a value nor a link; give each a value or link a socket to it'
        )
    graph_inputs_spec = (
        SocketSpec.from_dict(structure['spec']['inputs']) if 'inputs' in structure.get('spec', {}) else None
    )
    trees: dict[str, tuple[Any, Slot]] = {
        'graph_inputs': (
            inputs.get('graph_inputs') or {},
            spec_slot(graph_inputs_spec) if graph_inputs_spec is not None else _CTX_SLOT,
        ),
        'ctx': (workgraph_data.get('ctx') or {}, _CTX_SLOT),
    }
    problems = []
    for name, values in (inputs.get('tasks') or {}).items():
        if name not in plan.tasks:
            problems.append(
                ValueProblem(f'tasks.{name}', type(values).__name__, 'no task of this name', 'check the name')
            )
            continue
        trees[f'tasks.{name}'] = (values, plan.tasks[name].input_slot())
    walker = InputWalker(for_daemon=structure.get('launch', LAUNCH_SUBMIT) != LAUNCH_RUN, plain_values=True)
    result = WalkResult()
    for prefix, (tree, slot) in trees.items():
        walker.walk(tree, slot, prefix, result.data, result.plain, prefix)
    result.visited = walker.visited
    result.report = walker.report
    problems.extend(walker.problems)
    tasks = {}
    for key, value in result.data.items():
        if key.startswith('tasks.'):
            tasks[key[len('tasks.') :]] = value
    structure['tasks'] = dict(structure['tasks'])
    for key, value in result.plain.items():
        if key.startswith('tasks.'):
            name = key[len('tasks.') :]
            structure['tasks'][name] = {**structure['tasks'][name], 'plain_inputs': value}
    prepared = {
        'graph_inputs': result.data.get('graph_inputs', {}),
        'tasks': tasks,
        'workgraph_data': {'structure': structure, 'ctx': result.data.get('ctx', {})},
    }
    if 'metadata' in inputs:
        prepared['metadata'] = inputs['metadata']
    return prepared, result, problems


def prepare_engine_inputs(inputs: dict[str, Any]) -> tuple[dict[str, Any], WalkResult]:
    """Walk the raw inputs of a ``WorkGraphEngine`` once and return the inputs it is created with.

    :raises WorkGraphSerializationError: listing every value that cannot be kept; nothing is stored.
    """
    prepared, result, problems = walk_raw_inputs(inputs)
    if problems:
        name = prepared['workgraph_data']['structure'].get('name')
        raise WorkGraphSerializationError(problems, f'WorkGraph<{name}>')
    return prepared, result


def take_plain_values(
    inputs: dict[str, Any], namespaces: tuple[str, ...]
) -> tuple[dict[str, Any], dict[tuple[str, ...], PlainValue]]:
    """Take the :class:`~aiida_workgraph.orm.value_rows.PlainValue` of ``namespaces`` out of the prepared inputs, for
    the engine to store as rows, and turn every other one into its (unstored) node.

    When the inputs' ``metadata.store_provenance`` is ``False`` nothing is stored, so every plain value becomes a node.

    :param inputs: the inputs :func:`prepare_engine_inputs` returned (not changed).
    :param namespaces: the top-level input namespaces whose plain values are taken (the data namespaces besides
        ``workgraph_data.ctx``, whose plain values always become nodes).
    :return: the inputs without the taken values (namespaces left empty are dropped), and the taken values by their
        path in the inputs (``('tasks', 'add', 'x')``).
    """
    taken: dict[tuple[str, ...], PlainValue] = {}
    stored = (inputs.get('metadata') or {}).get('store_provenance', True) is not False
    kept = dict(inputs)
    for key in namespaces:
        kept[key] = _take(inputs[key], (key,), taken) if stored else _to_nodes(inputs[key])
    workgraph_data = inputs['workgraph_data']
    kept['workgraph_data'] = {**workgraph_data, 'ctx': _to_nodes(workgraph_data['ctx'])}
    return kept, taken


def _take(tree: Any, path: tuple[str, ...], taken: dict[tuple[str, ...], PlainValue]) -> Any:
    """``tree`` without its plain values, which go into ``taken`` by path."""
    if not isinstance(tree, dict):
        return tree
    kept = {}
    for key, value in tree.items():
        if isinstance(value, PlainValue):
            taken[(*path, key)] = value
            continue
        value = _take(value, (*path, key), taken)
        if not (isinstance(value, dict) and not value):
            kept[key] = value
    return kept


def _to_nodes(tree: Any) -> Any:
    """``tree`` with each plain value replaced by its unstored node."""
    if isinstance(tree, PlainValue):
        return tree.to_node()
    if isinstance(tree, dict):
        return {key: _to_nodes(value) for key, value in tree.items()}
    return tree

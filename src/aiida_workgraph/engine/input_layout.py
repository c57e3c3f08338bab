"""The layout of the engine's inputs, and its inverse: one module owns both directions.

A graph (node-graph's dict: tasks with their input values, links, specs) is split into the *structure* (no values)
and the values beside it, in the engine's input namespaces (``graph_inputs``, ``tasks.<task>.<input>``,
``workgraph_data.ctx``). After the walk, the values are the process node's input links and the structure is in its
repository; :func:`engine_inputs_from_node` rebuilds the engine's inputs from there (checkpoint loading), and
:func:`merge_values` puts the values back on the structure's tasks (``WorkGraph.load``).
"""

from __future__ import annotations

from typing import Any

from aiida import orm
from aiida.common.links import LinkType
from node_graph.config import BUILTIN_TASKS

from ..trees import flatten, set_nested
from .graph_plan import GRAPH_CTX, GRAPH_INPUTS


def split_values(graph: dict[str, Any], launch: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Split a graph's dict into the engine's raw inputs: the structure without values, and the values beside it.

    Unset (``None``) values are dropped.

    :param graph: node-graph's dict of the graph (it is changed: its tasks' input values are moved out).
    :param launch: ``'run'`` or ``'submit'``, recorded in the structure.
    """
    graph['launch'] = launch
    task_values: dict[str, Any] = {}
    graph_inputs: dict[str, Any] = {}
    ctx: dict[str, Any] = {}
    for name, data in graph['tasks'].items():
        values = _drop_none(data.get('inputs') or {})
        data['inputs'] = {}
        if name == GRAPH_INPUTS:
            graph_inputs = values
        elif name == GRAPH_CTX:
            ctx = values
        elif name not in BUILTIN_TASKS and values:
            task_values[name] = values
    inputs: dict[str, Any] = {
        'graph_inputs': graph_inputs,
        'tasks': task_values,
        'workgraph_data': {'structure': graph, 'ctx': ctx},
    }
    if metadata:
        inputs['metadata'] = metadata
    return inputs


def merge_values(structure: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """Put the values back on the structure's tasks: the inverse of :func:`split_values` after the walk.

    :param structure: the stored structure (it is changed: each task gets its ``inputs`` back).
    :param inputs: the engine's inputs as nested nodes (the node's input links, ``nested()``).
    :return: the structure, now a graph dict with values, as ``WorkGraph.from_dict`` takes it.
    """
    for name, data in structure['tasks'].items():
        values: dict[str, Any] = {}
        for path, value in flatten(data.pop('plain_inputs', None) or {}):
            set_nested(values, path, value)
        if name == GRAPH_INPUTS:
            source = inputs.get('graph_inputs', {})
        elif name == GRAPH_CTX:
            source = inputs.get('workgraph_data', {}).get('ctx', {})
        else:
            source = inputs.get('tasks', {}).get(name, {})
        for path, value in flatten(source):
            set_nested(values, path, value)
        data['inputs'] = values
    return structure


def engine_inputs_from_node(node: orm.ProcessNode) -> dict[str, Any]:
    """Rebuild the inputs of the engine that made ``node``: its input links, its stored structure, its metadata."""
    inputs = node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested()
    inputs['workgraph_data'] = {**inputs.get('workgraph_data', {}), 'structure': node.get_structure()}
    inputs['metadata'] = node.get_metadata_inputs() or {}
    return inputs


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    """Drop unset (``None``) values, recursively; namespaces left empty are dropped too."""
    cleaned = {}
    for key, value in values.items():
        if isinstance(value, dict):
            value = _drop_none(value)
            if not value:
                continue
        if value is not None:
            cleaned[key] = value
    return cleaned


__all__ = ['engine_inputs_from_node', 'merge_values', 'split_values']

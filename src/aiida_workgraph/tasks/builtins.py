"""Built-in tasks registered as ``workgraph.*`` entry points (``add_task('workgraph.load_node', pk=...)``).

The functions run as plain tasks in the engine; ``SetContext``, ``GetContext`` and ``AiiDAProcessTask`` are task
classes whose kind the engine handles itself, and ``GraphLevelTask`` is the class of a graph's ``graph_inputs``,
``graph_outputs`` and ``graph_ctx`` tasks.
"""

from __future__ import annotations

from typing import Any

from aiida import orm
from node_graph.task_spec import TaskSpec
from node_graph.tasks.builtins import GraphLevelTask as NodeGraphGraphLevelTask

from ..authoring.decorator import task
from ..authoring.task import Task
from ..authoring.task_classes import AiiDAProcessTask
from ..socket_spec import namespace, socket

SET_CONTEXT = 'SET_CONTEXT'
GET_CONTEXT = 'GET_CONTEXT'


class GraphLevelTask(NodeGraphGraphLevelTask, Task):
    """The graph's own inputs, outputs and context, as a task whose inputs and outputs are the same sockets."""

    identifier: str = 'workgraph.graph_level'
    _default_spec = TaskSpec(
        identifier='workgraph.graph_level',
        catalog='Builtins',
        base_class_path='aiida_workgraph.tasks.builtins.GraphLevelTask',
    )


KEY = socket(Any, is_metadata=True, help='the dotted path in the graph context, e.g. `results.energy`')


class SetContext(Task):
    """Write ``value`` into the graph context under the dotted ``key`` when the task runs (kind ``SET_CONTEXT``).

    ``key`` is a plain value (kept in the structure, not stored as a node); ``value`` is stored like any input.
    """

    _default_spec = TaskSpec(
        identifier='workgraph.set_context',
        task_type=SET_CONTEXT,
        catalog='Control',
        inputs=namespace(key=KEY, value=Any),
        outputs=namespace(),
        base_class_path='aiida_workgraph.tasks.builtins.SetContext',
    )


class GetContext(Task):
    """Read the graph context at the dotted ``key`` when the task runs and return it as ``result`` (``GET_CONTEXT``)."""

    _default_spec = TaskSpec(
        identifier='workgraph.get_context',
        task_type=GET_CONTEXT,
        catalog='Control',
        inputs=namespace(key=KEY),
        outputs=namespace(result=Any),
        base_class_path='aiida_workgraph.tasks.builtins.GetContext',
    )


@task(identifier='workgraph.select')
def select(condition: Any, true: Any = None, false: Any = None) -> Any:
    """Return ``true`` if ``condition`` holds, else ``false``."""
    return true if condition else false


@task(identifier='workgraph.load_code', outputs=namespace(code=Any))
def load_code(pk: int = None, uuid: str = None, label: str = None) -> orm.AbstractCode:
    """Load a code by pk, UUID or label (the first one given).

    :raises ValueError: if none is given.
    """
    identifier = next((value for value in (pk, uuid, label) if value is not None), None)
    if identifier is None:
        raise ValueError('load_code needs one of `pk`, `uuid` or `label`')
    return orm.load_code(identifier)


@task(identifier='workgraph.load_node', outputs=namespace(node=Any))
def load_node(pk: int = None, uuid: str = None) -> orm.Node:
    """Load a node by pk or UUID.

    :raises ValueError: if neither is given.
    """
    if pk is None and uuid is None:
        raise ValueError('load_node needs `pk` or `uuid`')
    return orm.load_node(pk if pk is not None else uuid)


@task(identifier='workgraph.aiida_int')
def aiida_int(value: int) -> int:
    """Return ``value`` as an ``Int`` node."""
    return int(value)


@task(identifier='workgraph.aiida_float')
def aiida_float(value: float) -> float:
    """Return ``value`` as a ``Float`` node."""
    return float(value)


@task(identifier='workgraph.aiida_string')
def aiida_string(value: str) -> str:
    """Return ``value`` as a ``Str`` node."""
    return str(value)


@task(identifier='workgraph.aiida_bool')
def aiida_bool(value: bool) -> bool:
    """Return ``value`` as a ``Bool`` node."""
    return bool(value)


@task(identifier='workgraph.aiida_list')
def aiida_list(value: list) -> list:
    """Return ``value`` as a ``List`` node."""
    return list(value)


@task(identifier='workgraph.aiida_dict')
def aiida_dict(value: dict) -> dict:
    """Return ``value`` as a ``Dict`` node."""
    return dict(value)


__all__ = [
    'GET_CONTEXT',
    'SET_CONTEXT',
    'AiiDAProcessTask',
    'GetContext',
    'GraphLevelTask',
    'SetContext',
    'aiida_bool',
    'aiida_dict',
    'aiida_float',
    'aiida_int',
    'aiida_list',
    'aiida_string',
    'load_code',
    'load_node',
    'select',
]

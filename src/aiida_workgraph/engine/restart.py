"""Restarting a graph: a new WorkGraph process that reuses the finished tasks of an earlier one.

``WorkGraph.restart()`` records the earlier process in the structure (:data:`RESTART_KEY`). When the new engine starts,
:func:`reuse_finished_tasks` takes over, from the earlier node's task records, every task that FINISHED there and is
unchanged: same kind and callable, same incoming links, same plain inputs, same input values (the same node, or a
node with the same hash), and every task it depends on reused too. Such a task is not run again: its earlier process
and result nodes become its own (so downstream tasks and graph outputs link to those results). Every other task runs.
"""

from __future__ import annotations

import json
from typing import Any

from aiida import orm
from aiida.common.links import LinkType

from ..enums import TASK_PROCESS, TASK_STATE, TaskState
from ..orm.workgraph_node import WorkGraphNode
from ..trees import as_dict, flatten

#: The key of the structure that holds the pk of the process a graph restarts from.
RESTART_KEY = 'restart_from'


def restart_source(structure: dict[str, Any]) -> WorkGraphNode | None:
    """The node of the process ``structure`` restarts from, or ``None``.

    :raises ValueError: if it is not a terminated WorkGraph process.
    """
    pk = structure.get(RESTART_KEY)
    if pk is None:
        return None
    node = orm.load_node(pk)
    if not isinstance(node, WorkGraphNode):
        raise ValueError(f'cannot restart from node <{pk}>: it is a {type(node).__name__}, not a WorkGraph process')
    if not node.is_terminated:
        raise ValueError(f'cannot restart from WorkGraph<{pk}>: it has not ended (it is {node.process_state.value})')
    return node


def reuse_finished_tasks(engine: Any) -> list[str]:
    """Take over, in the starting ``engine`` (a ``WorkGraphEngine``), the unchanged tasks its restart source finished.

    Each reused task is FINISHED with the earlier process and results; nothing runs for it.

    :return: the names of the reused tasks.
    :raises ValueError: if the restart source is not a terminated WorkGraph process.
    """
    old = restart_source(engine.structure)
    if old is None:
        return []
    plan = engine.plan
    reused = reusable_tasks(old, engine.structure, plan.order, plan.parents, engine.stored_inputs('tasks'))
    # A process loaded before its first step ended was seeded already: its recovery moved these tasks forward.
    reused = {name: node for name, node in reused.items() if engine.graph_state.record(name).state == TaskState.PLANNED}
    for name, node in reused.items():
        engine.graph_state.launched(name, node.pk)
        engine._process_done(name, node)
    names = ', '.join(reused) or 'none'
    engine.report(f'Restarted from WorkGraph<{old.pk}>: reusing the finished tasks {names}')
    return list(reused)


def reusable_tasks(
    old: WorkGraphNode, structure: dict[str, Any], order: list[str], parents: dict[str, Any], inputs: Any
) -> dict[str, orm.ProcessNode]:
    """The tasks of the new graph that can take over the finished run of the same task in ``old``.

    :param structure: the new graph's structure.
    :param order: the new graph's tasks in topological order.
    :param parents: the tasks each task depends on.
    :param inputs: the new process's ``tasks`` input namespace (stored nodes).
    :return: ``{task: its finished process in old}``.
    """
    from ..orm.upstream_graph import read_structure, read_task_records

    records = read_task_records(old)  # graphs of this package and of upstream aiida-workgraph 0.9.0
    states, processes = records[TASK_STATE], records[TASK_PROCESS]
    old_structure = read_structure(old)
    old_inputs = old.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested().get('tasks', {})
    reused: dict[str, orm.ProcessNode] = {}
    for name in order:
        if states.get(name) != TaskState.FINISHED or name not in processes:
            continue
        if not all(parent in reused for parent in parents.get(name, ())):
            continue
        old_task = old_structure['tasks'].get(name)
        if old_task is None or not _same_task(old_task, structure['tasks'][name], old_structure, structure, name):
            continue
        if not _same_values(old_inputs.get(name, {}), inputs.get(name, {})):
            continue
        reused[name] = orm.load_node(processes[name])
    return reused


def _same_task(
    old: dict[str, Any], new: dict[str, Any], old_graph: dict[str, Any], graph: dict[str, Any], name: str
) -> bool:
    """Whether a task runs the same thing with the same links and plain inputs in both structures."""
    old_spec, new_spec = old.get('spec') or {}, new.get('spec') or {}
    if _spec_key(old_spec) != _spec_key(new_spec):
        return False
    if _canonical(old.get('plain_inputs')) != _canonical(new.get('plain_inputs')):
        return False
    return _incoming(old_graph, name) == _incoming(graph, name)


def _spec_key(spec: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies the code a task runs: its identifier, kind and callable (by module path or source)."""
    executor = spec.get('executor') or {}
    return (
        spec.get('identifier'),
        spec.get('task_type'),
        executor.get('mode'),
        executor.get('module_path'),
        executor.get('callable_name'),
        executor.get('source_code'),
    )


def _incoming(graph: dict[str, Any], name: str) -> set[tuple[str, str, str]]:
    return {
        (link['from_task'], link['from_socket'], link['to_socket'])
        for link in graph.get('links', [])
        if link['to_task'] == name
    }


def _canonical(value: Any) -> str:
    return json.dumps(value or {}, sort_keys=True, default=repr)


def _same_values(old: Any, new: Any) -> bool:
    """Whether two nested dicts of data nodes hold the same values (the same nodes, or nodes with the same hash)."""
    old_leaves, new_leaves = dict(flatten(as_dict(old))), dict(flatten(as_dict(new)))
    if set(old_leaves) != set(new_leaves):
        return False
    for path, node in new_leaves.items():
        previous = old_leaves[path]
        if node.pk == previous.pk:
            continue
        if node.base.caching.get_hash() != previous.base.caching.get_hash():
            return False
    return True


__all__ = ['RESTART_KEY', 'restart_source', 'reusable_tasks', 'reuse_finished_tasks']

"""What the WorkGraph web GUI (aiida-gui with aiida-gui-workgraph) reads of a WorkGraph process node.

The GUI draws a graph from :func:`workgraph_data_short` (``WorkGraphNode.workgraph_data_short``) and colours its
tasks from :func:`processes_latest` (``aiida_workgraph.utils.get_processes_latest``), which it polls every few
seconds. Both give the shapes upstream aiida-workgraph 0.9.0 gives (observed by running it with the GUI), built from
this package's records: the structure in ``workgraph.json`` and the ``task_states``/``task_processes`` attributes.
A node written by upstream 0.9.0 is read from its own attributes (``workgraph_data`` and the same two records, whose
processes are ``!aiida_node '<uuid>'`` texts there).

The structure of a process never changes once stored, so its short form is made once per node and kept in a small
cache: a poll reads the node's two record attributes and runs one query for the task processes, however many tasks
the graph has.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

from aiida import orm

from ..enums import TASK_PROCESS, TASK_STATE
from .upstream_graph import _NODE_REFERENCE, GRAPH_LEVEL_TASKS, UPSTREAM_GRAPH, is_upstream_node
from .workgraph_node import STRUCTURE_FILENAME

#: The ``item_type`` values of :func:`get_processes_latest`, as the GUI sends them.
ITEM_TYPES = ('task', 'called_process')
#: Where upstream 0.9.0 and this package name a kind of task differently, the name upstream's GUI data gives.
UPSTREAM_NODE_TYPES = {'MAP_ITEM': 'NORMAL', 'GATHER_ITEM': 'NORMAL', 'FUNCTION': 'PYFUNCTION'}
#: The position upstream gives every task (the GUI arranges the graph itself).
DEFAULT_POSITION = [30, 30]
#: How many short structures are kept (one per WorkGraph node, keyed by its UUID).
CACHE_SIZE = 64

_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def _graph_dict(node: orm.ProcessNode) -> dict[str, Any]:
    """The graph dict of a node: ``workgraph.json`` (this package) or the ``workgraph_data`` attribute (upstream).

    :raises ValueError: naming the node, if it holds neither.
    """
    if is_upstream_node(node):
        graph = node.base.attributes.get(UPSTREAM_GRAPH)
    elif STRUCTURE_FILENAME in node.base.repository.list_object_names():
        graph = node.get_structure()
    else:
        graph = None
    if not isinstance(graph, dict) or not isinstance(graph.get('tasks'), dict):
        raise ValueError(
            f'WorkGraph<{node.pk}> holds no graph structure: neither `{STRUCTURE_FILENAME}` in its repository nor '
            f'the `{UPSTREAM_GRAPH}` attribute of aiida-workgraph 0.9.0'
        )
    return graph


def _node_type(task: dict[str, Any]) -> str:
    """The GUI's ``node_type`` of a task: its task type in upper case, in upstream's names."""
    spec = task.get('spec') or {}
    metadata = task.get('metadata') or {}
    task_type = str(spec.get('task_type') or metadata.get('node_type') or 'Normal').upper()
    return UPSTREAM_NODE_TYPES.get(task_type, task_type)


def _unique(names: list[str]) -> list[dict[str, str]]:
    """``[{'name': name}, ...]`` for each name once, in order."""
    return [{'name': name} for name in dict.fromkeys(names)]


def short_structure(node: orm.ProcessNode) -> dict[str, Any]:
    """Return the short graph of a WorkGraph node without its state (made once per node, then cached).

    ``nodes`` maps each task name to ``identifier``, ``label`` (the name), ``node_type``, ``inputs`` and ``outputs``
    (``[{'name': socket}]``: the sockets that links use), ``properties`` (``{}``), ``position`` and ``children`` (the
    tasks directly inside a zone); the graph's own ``graph_inputs``/``graph_outputs``/``graph_ctx`` are listed when
    a link uses them. ``links`` holds ``from_node``, ``to_node``, ``from_socket``, ``to_socket``. ``task_names`` (not
    part of the GUI's data) lists every task of the structure, in order.
    """
    with _cache_lock:
        if node.uuid in _cache:
            _cache.move_to_end(node.uuid)
            return _cache[node.uuid]
    graph = _graph_dict(node)
    links = [
        {
            'from_node': link['from_task'],
            'to_node': link['to_task'],
            'from_socket': link['from_socket'],
            'to_socket': link['to_socket'],
        }
        for link in graph.get('links', [])
        if isinstance(link, dict) and {'from_task', 'to_task', 'from_socket', 'to_socket'} <= link.keys()
    ]
    inputs: dict[str, list[str]] = {}
    outputs: dict[str, list[str]] = {}
    for link in links:
        outputs.setdefault(link['from_node'], []).append(link['from_socket'])
        inputs.setdefault(link['to_node'], []).append(link['to_socket'])
    nodes = {}
    for name, task in graph['tasks'].items():
        if name in GRAPH_LEVEL_TASKS and name not in inputs and name not in outputs:
            continue
        nodes[name] = {
            'identifier': task.get('identifier', name),
            'label': name,
            'node_type': _node_type(task),
            'inputs': _unique(inputs.get(name, [])),
            'properties': {},
            'outputs': _unique(outputs.get(name, [])),
            'position': list(task.get('position') or DEFAULT_POSITION),
            'children': [child for child in task.get('children') or [] if child in graph['tasks']],
        }
    short = {
        'name': graph.get('name', node.label),
        'uuid': graph.get('uuid', ''),
        'nodes': nodes,
        'links': links,
        'task_names': list(graph['tasks']),
    }
    with _cache_lock:
        _cache[node.uuid] = short
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return short


def _process_state(node: orm.ProcessNode) -> str:
    """The process state of ``node`` in upper case (``CREATED`` if it has none yet)."""
    state = node.process_state
    return state.value.upper() if state is not None else 'CREATED'


def workgraph_data_short(node: orm.ProcessNode) -> dict[str, Any]:
    """Return the short JSON of the graph of a WorkGraph node, as the GUI draws it.

    Keys: ``name``, ``uuid`` (of the graph), ``state`` (the process state, upper case), ``nodes`` and ``links`` (see
    :func:`short_structure`). A new dict on each call, which the caller may change.
    """
    short = short_structure(node)
    return {
        'name': short['name'],
        'uuid': short['uuid'],
        'state': _process_state(node),
        'nodes': copy.deepcopy(short['nodes']),
        'links': copy.deepcopy(short['links']),
    }


def _task_process_ids(node: orm.ProcessNode, processes: dict[str, Any]) -> dict[str, int]:
    """``{task: pk}`` of the task processes recorded on ``node`` (pks here, ``!aiida_node`` UUID texts upstream)."""
    pks = {name: value for name, value in processes.items() if isinstance(value, int)}
    uuids = {}
    for name, value in processes.items():
        match = _NODE_REFERENCE.match(value) if isinstance(value, str) else None
        if match:
            uuids[name] = match.group(1)
    if uuids:
        query = orm.QueryBuilder().append(
            orm.ProcessNode, filters={'uuid': {'in': sorted(set(uuids.values()))}}, project=['uuid', 'id']
        )
        found = dict(query.all())
        pks.update({name: found[uuid] for name, uuid in uuids.items() if uuid in found})
    return pks


def _graph_level_state(name: str, process_state: str) -> str:
    """The state upstream shows for the graph's own tasks: inputs and ctx from the start, outputs at the end."""
    if process_state == 'CREATED':
        return 'PLANNED'
    if name == 'graph_outputs':
        return 'FINISHED' if process_state in ('FINISHED', 'EXCEPTED', 'KILLED') else 'PLANNED'
    return 'FINISHED'


def _process_rows(pks: list[int]) -> dict[int, dict[str, Any]]:
    """``{pk: {'process_type', 'ctime', 'mtime'}}`` of the given processes, read with one query."""
    if not pks:
        return {}
    query = orm.QueryBuilder().append(
        orm.ProcessNode, filters={'id': {'in': sorted(set(pks))}}, project=['id', 'process_type', 'ctime', 'mtime']
    )
    return {
        pk: {'process_type': ptype or '', 'ctime': ctime, 'mtime': mtime} for pk, ptype, ctime, mtime in query.all()
    }


def task_processes_latest(node: orm.ProcessNode, task_name: str | None = None) -> dict[str, dict[str, Any]]:
    """Return ``{task: {'pk', 'process_type', 'state', 'ctime', 'mtime'}}`` for the tasks of a WorkGraph node.

    Every task of the structure is listed, then the task instances the records hold beyond it (the per-item tasks of
    a ``Map``, ``<key>_<task>``). ``state`` is the task state (``PLANNED`` for a task not reached yet); ``pk``,
    ``process_type``, ``ctime`` and ``mtime`` are those of the task's latest process (``None``, ``''``, ``None``,
    ``None`` if it has none).

    :param task_name: give only this task.
    :raises KeyError: if ``task_name`` is not a task of the graph.
    """
    attributes = node.base.attributes
    states = attributes.get(TASK_STATE, None) or {}
    processes = attributes.get(TASK_PROCESS, None) or {}
    names = list(dict.fromkeys([*short_structure(node)['task_names'], *states]))
    if task_name is not None:
        if task_name not in names:
            raise KeyError(task_name)
        names = [task_name]
        processes = {task_name: processes[task_name]} if task_name in processes else {}
    pks = _task_process_ids(node, processes)
    rows = _process_rows(list(pks.values()))
    process_state = _process_state(node)
    result = {}
    for name in names:
        state = states.get(name)
        if state is None:
            state = _graph_level_state(name, process_state) if name in GRAPH_LEVEL_TASKS else 'PLANNED'
        pk = pks.get(name)
        row = rows.get(pk, {}) if pk is not None else {}
        result[name] = {
            'pk': pk if row else None,
            'process_type': row.get('process_type', ''),
            'state': str(state),
            'ctime': row.get('ctime'),
            'mtime': row.get('mtime'),
        }
    return result


def called_processes_latest(node: orm.ProcessNode) -> dict[str, dict[str, Any]]:
    """Return ``{'<link label>-<pk>': {'pk', 'process_type', 'state', 'ctime', 'mtime'}}`` of every process the node
    called (``state``: the process state, lower case), read with one query."""
    query = orm.QueryBuilder()
    query.append(orm.ProcessNode, filters={'id': node.pk}, tag='parent')
    query.append(
        orm.ProcessNode,
        with_incoming='parent',
        tag='child',
        edge_project=['label'],
        project=['id', 'process_type', 'attributes.process_state', 'ctime', 'mtime'],
    )
    query.order_by({'child': {'id': 'asc'}})
    result = {}
    for pk, ptype, state, ctime, mtime, label in query.all():  # the edge's projection comes after the node's
        result[f'{label}-{pk}'] = {
            'pk': pk,
            'process_type': ptype or '',
            'state': state,
            'ctime': ctime,
            'mtime': mtime,
        }
    return result


def get_processes_latest(
    pk: int | str | orm.ProcessNode, task_name: str | None = None, item_type: str = 'task'
) -> dict[str, dict[str, Any]]:
    """Return the latest state and process of each task (``item_type='task'``) or of each called process.

    :param pk: the WorkGraph process (pk, UUID or node).
    :param task_name: with ``item_type='task'``, give only this task.
    :param item_type: ``'task'`` (:func:`task_processes_latest`) or ``'called_process'``
        (:func:`called_processes_latest`).
    :raises KeyError: if ``task_name`` is not a task of the graph.
    :raises ValueError: if ``item_type`` is neither.
    """
    if item_type not in ITEM_TYPES:
        raise ValueError(f'item_type must be one of {ITEM_TYPES}, not {item_type!r}')
    node = pk if isinstance(pk, orm.Node) else orm.load_node(pk)
    if item_type == 'called_process':
        return called_processes_latest(node)
    return task_processes_latest(node, task_name)


__all__ = [
    'called_processes_latest',
    'get_processes_latest',
    'short_structure',
    'task_processes_latest',
    'workgraph_data_short',
]

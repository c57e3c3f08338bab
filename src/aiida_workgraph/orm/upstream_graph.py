"""WorkGraph process nodes written by upstream aiida-workgraph 0.9.0: read them, and hold the unfinished ones.

Upstream 0.9.0 keeps a graph on its process node differently from this package: no ``workgraph.json`` in the
repository, but the attributes ``workgraph_data`` (the node-graph dict of the graph, each task's spec naming the
upstream task class), ``task_states``, ``task_processes`` (YAML texts ``!aiida_node '<uuid>'``) and ``task_inputs``
(a YAML text of the input values, nodes as ``!aiida_node`` references). Task values are input links named
``tasks__<task>__<input>``, as here. Its checkpoints hold upstream's own runtime state, which this package's engine
cannot continue.

:func:`read_structure` and :func:`read_task_records` give the structure and the task records of either kind of
node in this package's format, so :meth:`WorkGraph.load <aiida_workgraph.WorkGraph.load>`, ``update()`` and
``workgraph task list`` read both. :func:`hold_checkpoint` is what the node's ``checkpoint`` property returns for
an upstream checkpoint: a bundle that a daemon worker loads as an :class:`UpstreamWorkGraphHold`, a process that
leaves the node and its checkpoint as they are, reports one line and waits (see ``docs/switching.md``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import yaml
from aiida import orm
from aiida.engine import Process

from ..enums import TASK_ERROR, TASK_PROCESS, TASK_RESULT, TASK_STATE
from .workgraph_node import STRUCTURE_FILENAME

#: The attribute in which upstream 0.9.0 keeps the graph; this package never writes it.
UPSTREAM_GRAPH = 'workgraph_data'
UPSTREAM_TASK_INPUTS = 'task_inputs'
#: Tasks of every graph that are the graph's own inputs, outputs and context, not tasks that run.
GRAPH_LEVEL_TASKS = ('graph_inputs', 'graph_outputs', 'graph_ctx')
#: Keys of an upstream task dict that this package's graph dicts hold too.
TASK_KEYS = ('identifier', 'uuid', 'name', 'description', 'position', 'properties', 'input_socket_meta')
HOLD_STATUS = 'Made by aiida-workgraph 0.9.0: not continued by this package (see `verdi process report`)'
HOLD_REPORT = (
    'This WorkGraph was made by aiida-workgraph {version}, whose checkpoints this package cannot continue: it is '
    'left as it is (node and checkpoint untouched) and waits. Either finish it with aiida-workgraph {version} (stop '
    'this daemon, reinstall it, start the daemon), or kill it (`verdi process kill {pk}`) and continue its work as a '
    'new process with `WorkGraph.load({pk}).restart()`, which reuses the results of its finished tasks.'
)
_NODE_REFERENCE = re.compile(r"^!aiida_node '([0-9a-fA-F-]+)'")
LOGGER = logging.getLogger(__name__)


class UpstreamGraphError(ValueError):
    """A part of a WorkGraph process node cannot be read; the message names the node and what is missing."""


def is_upstream_node(node: orm.ProcessNode) -> bool:
    """Whether ``node`` is a WorkGraph process node written by upstream aiida-workgraph 0.9.0."""
    return UPSTREAM_GRAPH in node.base.attributes.keys()


def upstream_version(node: orm.ProcessNode) -> str:
    """The upstream aiida-workgraph version that wrote ``node`` (``'0.9.0'`` if it did not record one)."""
    version = node.base.attributes.get('version', None)
    return version.get('plugin', '0.9.0') if isinstance(version, dict) else '0.9.0'


def read_structure(node: orm.ProcessNode) -> dict[str, Any]:
    """Return the graph structure of a WorkGraph process node, in this package's format.

    For a node of this package it is ``workgraph.json``; for a node of upstream 0.9.0 it is made from upstream's
    attributes by :func:`upstream_structure`.

    :raises UpstreamGraphError: naming the node, if it holds neither.
    """
    if STRUCTURE_FILENAME in node.base.repository.list_object_names():
        return node.get_structure()
    if is_upstream_node(node):
        return upstream_structure(node)
    raise UpstreamGraphError(
        f'WorkGraph<{node.pk}> holds no graph structure: neither `{STRUCTURE_FILENAME}` in its repository (written '
        f'by this package) nor the `{UPSTREAM_GRAPH}` attribute (written by aiida-workgraph 0.9.0)'
    )


def read_task_records(node: orm.ProcessNode) -> dict[str, dict[str, Any]]:
    """Return the task records of a WorkGraph process node by record name (``task_states``, ...), in this format.

    For an upstream node (:func:`upstream_task_records`) the graph-level tasks are left out, task processes become
    pks, results are empty (upstream tasks' results are the outputs of their processes) and the errors are read from
    the processes of failed tasks. Any other process node (one set as ``wg.process`` by hand) has no task records:
    each is empty.
    """
    from .workgraph_node import WorkGraphNode

    if is_upstream_node(node):
        return upstream_task_records(node)
    if not isinstance(node, WorkGraphNode):
        return {record: {} for record in (TASK_STATE, TASK_PROCESS, TASK_RESULT, TASK_ERROR)}
    return {record: node.task_record(record) for record in (TASK_STATE, TASK_PROCESS, TASK_RESULT, TASK_ERROR)}


def upstream_task_records(node: orm.ProcessNode) -> dict[str, dict[str, Any]]:
    """Return the task records of an upstream node in this package's format (see :func:`read_task_records`)."""
    attributes = node.base.attributes
    states = {name: state for name, state in attributes.get(TASK_STATE, {}).items() if name not in GRAPH_LEVEL_TASKS}
    uuids = {}
    for name, text in attributes.get(TASK_PROCESS, {}).items():
        match = _NODE_REFERENCE.match(text) if isinstance(text, str) else None
        if match and name not in GRAPH_LEVEL_TASKS:
            uuids[name] = match.group(1)
    found = dict(
        orm.QueryBuilder()
        .append(orm.ProcessNode, filters={'uuid': {'in': sorted(set(uuids.values()))}}, project=['uuid', 'id'])
        .all()
    )
    processes = {name: found[uuid] for name, uuid in uuids.items() if uuid in found}
    errors = {}
    for name, state in states.items():
        if state == 'FAILED' and name in processes:
            errors[name] = _process_error(orm.load_node(processes[name]))
    return {TASK_STATE: states, TASK_PROCESS: processes, TASK_RESULT: {}, TASK_ERROR: errors}


def _process_error(process: orm.ProcessNode) -> str:
    """Why a task's process did not finish well: its exit status and message, or its exception."""
    if process.is_excepted:
        return f'{process.process_label}<{process.pk}> excepted: {process.exception}'
    return (
        f'{process.process_label}<{process.pk}> failed with exit status {process.exit_status}: {process.exit_message}'
    )


def upstream_structure(node: orm.ProcessNode) -> dict[str, Any]:
    """Return the structure of an upstream node in this package's format, for ``WorkGraph.from_dict``.

    Each task gets the spec this package makes for its callable (imported by the module path upstream stored, so a
    graph made of importable functions and process classes can be run again). A task whose callable cannot be
    imported, or whose kind this package does not run, gets a stand-in spec with untyped sockets named after its
    links and inputs; the reason is logged and kept in the spec's metadata (``upstream_unreadable``). Plain input
    values (``metadata``, options...) come from upstream's ``task_inputs`` as ``plain_inputs``; input nodes are the
    node's input links, read by ``WorkGraph.load``.

    :raises UpstreamGraphError: naming the node and the part, if the graph or its inputs cannot be read.
    """
    graph = node.base.attributes.get(UPSTREAM_GRAPH)
    if not isinstance(graph, dict) or not isinstance(graph.get('tasks'), dict) or 'name' not in graph:
        raise UpstreamGraphError(
            f'WorkGraph<{node.pk}> (aiida-workgraph {upstream_version(node)}): its `{UPSTREAM_GRAPH}` attribute is '
            'not a graph (it has no tasks or no name)'
        )
    links = [link for link in graph.get('links', []) if isinstance(link, dict)]
    plain_inputs = _plain_inputs(node)
    input_names = _input_link_names(node)
    tasks: dict[str, Any] = {}
    for name, data in graph['tasks'].items():
        if name in GRAPH_LEVEL_TASKS:
            tasks[name] = {'name': name, 'identifier': name}
            continue
        task = {key: data[key] for key in TASK_KEYS if key in data}
        task['spec'] = _task_spec(node, name, data.get('spec') or {}, links, input_names.get(name, set()))
        task['identifier'] = task['spec']['identifier']
        if plain_inputs.get(name):
            task['plain_inputs'] = plain_inputs[name]
        tasks[name] = task
    return {
        'platform_version': graph.get('platform_version', f'aiida_workgraph@{upstream_version(node)}'),
        'uuid': graph.get('uuid'),
        'name': graph['name'],
        'description': graph.get('description', ''),
        'metadata': {'graph_type': (graph.get('metadata') or {}).get('graph_type', 'NORMAL')},
        'spec': graph.get('spec', {}),
        'tasks': tasks,
        'links': links,
    }


def _task_spec(
    node: orm.ProcessNode, name: str, spec: dict[str, Any], links: list[dict[str, Any]], input_names: set[str]
) -> dict[str, Any]:
    """This package's spec dict for an upstream task, or a stand-in spec if its callable cannot be used here."""
    from node_graph.executor import SafeExecutor
    from node_graph.task_spec import BaseHandle

    from ..authoring.decorator import build_handle
    from ..tasks.kinds import get_kind

    task_type = str(spec.get('task_type', ''))
    executor = spec.get('executor') or {}
    try:
        if executor.get('mode') != 'module':
            raise ValueError(f'its callable is stored as {executor.get("mode")!r}, not as a module path')
        get_kind(task_type)
        obj = SafeExecutor(**executor).callable
        if isinstance(obj, BaseHandle) and obj._spec.task_type == task_type.upper():
            return obj._spec.to_dict()
        obj = obj._callable if isinstance(obj, BaseHandle) else obj
        return build_handle(obj, kind=task_type)._spec.to_dict()
    except Exception as exception:  # noqa: BLE001 - any failure gives the stand-in spec, with the reason
        where = f'{executor.get("module_path")}.{executor.get("callable_name")}' if executor else 'no callable'
        reason = f'{task_type or "untyped"} task ({where}): {type(exception).__name__}: {exception}'
    LOGGER.warning(
        'WorkGraph<%s> (aiida-workgraph 0.9.0): task %s is shown with untyped sockets: %s', node.pk, name, reason
    )
    outputs = {link['from_socket'] for link in links if link.get('from_task') == name}
    inputs = input_names | {link['to_socket'] for link in links if link.get('to_task') == name}
    return {
        'schema_source': 'embedded',
        'identifier': str(spec.get('identifier', name)),
        'task_type': task_type,
        'catalog': 'Others',
        'metadata': {'upstream_unreadable': reason},
        'base_class_path': 'aiida_workgraph.authoring.task.Task',
        'inputs': _namespace(inputs),
        'outputs': _namespace(outputs),
    }


def _namespace(names: set[str]) -> dict[str, Any]:
    """A dynamic namespace socket spec dict with an untyped socket per (top-level) name."""
    top = sorted({name.split('.')[0] for name in names if name and not name.startswith('_')})
    fields = {name: {'identifier': 'workgraph.any', 'meta': {'required': False}} for name in top}
    return {'identifier': 'workgraph.namespace', 'dynamic': True, 'fields': fields}


def _input_link_names(node: orm.ProcessNode) -> dict[str, set[str]]:
    """The input names of each task that has input links (``tasks__<task>__<input>``)."""
    names: dict[str, set[str]] = {}
    for label in node.base.links.get_incoming().all_link_labels():
        parts = label.split('__')
        if len(parts) >= 3 and parts[0] == 'tasks':
            names.setdefault(parts[1], set()).add(parts[2])
    return names


class _NodeReference:
    """An ``!aiida_node`` reference of upstream's ``task_inputs``: the value is an input link, not a plain value."""


class _Unreadable:
    """A value of upstream's ``task_inputs`` under a tag that only upstream could construct; it is not loaded."""

    def __init__(self, tag: str) -> None:
        self.tag = tag


class _InputsLoader(yaml.SafeLoader):
    """Reads upstream's ``task_inputs`` text without constructing anything but plain values."""


_InputsLoader.add_constructor('!aiida_node', lambda loader, node: _NodeReference())
_InputsLoader.add_multi_constructor('', lambda loader, tag, node: _Unreadable(tag))


def _plain_inputs(node: orm.ProcessNode) -> dict[str, dict[str, Any]]:
    """The plain input values (no node references) of each task, from upstream's ``task_inputs``.

    A value under a tag that only upstream could construct is left out, and a warning names the node, its path and
    its tag.

    :raises UpstreamGraphError: naming the node, if ``task_inputs`` is not readable YAML.
    """
    text = node.base.attributes.get(UPSTREAM_TASK_INPUTS, None)
    if not text:
        return {}
    try:
        values = yaml.load(text, Loader=_InputsLoader)  # noqa: S506 - a SafeLoader that constructs plain values only
    except yaml.YAMLError as exception:
        raise UpstreamGraphError(
            f'WorkGraph<{node.pk}> (aiida-workgraph {upstream_version(node)}): its `{UPSTREAM_TASK_INPUTS}` '
            f'attribute cannot be read: {exception}'
        ) from exception
    if not isinstance(values, dict):
        return {}
    unreadable: list[tuple[str, str]] = []
    plain = {name: kept for name, tree in values.items() if (kept := _plain_values(tree, name, unreadable))}
    for path, tag in unreadable:
        LOGGER.warning(
            'WorkGraph<%s> (aiida-workgraph 0.9.0): the input %s is left out: its tag %s is not a plain value',
            node.pk,
            path,
            tag,
        )
    return plain


def _plain_values(tree: Any, path: str, unreadable: list[tuple[str, str]]) -> Any:
    """Return ``tree`` without node references, unreadable values and the namespaces their removal left empty.

    The path and tag of each unreadable value are added to ``unreadable``.
    """
    if isinstance(tree, dict):
        kept = {key: _plain_values(value, f'{path}.{key}', unreadable) for key, value in tree.items()}
        return {key: value for key, value in kept.items() if value is not None and value != {}}
    if isinstance(tree, _Unreadable):
        unreadable.append((path, tree.tag))
        return None
    return None if isinstance(tree, _NodeReference) else tree


def hold_checkpoint(node: orm.ProcessNode) -> str:
    """Return the bundle a daemon worker loads instead of the upstream checkpoint of ``node``.

    It names :class:`UpstreamWorkGraphHold` and holds nothing of upstream's state: the process it loads as waits
    without awaiting anything, never writes a checkpoint and leaves the stored one as it is.
    """
    from aiida.orm.utils.serialize import serialize
    from plumpy.persistence import Bundle
    from plumpy.process_listener import ProcessListener

    state = {
        '!!meta': {
            'class_name': f'{UpstreamWorkGraphHold.__module__}:{UpstreamWorkGraphHold.__qualname__}',
            'types': {'_future': 'S', '_event_helper': 'S'},
            'user': {'object_loader': 'aiida.engine.persistence:ObjectLoader'},
        },
        '_state': {
            '!!meta': {'class_name': 'plumpy.process_states:Waiting'},
            'in_state': True,
            'msg': HOLD_STATUS,
            'data': None,
        },
        '_future': {'!!meta': {'class_name': 'plumpy.persistence:SavableFuture'}, '_state': 'PENDING', '_result': None},
        '_event_helper': {
            '!!meta': {'class_name': 'plumpy.event_helper:EventHelper'},
            '_listener_type': ProcessListener,
            '_listeners': set(),
        },
        '_pid': node.pk,
        Process.SaveKeys.CALC_ID.value: node.pk,
        '_creation_time': node.ctime.timestamp(),
        '_paused': None,
        '_status': None,
        '_pre_paused_status': None,
        '_parent_pid': None,
        '_enable_persistence': False,
    }
    bundle = Bundle.__new__(Bundle)
    bundle.update(state)
    return serialize(bundle)


class UpstreamWorkGraphHold(Process):
    """What a daemon worker of this package loads for a WorkGraph that upstream aiida-workgraph left unfinished.

    It leaves the node and its checkpoint as they are, sets the process status, reports one line (once) that says
    why and what to do, and waits: it awaits nothing and writes no checkpoint. The worker keeps the broker's task of
    the process, so a daemon of upstream aiida-workgraph gets it again once this daemon is stopped. A kill
    (``verdi process kill``) ends it as killed.
    """

    _node_class = orm.WorkflowNode

    def load_instance_state(self, saved_state: Any, load_context: Any) -> None:
        """Load the stand-in state; the inputs are the defaults of the spec (``metadata``), none of upstream's."""
        super().load_instance_state(saved_state, load_context)
        self._parsed_inputs = self.spec().inputs.pre_process({})

    def init(self) -> None:
        """Once loaded (and its logger set), set the status and report, once, why the process waits."""
        super().init()
        node = self.node
        message = HOLD_REPORT.format(version=upstream_version(node), pk=node.pk)
        if all(not log.message.endswith(message) for log in orm.Log.collection.get_logs_for(node)):
            self.report(message)
        node.set_process_status(HOLD_STATUS)

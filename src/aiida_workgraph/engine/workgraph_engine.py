"""The ``WorkGraphEngine`` process: runs a WorkGraph's tasks as their inputs become ready."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from aiida import orm
from aiida.common.links import LinkType
from aiida.engine import WorkChain, while_
from aiida.orm.entities import EntityTypes
from plumpy.process_states import ProcessState
from plumpy.processes import BundleKeys
from plumpy.utils import AttributesFrozendict

from ..orm.transaction import atomic
from ..orm.workgraph_node import (
    STRUCTURE_FILENAME,
    TASK_ERROR,
    TASK_PROCESS,
    TASK_RESULT,
    TASK_STATE,
    WorkGraphNode,
)
from ..serialization.checkpoint import CheckpointError, validate_runtime_state
from ..tasks import task_types
from ..tasks.pythonjob import pythonjob_inputs
from .engine_inputs import LAUNCH_RUN, prepare_engine_inputs
from .graph_plan import GRAPH_CTX, GRAPH_INPUTS, OUTPUT_SOCKET_NAME, GraphPlan, Link, TaskPlan
from .task_runner import (
    TaskFailure,
    process_failure,
    process_outputs,
    run_function,
    run_process_function,
    store_all,
)

PLANNED = 'PLANNED'
RUNNING = 'RUNNING'
FINISHED = 'FINISHED'
FAILED = 'FAILED'
SKIPPED = 'SKIPPED'
CHILD_KEY = 'child__'
CHECKPOINT_FORMAT = 1
CHECKPOINT_FORMAT_KEY = 'workgraph_checkpoint_format'


def get_nested(tree: Any, path: str) -> Any:
    """Return the value at a dotted ``path`` of a nested mapping, or ``None`` if it is absent."""
    for key in path.split('.'):
        if not hasattr(tree, 'get'):
            return None
        tree = tree.get(key)
        if tree is None:
            return None
    return tree


def set_nested(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of a nested dict, creating namespaces on the way."""
    *parents, last = path.split('.')
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[last] = value


def merge_nested(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into ``base`` recursively and return ``base``."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_nested(base[key], value)
        else:
            base[key] = value
    return base


def as_dict(tree: Any) -> Any:
    """Return a mutable nested copy of a (frozen) mapping; leaves are kept as they are."""
    if hasattr(tree, 'items') and not isinstance(tree, orm.Node):
        return {key: as_dict(value) for key, value in tree.items()}
    return tree


class WorkGraphEngine(WorkChain):
    """The AiiDA process that runs a WorkGraph.

    Its inputs are ``graph_inputs`` (the graph's inputs), ``tasks`` (``tasks.<task>.<port>``: the values set on
    task inputs) and ``workgraph_data`` (``structure``: the graph without values; ``ctx``: the initial context).
    The constructor walks these inputs once, converting values to AiiDA data, and raises
    :class:`~aiida_workgraph.serialization.WorkGraphSerializationError` listing every value that cannot be kept,
    before anything is stored. The structure is stored once, in the process node's repository; checkpoints hold
    only the runtime state (task states, result references, ctx) and the inputs are rebuilt from the node's input
    links when a checkpoint is loaded.

    A task runs when every task it depends on has finished. Plain functions run in the engine's process, AiiDA
    processes run as its children. A failed task skips the tasks that depend on it; the process then finishes with
    exit status 302.
    """

    _node_class = WorkGraphNode

    @classmethod
    def define(cls, spec: Any) -> None:
        """Define the input namespaces, the outline and the exit codes."""
        super().define(spec)
        spec.input_namespace('graph_inputs', dynamic=True, required=False, valid_type=orm.Data)
        spec.input_namespace('tasks', dynamic=True, required=False, valid_type=orm.Data)
        spec.input_namespace('workgraph_data', required=True)
        spec.input('workgraph_data.structure', valid_type=dict, non_db=True)
        spec.input_namespace('workgraph_data.ctx', dynamic=True, required=False, valid_type=orm.Data)
        spec.outputs.dynamic = True
        spec.outline(cls.setup, while_(cls.has_pending_work)(cls.advance), cls.finalize)
        spec.exit_code(302, 'TASK_FAILED', message='Tasks failed: {tasks}.')

    def __init__(self, inputs: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        """Walk the raw inputs once, then create the process.

        :raises WorkGraphSerializationError: listing every value that cannot be kept; nothing is stored.
        """
        self.walk_result = None
        if inputs is not None:
            inputs, self.walk_result = prepare_engine_inputs(inputs)
        super().__init__(inputs, *args, **kwargs)
        self._plan: GraphPlan | None = None

    @property
    def structure(self) -> dict[str, Any]:
        """The graph structure (without values) this process runs."""
        return self.inputs.workgraph_data.structure

    @property
    def plan(self) -> GraphPlan:
        """Tasks, links and dependencies of the graph, built once per interpreter."""
        if getattr(self, '_plan', None) is None:
            self._plan = GraphPlan(self.structure)
        return self._plan

    def _create_and_setup_db_record(self) -> Any:
        """Store the process node, then its inputs and input links."""
        pid = super()._create_and_setup_db_record()
        if self.metadata.store_provenance:
            self._link_inputs()
        return pid

    def _setup_db_record(self) -> None:
        super()._setup_db_record()
        content = json.dumps(self.structure, default=repr).encode('utf-8')
        self.node.base.repository.put_object_from_bytes(content, STRUCTURE_FILENAME)

    def _setup_inputs(self) -> None:
        """Input links are added by :meth:`_link_inputs` once the process node is stored."""

    def _link_inputs(self) -> None:
        """Store the input nodes and link them to the (stored) process node, in one transaction.

        aiida-core checks every new input link of an unstored node against all links cached before it (quadratic in
        the number of inputs) and commits each node and link on its own. Here the labels are unique by construction
        (the flattened namespace) and the process node is new, so no link can duplicate another or close a cycle:
        the nodes are stored and the links inserted in bulk, all or none.
        """
        storage = self.node.backend
        inputs = [(label, data) for label, data in self._flat_inputs().items() if data is not None]
        with atomic(storage):
            for _, data in inputs:
                if not data.is_stored:
                    data.store()
            rows = [
                {'input_id': data.pk, 'output_id': self.node.pk, 'label': label, 'type': LinkType.INPUT_WORK.value}
                for label, data in inputs
            ]
            storage.bulk_insert(EntityTypes.LINK, rows)

    def save_instance_state(self, out_state: Any, save_context: Any) -> None:
        """Save the runtime state only, after checking that it can be checkpointed.

        The inputs are already linked to the node (and the structure is in its repository), so they are not
        written again.

        :raises CheckpointError: naming the path and type of every value of the state that cannot be checkpointed.
        """
        validate_runtime_state(self.ctx, f'WorkGraph<{self.node.pk}>')
        raw_inputs, parsed_inputs = self._raw_inputs, self._parsed_inputs
        self._raw_inputs = None
        self._parsed_inputs = AttributesFrozendict({'metadata': self.inputs.metadata})
        try:
            super().save_instance_state(out_state, save_context)
        finally:
            self._raw_inputs, self._parsed_inputs = raw_inputs, parsed_inputs
        out_state.pop(BundleKeys.INPUTS_PARSED, None)
        out_state[CHECKPOINT_FORMAT_KEY] = CHECKPOINT_FORMAT

    def _save_checkpoint(self) -> None:
        """Save a checkpoint; unlike aiida-core's default, a checkpoint that cannot be saved stops the process."""
        if self._enable_persistence and not self._state.is_terminal():
            self.runner.persister.save_checkpoint(self)

    def load_instance_state(self, saved_state: Any, load_context: Any) -> None:
        """Load the runtime state and rebuild the inputs from the node's input links and stored structure.

        :raises CheckpointError: if the checkpoint was written by an unknown format version, or cannot be loaded
            (naming the process and the cause).
        """
        version = saved_state.get(CHECKPOINT_FORMAT_KEY)
        if version != CHECKPOINT_FORMAT:
            raise CheckpointError(
                f'WorkGraph<{saved_state.get(self.SaveKeys.CALC_ID.value)}>: checkpoint format {version!r} is not '
                f'supported: this aiida-workgraph reads format {CHECKPOINT_FORMAT}; '
                'continue it with the release that wrote it'
            )
        try:
            super().load_instance_state(saved_state, load_context)
            inputs = self._inputs_from_node()
        except Exception as exception:
            raise CheckpointError(
                f'WorkGraph<{saved_state.get(self.SaveKeys.CALC_ID.value)}>: the checkpoint cannot be loaded: '
                f'{type(exception).__name__}: {exception}'
            ) from exception
        self._plan = None
        self.walk_result = None
        self._raw_inputs = AttributesFrozendict(inputs)
        # Pre-processed like at creation: nested namespaces readable as attributes (``self.inputs.workgraph_data``,
        # ``self.metadata.store_provenance``) and port defaults filled in.
        self._parsed_inputs = self.spec().inputs.pre_process(as_dict(inputs))

    def _inputs_from_node(self) -> dict[str, Any]:
        """Rebuild the process inputs from the input links and the structure stored on the node."""
        inputs = self.node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested()
        inputs['workgraph_data'] = {**inputs.get('workgraph_data', {}), 'structure': self.node.get_structure()}
        inputs['metadata'] = self.node.get_metadata_inputs() or {}
        return inputs

    # region outline

    def setup(self) -> None:
        """Initialise the runtime state: task states, results and the graph context."""
        self.ctx._states = {}
        self.ctx._results = {}
        self.ctx._children = {}
        self.ctx._graph_ctx = as_dict(self.inputs.workgraph_data.get('ctx', {}))

    def has_pending_work(self) -> bool:
        """Whether a task is running or ready to run."""
        states = self.ctx._states
        if any(state == RUNNING for state in states.values()):
            return True
        return any(self._is_ready(name) for name in self.plan.order)

    def advance(self) -> None:
        """Collect finished children, then launch every task whose inputs are ready."""
        changes: dict[tuple[str, str], Any] = {}
        self._unstored_results: dict[str, Any] = {}
        for name in [name for name, state in self.ctx._states.items() if state == RUNNING]:
            node = self.ctx.get(f'{CHILD_KEY}{name}')
            if isinstance(node, orm.ProcessNode):  # resolved; until then the key holds the awaitable
                del self.ctx[f'{CHILD_KEY}{name}']
                del self.ctx._children[name]
                self._child_finished(name, node, changes)
        for name in self.plan.order:
            if self._is_ready(name):
                self._launch(self.plan.tasks[name], changes)
        for name, pk in self.ctx._children.items():
            self.to_context(**{f'{CHILD_KEY}{name}': orm.load_node(pk)})
        with atomic(self.node.backend):
            for name, results in self._unstored_results.items():
                self.ctx._results[name] = changes[(TASK_RESULT, name)] = _pks(store_all(results))
            if changes:
                self.node.update_task_records(changes)

    def finalize(self) -> Any:
        """Expose the graph outputs and return exit status 302 if any task failed."""
        for link in self.plan.graph_output_links:
            value = self._socket_value(link.from_task, link.from_socket)
            if value is not None:
                self.out(link.to_socket, value)
        failed = sorted(name for name, state in self.ctx._states.items() if state == FAILED)
        if failed:
            return self.exit_codes.TASK_FAILED.format(tasks=', '.join(failed))
        return None

    # endregion

    def _on_awaitable_finished(self, awaitable: Any) -> None:
        """Go on as soon as one child process finished, instead of waiting for every child still running.

        Each step awaits every running child anew; a callback of an awaitable that a later step replaced finds it
        gone and does nothing, as the child's awaitable of the current step is resolved by its own callback.
        """
        if awaitable not in self._awaitables:
            return
        super()._on_awaitable_finished(awaitable)
        if self.state == ProcessState.WAITING and self._awaitables:
            self.resume()

    def _task_state(self, name: str) -> str:
        return self.ctx._states.get(name, PLANNED)

    def _is_ready(self, name: str) -> bool:
        if self._task_state(name) != PLANNED:
            return False
        return all(self._task_state(parent) == FINISHED for parent in self.plan.parents[name])

    def _set_state(self, name: str, state: str, changes: dict[tuple[str, str], Any]) -> None:
        self.ctx._states[name] = state
        changes[(TASK_STATE, name)] = state

    def _launch(self, plan: TaskPlan, changes: dict[tuple[str, str], Any]) -> None:
        """Run or submit one task."""
        name = plan.name
        try:
            inputs = self._task_inputs(plan)
            if plan.kind == task_types.FUNCTION:
                for_daemon = self.structure.get('launch') != LAUNCH_RUN
                results = run_function(plan, inputs, for_daemon)
                self._unstored_results[name] = results
                self._task_finished(name, results, changes)
            elif plan.kind in task_types.PROCESS_FUNCTIONS:
                inputs.setdefault('metadata', {}).setdefault('call_link_label', name)
                node, results = run_process_function(plan, inputs, self.node)
                changes[(TASK_PROCESS, name)] = node.pk
                failure = process_failure(node)
                if failure:
                    raise TaskFailure(failure)
                self._task_finished(name, results, changes)
            elif plan.kind in task_types.PROCESS_CLASSES:
                inputs.setdefault('metadata', {}).setdefault('call_link_label', name)
                self._submit_child(name, plan.process_class, inputs, changes)
            elif plan.kind == task_types.PYTHONJOB:
                job_inputs = pythonjob_inputs(name, plan.callable, plan.spec.inputs, plan.output_spec, inputs)
                self._submit_child(name, plan.process_class, job_inputs, changes)
            else:
                raise TaskFailure(f'tasks of type {plan.kind} are not supported')
        except TaskFailure as failure:
            if failure.process is not None:
                changes[(TASK_PROCESS, name)] = failure.process.pk
            self._task_failed(name, str(failure), changes)
        except Exception as exception:  # noqa: BLE001 - a task that cannot launch fails, the engine goes on
            self._task_failed(name, f'could not launch: {type(exception).__name__}: {exception}', changes)

    def _submit_child(self, name: str, process_class: Any, inputs: dict[str, Any], changes: dict) -> None:
        """Submit a child process for task ``name``; the engine goes on when it (or another child) finished."""
        node = self.submit(process_class, **inputs)
        self.ctx._children[name] = node.pk
        changes[(TASK_PROCESS, name)] = node.pk
        self._set_state(name, RUNNING, changes)
        self.report(f'Task {name} launched {node.process_label}<{node.pk}>')

    def _child_finished(self, name: str, node: orm.ProcessNode, changes: dict[tuple[str, str], Any]) -> None:
        failure = process_failure(node)
        if failure:
            self._task_failed(name, failure, changes)
        else:
            self._task_finished(name, process_outputs(node), changes)

    def _task_finished(self, name: str, results: dict[str, Any], changes: dict[tuple[str, str], Any]) -> None:
        """Record the results of a finished task: the nodes in this interpreter, their pks in the checkpoint.

        Results of plain functions get their pks when :meth:`advance` stores them at the end of the step.
        """
        self._result_nodes[name] = results
        if name not in self._unstored_results:
            self.ctx._results[name] = _pks(results)
        self._set_state(name, FINISHED, changes)
        for key, links in self.plan.ctx_writers.items():
            for link in links:
                if link.from_task == name:
                    set_nested(self.ctx._graph_ctx, key, self._socket_value(name, link.from_socket))

    def _task_failed(self, name: str, message: str, changes: dict[tuple[str, str], Any]) -> None:
        self._set_state(name, FAILED, changes)
        changes[(TASK_ERROR, name)] = message
        self.report(f'Task {name} failed: {message}')
        for child in sorted(self.plan.descendants(name)):
            if self._task_state(child) == PLANNED:
                self._set_state(child, SKIPPED, changes)

    def _socket_value(self, task: str, socket: str) -> Any:
        """The current value of an output socket (graph inputs and ctx included)."""
        if task == GRAPH_INPUTS:
            source = self.inputs.get('graph_inputs', {})
        elif task == GRAPH_CTX:
            source = self.ctx._graph_ctx
        else:
            source = self._results_of(task)
        if socket == OUTPUT_SOCKET_NAME:
            source = as_dict(source)
            return next(iter(source.values())) if len(source) == 1 else source
        return as_dict(get_nested(source, socket))

    @property
    def _result_nodes(self) -> dict[str, Any]:
        """The result nodes of finished tasks loaded in this interpreter, by task (the checkpoint holds their pks)."""
        return self.__dict__.setdefault('_result_node_cache', {})

    def _results_of(self, task: str) -> dict[str, Any]:
        """The result nodes of a finished task, loaded from their pks once per interpreter."""
        if task not in self._result_nodes:
            self._result_nodes[task] = _nodes(self.ctx._results.get(task, {}))
        return self._result_nodes[task]

    def _task_inputs(self, plan: TaskPlan) -> dict[str, Any]:
        """The inputs of a task: its own values, the linked values and its plain values (metadata, options)."""
        values = as_dict(self.inputs.get('tasks', {}).get(plan.name, {}))
        grouped: dict[str, list[Link]] = defaultdict(list)
        for link in plan.incoming:
            if GraphPlan.is_value_link(link):
                grouped[link.to_socket].append(link)
        for socket, links in grouped.items():
            if len(links) == 1:
                value = self._socket_value(links[0].from_task, links[0].from_socket)
            else:
                value = {
                    f'{link.from_task}_{link.from_socket}': self._socket_value(link.from_task, link.from_socket)
                    for link in links
                }
            if value is not None:
                set_nested(values, socket, value)
        plain = self.structure['tasks'][plan.name].get('plain_inputs') or {}
        return merge_nested(values, as_dict(plain))


def _nodes(tree: Any) -> Any:
    """The nodes of a nested dict of pks."""
    if isinstance(tree, dict):
        return {key: _nodes(value) for key, value in tree.items()}
    return orm.load_node(tree)


def _pks(tree: Any) -> Any:
    """The pks of a nested dict of stored nodes."""
    if isinstance(tree, dict):
        return {key: _pks(value) for key, value in tree.items()}
    return tree.pk

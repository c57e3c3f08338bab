"""The ``WorkGraphEngine`` process: runs a WorkGraph's tasks as their inputs become ready."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
from collections import defaultdict
from typing import Any

from aiida import orm
from aiida.common.links import LinkType
from aiida.engine import Process
from aiida.orm.entities import EntityTypes
from plumpy import run_with_portal
from plumpy.process_states import Continue, ProcessState, Wait
from plumpy.processes import BundleKeys
from plumpy.utils import AttributesFrozendict

from ..enums import TASK_RECORDS, TaskState
from ..orm.bulk_store import BULK_STORABLE_TYPES, bulk_store
from ..orm.return_links import add_return_links
from ..orm.transaction import atomic
from ..orm.value_rows import PlainValue, insert_rows, store_plain_values
from ..orm.workgraph_node import STRUCTURE_FILENAME, WorkGraphNode
from ..serialization.checkpoint import CheckpointError, validate_runtime_state
from ..tasks.kinds.map import MAP_ITEM
from ..trees import as_dict, flatten, get_nested, map_leaves, merge_nested, set_nested
from . import scheduler
from .engine_inputs import LAUNCH_RUN, prepare_engine_inputs, take_plain_values
from .error_handlers import apply_overrides, retry_failed_task
from .graph_plan import GRAPH_CTX, GRAPH_INPUTS, OUTPUT_SOCKET_NAME, GraphPlan, Link
from .graph_state import GraphState
from .input_layout import engine_inputs_from_node
from .instances import InstancePlan, Scope, TaskInstance
from .maps import MAP_OPENED_STATES, close_maps, gathered_value, map_item_value, restore_maps
from .restart import reuse_finished_tasks
from .task_outcome import (
    NEVER_STARTED_EXCEPTION,
    called_processes,
    is_process_function,
    is_sealed_orphan,
    process_failure,
    process_outputs,
    seal_orphan,
)
from .zones import advance_loops, not_taken, open_zone

#: The input namespaces whose (stored) nodes the engine holds by pk only.
PK_INPUT_NAMESPACES = ('graph_inputs', 'tasks')
CHECKPOINT_FORMAT = 2
CHECKPOINT_FORMAT_KEY = 'workgraph_checkpoint_format'
GRAPH_STATE_KEY = 'workgraph_state'
#: How many more objects than after the last full garbage collection the storage session may hold before the engine
#: collects fully again (see :meth:`WorkGraphEngine._collect_loaded_nodes`).
SESSION_OBJECTS_SLACK = 64


class WorkGraphEngine(Process):
    """The AiiDA process that runs a WorkGraph.

    Its inputs are ``graph_inputs`` (the graph's inputs), ``tasks`` (``tasks.<task>.<port>``: the values set on
    task inputs) and ``workgraph_data`` (``structure``: the graph without values; ``ctx``: the initial context).
    The constructor walks these inputs once, converting values to AiiDA data, and raises
    :class:`~aiida_workgraph.serialization.WorkGraphSerializationError` listing every value that cannot be kept,
    before anything is stored. The structure is stored once, in the process node's repository; checkpoints hold
    only the runtime state (:class:`~.graph_state.GraphState`) and the inputs are rebuilt from the node's input links
    when a checkpoint is loaded.

    Each step asks the :mod:`.scheduler` which task instances are ready and launches them through their kind: every
    ready child process (CalcJob, WorkChain, PythonJob) is submitted, and at most one inline task (a plain function
    recorded as a ``PyFunction`` process, a calcfunction or a workfunction) runs, so that the engine hands control back
    to the event loop between tasks and a checkpoint is written after each. Every child is registered once, when
    launched, with a callback that records its end on the node's task records and wakes the engine. A failed task
    skips the tasks that depend on it; the process then finishes with exit status 302.
    """

    _node_class = WorkGraphNode

    @classmethod
    def define(cls, spec: Any) -> None:
        """Define the input namespaces, the dynamic outputs and the exit codes."""
        super().define(spec)
        spec.input_namespace('graph_inputs', dynamic=True, required=False, valid_type=orm.Data)
        spec.input_namespace('tasks', dynamic=True, required=False, valid_type=orm.Data)
        spec.input_namespace('workgraph_data', required=True)
        spec.input('workgraph_data.structure', valid_type=dict, non_db=True)
        spec.input_namespace('workgraph_data.ctx', dynamic=True, required=False, valid_type=orm.Data)
        spec.outputs.dynamic = True
        spec.exit_code(
            302,
            'TASK_FAILED',
            message='WorkGraph finished, but tasks: {tasks} failed. Thus all their child tasks are skipped.',
        )

    def __init__(self, inputs: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        """Walk the raw inputs once, then create the process.

        :raises WorkGraphSerializationError: listing every value that cannot be kept; nothing is stored.
        """
        self.walk_result = None
        self._plain_inputs: dict[tuple[str, ...], PlainValue] = {}
        if inputs is not None:
            inputs, self.walk_result = prepare_engine_inputs(inputs)
            inputs, self._plain_inputs = take_plain_values(inputs, PK_INPUT_NAMESPACES)
        super().__init__(inputs, *args, **kwargs)
        self._plan: GraphPlan | None = None
        self.graph_state = GraphState()

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

    @property
    def instances(self) -> InstancePlan:
        """The task instances (the tasks, once per item of the opened maps around them), rebuilt when a map opens or
        is planned again."""
        records = self.graph_state.instances
        opened = {
            name: items
            for name, items in self._map_items.items()
            if name in records and records[name].state in MAP_OPENED_STATES
        }
        signature = tuple((name, id(items)) for name, items in opened.items())  # a map opened again has new items
        cached = self.__dict__.get('_instance_plan')
        if cached is None or cached[0] != signature or cached[1] is not self.plan:
            keys = {name: list(items) for name, items in opened.items()}
            self.__dict__['_instance_plan'] = (signature, self.plan, InstancePlan(self.plan, keys))
        return self.__dict__['_instance_plan'][2]

    @property
    def _map_items(self) -> dict[str, dict[str, orm.Data | int]]:
        """The items of each opened map instance (``{key: data node, or its pk once stored}``), read again from its
        source after loading."""
        return self.__dict__.setdefault('_map_item_cache', {})

    def task(self, name: str) -> TaskInstance:
        """The task instance ``name``.

        :raises KeyError: if there is no such instance.
        """
        template, scope = self.instances.instances[name]
        return TaskInstance(self.plan.tasks[template], name, scope)

    @property
    def for_daemon(self) -> bool:
        """Whether values must load in another interpreter (the graph was submitted or saved, not run here)."""
        return self.structure.get('launch') != LAUNCH_RUN

    def _build_process_label(self) -> str:
        """``WorkGraph<name>``, as upstream labels WorkGraph processes."""
        return f'WorkGraph<{self.inputs.workgraph_data.structure.get("name", "WorkGraph")}>'

    # region database record

    def _create_and_setup_db_record(self) -> Any:
        """Store the process node, its inputs and input links, all in one transaction: all of them or none.

        The pks of the inputs are read before the commit expires the nodes (read after it, each would be loaded
        again, one query per node).
        """
        if not self.metadata.store_provenance:
            return super()._create_and_setup_db_record()
        with atomic(orm.Node.collection.backend):
            pid = super()._create_and_setup_db_record()
            plain_pks = self._link_inputs()
            self._hold_inputs_by_pk(plain_pks)
        return pid

    def _setup_db_record(self) -> None:
        super()._setup_db_record()
        if not self.node.label:  # as upstream: the node is labelled with the graph's name unless metadata says
            self.node.label = self.structure.get('name') or ''
        content = json.dumps(self.structure, default=repr).encode('utf-8')
        self.node.base.repository.put_object_from_bytes(content, STRUCTURE_FILENAME)

    def _setup_inputs(self) -> None:
        """Input links are added by :meth:`_link_inputs` once the process node is stored."""

    def _link_inputs(self) -> dict[tuple[str, ...], int]:
        """Store the input nodes and link them to the (stored) process node (in the caller's transaction).

        aiida-core checks every new input link of an unstored node against all links cached before it (quadratic in
        the number of inputs) and commits each node and link on its own. Here the labels are unique by construction
        (the flattened namespace) and the process node is new, so no link can duplicate another or close a cycle:
        the nodes are stored and the links inserted in bulk, all or none. Plain ``int``/``float``/``str``/``bool``
        values taken out of the inputs are written as rows with one ``INSERT``
        (:func:`~aiida_workgraph.orm.value_rows.store_plain_values`), unstored nodes of the base types (``Dict``,
        ``List``, ...) with another (:func:`~aiida_workgraph.orm.bulk_store.bulk_store`), the others one by one.

        :return: the pks of the plain values' nodes, by their path in the inputs.
        """
        storage = self.node.backend
        inputs = [(label, data.pk) for label, data in self._stored_flat_inputs().items()]
        plain_pks = dict(
            zip(self._plain_inputs, store_plain_values(storage, list(self._plain_inputs.values())), strict=True)
        )
        inputs.extend(('__'.join(path), pk) for path, pk in plain_pks.items())
        process_pk = self.node.pk
        rows = [
            {'input_id': pk, 'output_id': process_pk, 'label': label, 'type': LinkType.INPUT_WORK.value}
            for label, pk in inputs
        ]
        insert_rows(storage, EntityTypes.LINK, rows)
        self._plain_inputs = {}
        return plain_pks

    def _stored_flat_inputs(self) -> dict[str, orm.Data]:
        """The input nodes by link label, stored now where they were not."""
        inputs = {label: data for label, data in self._flat_inputs().items() if data is not None}
        unstored = list({id(data): data for data in inputs.values() if not data.is_stored}.values())
        bulk_store([data for data in unstored if type(data) in BULK_STORABLE_TYPES])
        for data in unstored:
            if type(data) not in BULK_STORABLE_TYPES:
                data.store()
        return inputs

    def update_outputs(self) -> None:
        """Link the outputs added since the last call to the node, all in one transaction.

        aiida-core commits each output link on its own, and each commit expires every node the process holds (its
        outputs among them): a graph with a thousand outputs reloaded each of them a thousand times.

        :raises ValueError: if an output link is not valid; no output is linked.
        :raises ModificationNotAllowed: if an output node is not stored (a workflow cannot create data); no output is
            linked.
        """
        if self.metadata.store_provenance is False:
            return
        add_return_links(self.node, self._flat_outputs())

    def _hold_inputs_by_pk(self, plain_pks: dict[tuple[str, ...], int] | None = None) -> None:
        """Keep the stored graph and task inputs by pk only, and load them when a task needs them.

        Every node an engine holds stays in the storage session, which expires all of them on each commit: holding a
        graph's thousand input nodes would make each of its tasks pay for all of them.

        :param plain_pks: the pks of the plain values stored as rows, by their path in the inputs.
        """
        inputs = dict(self._parsed_inputs)
        self._input_pks = {namespace: _pks(as_dict(inputs.pop(namespace, {}))) for namespace in PK_INPUT_NAMESPACES}
        for (namespace, *path), pk in (plain_pks or {}).items():
            tree = self._input_pks[namespace]
            for key in path[:-1]:
                tree = tree.setdefault(key, {})
            tree[path[-1]] = pk
        self._parsed_inputs = AttributesFrozendict(inputs)
        raw = dict(self._raw_inputs or {})
        self._raw_inputs = AttributesFrozendict({key: raw[key] for key in raw if key not in PK_INPUT_NAMESPACES})
        if self.walk_result is not None:
            self.walk_result.data = {}

    def stored_inputs(self, namespace: str, path: str = '') -> Any:
        """The input nodes of ``namespace`` (``tasks`` or ``graph_inputs``) at the dotted ``path``, loaded now."""
        pks = self.__dict__.get('_input_pks')
        tree = self.inputs.get(namespace, {}) if pks is None else pks.get(namespace, {})
        if path:
            tree = get_nested(tree, path)
        if pks is None:
            return as_dict(tree)
        return None if tree is None else _nodes(tree)

    # endregion

    # region checkpoints

    def save_instance_state(self, out_state: Any, save_context: Any) -> None:
        """Save the runtime state only, after checking that it can be checkpointed.

        The inputs are already linked to the node (and the structure is in its repository), so they are not
        written again.

        :raises CheckpointError: naming the path and type of every value of the state that cannot be checkpointed.
        """
        saved = self.graph_state.to_checkpoint()
        validate_runtime_state({'_graph_ctx': saved['ctx']}, f'WorkGraph<{self.node.pk}>')
        raw_inputs, parsed_inputs = self._raw_inputs, self._parsed_inputs
        self._raw_inputs = None
        self._parsed_inputs = AttributesFrozendict({'metadata': self.inputs.metadata})
        try:
            super().save_instance_state(out_state, save_context)
        finally:
            self._raw_inputs, self._parsed_inputs = raw_inputs, parsed_inputs
        out_state.pop(BundleKeys.INPUTS_PARSED, None)
        out_state[GRAPH_STATE_KEY] = saved
        out_state[CHECKPOINT_FORMAT_KEY] = CHECKPOINT_FORMAT

    def _save_checkpoint(self) -> None:
        """Save a checkpoint; unlike aiida-core's default, a checkpoint that cannot be saved stops the process."""
        if self._enable_persistence and not self._state.is_terminal():
            self.runner.persister.save_checkpoint(self)

    def load_instance_state(self, saved_state: Any, load_context: Any) -> None:
        """Load the runtime state, rebuild the inputs from the node, and pick up the children where they are.

        Task instances move forward to what the node's task records say (they are written before the checkpoint);
        a child that finished meanwhile is adopted, a running one is awaited again, and a process function left
        unfinished by a dead worker is sealed as excepted and its task runs again.

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
            inputs = engine_inputs_from_node(self.node)
            self.graph_state = GraphState.from_checkpoint(saved_state[GRAPH_STATE_KEY])
        except Exception as exception:
            raise CheckpointError(
                f'WorkGraph<{saved_state.get(self.SaveKeys.CALC_ID.value)}>: the checkpoint cannot be loaded: '
                f'{type(exception).__name__}: {exception}'
            ) from exception
        self._plan = None
        self.walk_result = None
        # As aiida-core's WorkChain does: reports of a loaded process go to its node (and so to the database).
        self.set_logger(self.node.logger)
        self._raw_inputs = AttributesFrozendict(inputs)
        # Pre-processed like at creation: nested namespaces readable as attributes (``self.inputs.workgraph_data``,
        # ``self.metadata.store_provenance``) and port defaults filled in.
        self._parsed_inputs = self.spec().inputs.pre_process(as_dict(inputs))
        self._hold_inputs_by_pk()
        restore_maps(self)
        self._recover_children()
        self._recovered = True
        if self._state.LABEL == ProcessState.WAITING:
            self.call_soon(self._wake)

    def _recover_children(self) -> None:
        """Bring the loaded state up to what the database says, then await the children that still run."""
        state = self.graph_state
        state.merge_records({record: self.node.task_record(record) for record in TASK_RECORDS})
        called = called_processes(self.node)
        for name in self.instances.order:
            record = state.record(name)
            node = called.get(name)
            if record.state not in (TaskState.PLANNED, TaskState.RUNNING) or node is None:
                continue
            if record.state == TaskState.PLANNED and record.process is not None and node.pk <= record.process:
                continue
            if is_sealed_orphan(node):
                # Sealed by an earlier recovery whose worker stopped before the task ran again: it is not the task's
                # outcome, whatever the checkpoint and the records say; the task runs again.
                if not node.is_sealed:
                    seal_orphan(node)  # a seal of an earlier release, cut short
                if record.state != TaskState.PLANNED:
                    state.set_state(name, TaskState.PLANNED)
                continue
            if node.is_terminated:
                if is_process_function(node) and not node.is_sealed:
                    node.seal()  # it ended, and its worker died before aiida-core sealed it
                state.launched(name, node.pk)
                self._process_done(name, node)
            elif is_process_function(node):
                seal_orphan(node)
                self.report(f'Task {name}: its process {node.process_label}<{node.pk}> was left unfinished; runs again')
                state.set_state(name, TaskState.PLANNED)
            elif node.process_state is None:
                # Created by a worker that died inside aiida-core's submit(), before the process had a state, a
                # checkpoint or a task in the broker: nothing will ever run it.
                seal_orphan(node, NEVER_STARTED_EXCEPTION)
                self.report(f'Task {name}: its process {node.process_label}<{node.pk}> never started; runs again')
                state.set_state(name, TaskState.PLANNED)
            else:
                if record.process != node.pk:
                    state.launched(name, node.pk)
                self._await_child(name, node.pk)
        for name in scheduler.running(state.states()):
            if state.record(name).process is not None and called.get(name) is None:
                state.set_state(name, TaskState.PLANNED)
        self._write_records()

    def _wake(self) -> None:
        """Resume the process if it waits (after loading, or when a child ended)."""
        if not self.has_terminated() and self._state.LABEL == ProcessState.WAITING:
            self.resume()

    # endregion

    # region the process loop

    async def run(self) -> Any:
        """Start: the initial ``ctx``, the tasks reused from the process this one restarts, then the first step.

        A process loaded from a checkpoint written before its first step ended (a saved graph; a worker that died in
        that step) starts here too: it keeps the state its recovery brought forward (tasks finished in the records,
        children adopted, orphans to run again), so a task that finished is not run a second time.
        """
        initial_ctx = as_dict(self.inputs.workgraph_data.get('ctx', {}))
        if getattr(self, '_recovered', False):
            self.graph_state.ctx = merge_nested(initial_ctx, self.graph_state.ctx)
        else:
            self.graph_state = GraphState(ctx=initial_ctx)
        reuse_finished_tasks(self)
        return await self._step()

    async def _step(self) -> Any:
        """One step: hand control to the event loop, then launch what is ready (see :meth:`_advance`).

        Yielding first lets the event loop answer RPCs (pause, kill, status) and run the callbacks of children that
        ended, between any two tasks.
        """
        await asyncio.sleep(0)
        step = await run_with_portal(self._advance)
        self._collect_loaded_nodes()
        return step

    def _collect_loaded_nodes(self) -> None:
        """Free the nodes the last step loaded and no longer uses.

        Loaded nodes form reference cycles: until the garbage collector frees them they stay in the storage session,
        which expires every object it holds on each commit, so each later commit pays for them. The young generations
        are collected after every step (cheap); a full collection runs when the session holds many more objects than
        after the last one (nodes that outlived a young collection, such as the items a map was opened with).
        """
        gc.collect(1)
        session = self.node.backend.get_session()
        baseline = self.__dict__.get('_session_objects_after_collection', 0)
        if len(session.identity_map) > 2 * baseline + SESSION_OBJECTS_SLACK:
            gc.collect()
            self.__dict__['_session_objects_after_collection'] = len(session.identity_map)

    def _advance(self) -> Any:
        """Launch what is ready (every child process, at most one inline task) and say what comes next.

        :return: the next step right away while tasks are ready, a wait for a child's callback while children run,
            or the end of the process (its exit code) when nothing is left.
        """
        state = self.graph_state
        self._skip_blocked()
        ready = self._launchable(state.states())
        newly_ready = [name for name in ready if name not in self._reported_ready]
        if newly_ready:
            self._reported_ready.update(newly_ready)
            self.report(f'tasks ready to run: {",".join(newly_ready)}')  # upstream's words, joined as upstream's
        inline_ran = False
        for name in ready:
            task = self.task(name)
            if task.kind.inline:
                if inline_ran:
                    continue
                inline_ran = True
            self._launch(task)
        self._skip_blocked()
        self._write_records()
        states = state.states()
        if scheduler.is_done(self.instances.order, self.instances.parents, states):
            return self._finalize()
        if self._launchable(states):
            return Continue(self._step)
        paused = scheduler.paused(states)
        self._report_children(scheduler.running(states))
        waiting = f'Waiting for tasks: {", ".join(scheduler.running(states)) or "none"}'
        if paused:
            waiting = f'{waiting}; paused: {", ".join(paused)}'
        self.set_status(waiting)  # the node's process status says what the engine waits for
        return Wait(self._step, msg=waiting)

    def _report_children(self, running: list[str]) -> None:
        """Report the processes the engine waits for (``Waiting for child processes: add1<12>, ...``, upstream's
        words), once per set of running tasks."""
        if not running or tuple(running) == self.__dict__.get('_reported_children'):
            return
        self.__dict__['_reported_children'] = tuple(running)
        labels = []
        for name in running:
            pk = self.graph_state.record(name).process
            labels.append(name if pk is None else f'{name}<{pk}>')
        self.report(f'Waiting for child processes: {", ".join(labels)}')

    @property
    def _reported_ready(self) -> set[str]:
        """The tasks already reported as ready in this interpreter."""
        return self.__dict__.setdefault('_reported_ready_cache', set())

    def on_wait(self, awaitables: Any) -> None:
        """Entering WAITING: go on at once if a child ended meanwhile, else when a child's callback wakes it."""
        super().on_wait(awaitables)
        if self._launchable(self.graph_state.states()):
            self.call_soon(self._wake)

    def message_receive(self, comm: Any, msg: dict[str, Any]) -> Any:
        """Answer RPCs: task actions (pause, play, kill, reset tasks) besides plumpy's process intents."""
        from plumpy.process_comms import INTENT_KEY

        from .task_control import TASK_ACTION_INTENT, apply_task_action

        if msg.get(INTENT_KEY) == TASK_ACTION_INTENT:
            return self._schedule_rpc(apply_task_action, self, msg.get('action'), list(msg.get('tasks') or []))
        return super().message_receive(comm, msg)

    def _launchable(self, states: dict[str, str]) -> list[str]:
        """The ready tasks that may launch now, within the graph's ``max_number_jobs`` running processes (a map whose
        items run is not one)."""
        limit = self.structure.get('max_number_jobs')
        if limit is not None:
            limit += sum(1 for name in self._map_items if states.get(name) == TaskState.RUNNING)
        return scheduler.launchable(self.instances.order, self.instances.parents, states, limit)

    def _finalize(self) -> Any:
        """Clear the process status (what the engine waited for), expose the graph outputs and return exit status 302
        if any task failed."""
        self.set_status(None)
        with atomic(self.node.backend):  # one transaction: the values it loads are not expired after each query
            values = {link.to_socket: self._link_value(link, ()) for link in self.plan.graph_output_links}
        for socket, value in values.items():
            if value is not None:
                self.out(socket, value)
        states = self.graph_state.states()
        failed = scheduler.failed(states)
        if failed:
            skipped = sorted(name for name, value in states.items() if value == TaskState.SKIPPED)
            self.report(f'tasks failed: {", ".join(failed)}; skipped as they depend on them: {", ".join(skipped)}')
            return self.exit_codes.TASK_FAILED.format(tasks=failed)
        return None

    # endregion

    # region tasks

    def _launch(self, task: TaskInstance) -> None:
        """Launch one task through its kind; a task that cannot launch fails, the engine goes on."""
        name = task.name
        if getattr(task.kind, 'control', False):
            open_zone(self, name)
            return
        if task.kind.acts_on_context:
            self._apply_to_context(task)
            return
        try:
            node = task.kind.launch(self, task, self._task_inputs(task))
        except Exception as exception:  # noqa: BLE001 - a task that cannot launch fails, the engine goes on
            self._task_failed(name, f'could not launch: {type(exception).__name__}: {exception}')
            return
        self.graph_state.launched(name, node.pk)
        if node.is_terminated:
            self._process_done(name, node)
        else:
            self.report(f'Task {name} launched {node.process_label}<{node.pk}>')
            self._await_child(name, node.pk)

    def _apply_to_context(self, task: TaskInstance) -> None:
        """Run a task that writes or reads the graph ``ctx`` (``set_context``/``get_context``); it has no process."""
        try:
            results = task.kind.apply(self.graph_state.ctx, self._task_inputs(task))
        except Exception as exception:  # noqa: BLE001 - a context task that cannot act fails, the engine goes on
            self._task_failed(task.name, f'{type(exception).__name__}: {exception}')
            return
        self.graph_state.finished(task.name, _pks(results))

    def _await_child(self, name: str, pk: int) -> None:
        """Register, once, a callback that records the end of the child ``pk`` of task ``name``."""
        callback = functools.partial(self.call_soon, self._on_child_terminated, name, pk)
        self.runner.call_on_process_finish(pk, callback)

    def _on_child_terminated(self, name: str, pk: int) -> None:
        """A child ended: record it (task records now, checkpoint on the next state change) and wake the engine."""
        record = self.graph_state.record(name)
        if self.has_terminated() or record.state != TaskState.RUNNING or record.process != pk:
            return
        self._process_done(name, orm.load_node(pk))
        self._write_records()
        self._wake()

    def _process_done(self, name: str, node: orm.ProcessNode) -> None:
        """Record the end of task ``name`` from its terminated process ``node``."""
        failure = process_failure(node)
        if failure and node.is_killed:
            self.graph_state.killed(name, failure)
            self.report(f'Task {name} was killed: {failure}')
            return
        if failure:
            handled = retry_failed_task(self, name, node)
            if handled is not None:
                self._task_failed(name, f'{failure}; {handled}' if handled else failure, node.pk)
            return
        self.graph_state.finished(name, _pks(process_outputs(node)))
        template = self.instances.template(name)
        for key, links in self.plan.ctx_writers.items():
            for link in links:
                if link.from_task == template:
                    set_nested(self.graph_state.ctx, key, self._socket_value(name, link.from_socket))

    def _task_failed(self, name: str, message: str, process: int | None = None) -> None:
        self.graph_state.failed(name, message, process)
        self.report(f'Task {name} failed: {message}')

    def _skip_blocked(self) -> None:
        """Send loops whose iteration is done back to their condition; mark SKIPPED every planned task that depends
        on a failed one, NOT_TAKEN one that needs a value (for a required input) from a task a branch did not take."""
        state = self.graph_state
        advance_loops(self)
        close_maps(self)
        instances = self.instances
        for name in scheduler.blocked(instances.order, instances.parents, state.states()):
            state.set_state(name, TaskState.SKIPPED)
        for name in not_taken(instances.order, instances.needed_parents, state.states()):
            state.set_state(name, TaskState.NOT_TAKEN)

    def _write_records(self) -> None:
        """Write the task record changes to the node, in one database write."""
        changes = self.graph_state.pending_records()
        if changes:
            self.node.update_task_records(changes)

    def _link_value(self, link: Link, scope: Scope) -> Any:
        """The value a link carries to the instance of its target task in ``scope``."""
        source = self.plan.tasks.get(link.from_task)
        if source is None:
            return self._socket_value(link.from_task, link.from_socket)
        if source.kind.name == MAP_ITEM:
            return map_item_value(self, link.from_task, scope, link.from_socket)
        name = self.instances.source(link.from_task, link.to_task, scope)
        if link.from_task in self.plan.maps:
            return gathered_value(self, name, link.from_socket)
        return self._socket_value(name, link.from_socket)

    def _socket_value(self, task: str, socket: str) -> Any:
        """The current value of an output socket of a task instance (graph inputs and ctx included)."""
        if task == GRAPH_INPUTS and socket != OUTPUT_SOCKET_NAME:
            return self.stored_inputs('graph_inputs', socket)
        if task == GRAPH_INPUTS:
            source = self.stored_inputs('graph_inputs')
        elif task == GRAPH_CTX:
            source = self.graph_state.ctx
        else:
            source = self._results_of(task)
        if socket == OUTPUT_SOCKET_NAME:
            source = as_dict(source)
            return next(iter(source.values())) if len(source) == 1 else source
        return as_dict(get_nested(source, socket))

    def _results_of(self, task: str) -> dict[str, Any]:
        """The result nodes of a finished task, loaded from their pks.

        They are not kept: every node an engine holds stays in the storage session, which expires all of them on each
        commit, so holding the results of every finished task would make each task cost more than the one before.
        """
        return _nodes(self.graph_state.record(task).results or {})

    def _task_inputs(self, task: TaskInstance) -> dict[str, Any]:
        """The inputs of a task instance: its own values, the linked values and its plain values (metadata,
        options)."""
        template = task.template.name
        grouped: dict[str, list[Link]] = defaultdict(list)
        for link in task.incoming:
            if GraphPlan.is_value_link(link):
                grouped[link.to_socket].append(link)
        # One transaction: the nodes loaded here (a map's gathered results: one per item) are not expired and
        # reloaded after each query.
        with atomic(self.node.backend):
            values = self.stored_inputs('tasks', template) or {}
            for socket, links in grouped.items():
                if len(links) == 1:
                    value = self._link_value(links[0], task.scope)
                else:
                    value = {
                        f'{link.from_task}_{link.from_socket}': self._link_value(link, task.scope) for link in links
                    }
                if value is not None:
                    set_nested(values, socket, value)
        plain = self.structure['tasks'][template].get('plain_inputs') or {}
        return apply_overrides(merge_nested(values, as_dict(plain)), self.graph_state.record(task.name).inputs)

    # endregion


def _nodes(tree: Any) -> Any:
    """The nodes of a nested dict of pks (or of one pk), loaded with one query."""
    pks = [pk for _, pk in flatten(tree)] if isinstance(tree, dict) else [tree]
    if len(pks) <= 1:
        loaded = {pk: orm.load_node(pk) for pk in pks}
    else:
        query = orm.QueryBuilder().append(orm.Node, filters={'id': {'in': pks}}, project=['id', '*'])
        loaded = dict(query.all())
    return map_leaves(tree, loaded.__getitem__)


def _pks(tree: Any) -> Any:
    """The pks of a nested dict of stored nodes."""
    if isinstance(tree, dict):
        return {key: _pks(value) for key, value in tree.items()}
    return tree.pk

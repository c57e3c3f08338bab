"""``WorkGraph``: a node-graph ``Graph`` whose tasks run as one AiiDA process (``WorkGraphEngine``)."""

from __future__ import annotations

import time
from importlib.metadata import entry_points
from typing import Any

from aiida import orm
from aiida.common.exceptions import ValidationError
from aiida.common.links import LinkType
from aiida.engine import ProcessBuilder, ProcessState
from node_graph.config import BUILTIN_TASKS
from node_graph.graph import Graph
from node_graph.task_spec import BaseHandle, TaskSpec

from ..enums import TERMINAL_TASK_STATES
from ..registry import registry_hub
from ..serialization.report import ValidationReport
from ..serialization.shape import check_shape
from ..socket_spec import WorkGraphSocketSpecAPI
from ..trees import flatten, map_leaves
from .decorator import build_handle
from .inspection import graph_provenance, graph_repr, graph_summary
from .shelljob import shelljob, shelljob_task
from .task import Task, resolve_task_identifier
from .task_names import check_task_name

TASK_ENTRY_POINT_GROUP = 'aiida_workgraph.task'
#: The default of ``WorkGraph.max_number_jobs``, as upstream's.
DEFAULT_MAX_NUMBER_JOBS = 1000000


def _load_task_entry_point(identifier: str) -> BaseHandle:
    """Return the task handle registered under ``identifier`` in the ``aiida_workgraph.task`` group.

    :raises ValueError: if no such entry point exists.
    """
    found = entry_points().select(group=TASK_ENTRY_POINT_GROUP, name=identifier)
    if not found:
        raise ValueError(f'no task entry point named {identifier!r} in the group {TASK_ENTRY_POINT_GROUP!r}')
    loaded = resolve_task_identifier(next(iter(found)).load())
    return loaded if isinstance(loaded, TaskSpec) else build_handle(loaded)


class WorkGraph(Graph):
    """A graph of tasks that runs as one AiiDA process.

    Build it with :meth:`add_task` and links (or by calling task handles inside ``with WorkGraph() as wg:``), then
    :meth:`run` it in this interpreter, :meth:`submit` it to the daemon or :meth:`save` it. Values set on task
    inputs, graph inputs and ``ctx`` are converted to AiiDA data once, when the process is created; a value that
    cannot be kept raises :class:`~aiida_workgraph.serialization.WorkGraphSerializationError` before anything is
    stored.
    """

    platform = 'aiida_workgraph'
    _REGISTRY = registry_hub
    _SOCKET_SPEC_API = WorkGraphSocketSpecAPI

    def __init__(
        self,
        name: str = 'WorkGraph',
        inputs: Any = None,
        outputs: Any = None,
        error_handlers: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Make an empty graph.

        :param error_handlers: handlers for failed tasks, ``{name: {'executor': f, 'exit_codes': [...],
            'max_retries': 1, 'kwargs': {}, 'tasks': [...]}}``; ``tasks`` (a list of task names, or per-task options
            ``{task: {'exit_codes': ..., 'max_retries': ..., 'kwargs': ...}}``) limits a handler to some tasks.
        :raises ValueError: if a handler entry is malformed.
        """
        from ..engine.error_handlers import graph_handler_record

        super().__init__(name=name, inputs=inputs, outputs=outputs, **kwargs)
        self.process: orm.ProcessNode | None = None
        #: Whether :attr:`process` was made by :meth:`save` and not handed to the daemon yet.
        self._saved = False
        self._restart_from: int | None = None
        self._max_number_jobs = DEFAULT_MAX_NUMBER_JOBS
        self.error_handlers: dict[str, Any] = {
            key: graph_handler_record(key, entry) for key, entry in (error_handlers or {}).items()
        }

    @property
    def max_number_jobs(self) -> int:
        """At most this many task processes run at once (default: no practical limit, 1000000)."""
        return getattr(self, '_max_number_jobs', DEFAULT_MAX_NUMBER_JOBS)

    @max_number_jobs.setter
    def max_number_jobs(self, value: int) -> None:
        """Set the limit.

        :raises ValueError: if ``value`` is not a positive integer.
        """
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f'max_number_jobs must be a positive integer, got {value!r}')
        self._max_number_jobs = value

    # region building

    def add_task(self, identifier: Any, name: str | None = None, **inputs: Any) -> Task:
        """Add a task and set its inputs.

        :param identifier: a task handle, a plain function, a process function, a process class, `shelljob`
            (the other arguments are those of :func:`~aiida_workgraph.shelljob`), a
            ``ProcessBuilder``, a ``Task`` subclass with a ``_default_spec``, or a task entry point name such as
            ``'workgraph.test_add'``.
        :param name: the task name; it must be a valid AiiDA link label.
        :raises ValueError: if the name is not a valid link label or the identifier is unknown.
        """
        if isinstance(identifier, ProcessBuilder):
            inputs = {**identifier._inputs(prune=True), **inputs}
            identifier = identifier.process_class
        if identifier is shelljob:
            identifier, inputs = shelljob_task(**inputs)
        if isinstance(identifier, Graph):
            from .graph_task import subgraph_spec, subgraph_values

            inputs = {**subgraph_values(identifier), **inputs}
            identifier = subgraph_spec(identifier)
        if isinstance(identifier, str) and identifier in {
            ep.name for ep in entry_points().select(group=TASK_ENTRY_POINT_GROUP)
        }:
            identifier = _load_task_entry_point(identifier)
        identifier = resolve_task_identifier(identifier)
        if not isinstance(identifier, (str, TaskSpec, BaseHandle)):
            identifier = build_handle(identifier)
        if name is not None:
            check_task_name(name, 'name')
        spec = identifier._spec if isinstance(identifier, BaseHandle) else identifier
        task = super().add_task(spec, name=name)
        if name is None:
            check_task_name(task.name, 'derived')
        check_shape(_dicts(inputs), f'tasks.{task.name}', self.name)
        task.set_inputs(inputs)
        return task

    @property
    def ctx(self) -> Any:
        """The graph context: ``wg.ctx.x`` is a socket; ``wg.ctx = {...}`` replaces its values."""
        return self.graph_ctx.inputs

    @ctx.setter
    def ctx(self, value: dict[str, Any]) -> None:
        """Replace the context's values.

        :raises WorkGraphSerializationError: for a value that contains itself, is nested too deep or has a key that
            is not a string (the context's dicts become namespaces), naming its path ``ctx.<key>``.
        """
        check_shape(value, 'ctx', self.name, string_keys=True)
        self.graph_ctx.inputs._clear()
        self.graph_ctx.inputs._set_socket_value(_none_as_data(value))

    def update_ctx(self, value: dict[str, Any]) -> None:
        """Set some values of the context, keeping the others (checked as for ``wg.ctx = ...``)."""
        check_shape(value, 'ctx', self.name, string_keys=True)
        self.ctx._set_socket_value(_none_as_data(value))

    def __call__(self, inputs: dict[str, Any] | None = None) -> Any:
        """Add this graph as a sub-graph task to the current graph (``with WorkGraph() as wg:``); return its outputs.

        :raises RuntimeError: if no graph is current.
        """
        from node_graph.manager import CurrentGraphManager

        graph = CurrentGraphManager().peek_current_graph()
        if not isinstance(graph, WorkGraph):
            raise RuntimeError(f'calling WorkGraph {self.name!r} adds it to the current graph, but no graph is current')
        return graph.add_task(self, **(inputs or {})).outputs

    def extend(self, other: WorkGraph, prefix: str = '') -> None:
        """Copy the tasks of ``other`` into this graph (named ``prefix + name``), with their values and the links
        between them; links to ``other``'s graph inputs, outputs and ``ctx`` are not copied.

        :raises ValueError: if a copied task's name is taken or is not a valid link label.
        """
        copies = {}
        for task in other.tasks:
            if task.name in BUILTIN_TASKS:
                continue
            name = f'{prefix}{task.name}'
            if name in self.tasks._get_keys():
                raise ValueError(f'cannot extend {self.name!r}: it has a task named {name!r} already')
            check_task_name(name, 'name')
            copies[task.name] = task.copy(name=name, graph=self)
            self.tasks._append(copies[task.name])
        for link in other.links:
            if link.from_task.name in copies and link.to_task.name in copies:
                self.add_link(
                    copies[link.from_task.name].outputs[link.from_socket._scoped_name],
                    copies[link.to_task.name].inputs[link.to_socket._scoped_name],
                )

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The graph's dict (node-graph's: tasks, links, spec, ...) with upstream 0.9.0's other top-level keys:
        ``restart_process`` (the pk of the process a restart reuses, or ``None``), ``max_iteration``,
        ``max_number_jobs``, ``error_handlers`` and ``process`` (the UUID of the graph's process, or ``None``)."""
        data = super().to_dict(*args, **kwargs)
        data.update(
            restart_process=getattr(self, '_restart_from', None),
            max_iteration=DEFAULT_MAX_NUMBER_JOBS,
            max_number_jobs=self.max_number_jobs,
            error_handlers=self.error_handlers,
            process=self.process.uuid if self.process is not None else None,
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkGraph:
        """Rebuild a graph from its dict (:meth:`to_dict`), the tasks inside zones put back into their zones."""
        from .zones import restore_zone_members

        graph = super().from_dict(data)
        restore_zone_members(graph, data.get('tasks') or {})
        return graph

    def copy(self, name: str | None = None) -> WorkGraph:
        """Copy the graph: its tasks (with their values, inside their zones) and links."""
        from .zones import restore_zone_members

        graph = super().copy(name=name)
        zones = {task.name: {'parent_task': [task.parent.name if task.parent else None]} for task in self.tasks}
        restore_zone_members(graph, zones)
        return graph

    # endregion

    # region launching

    def prepare_inputs(self, launch: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the raw inputs of the engine: the structure without values, and the values beside it.

        :param launch: ``'run'`` or ``'submit'`` (values a daemon cannot load are refused for ``'submit'``).
        """
        from ..engine.input_layout import split_values

        structure = Graph.to_dict(self)  # the graph itself, without the summary keys of :meth:`to_dict`
        if getattr(self, '_restart_from', None) is not None:
            structure['restart_from'] = self._restart_from
        structure['max_number_jobs'] = self.max_number_jobs
        if self.error_handlers:
            structure['error_handlers'] = self._checked_error_handlers()
        return split_values(structure, launch, metadata)

    def to_engine_inputs(self, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the inputs to create a ``WorkGraphEngine`` with (upstream's name), e.g. through its builder:
        ``WorkGraphEngine.get_builder()._update(wg.to_engine_inputs())`` then ``aiida.engine.run_get_node(builder)``.

        They are the raw inputs of :meth:`prepare_inputs` for a run in this interpreter: ``tasks`` (the values set on
        each task, ``metadata`` included), ``graph_inputs``, ``workgraph_data`` (the structure and ``ctx``) and
        ``metadata``. Nothing is converted or stored yet: the engine walks them when it is created.
        """
        return self.prepare_inputs('run', metadata)

    def build_connectivity(self) -> dict[str, dict[str, Any]]:
        """Return which tasks feed which (:func:`~aiida_workgraph.authoring.connectivity.build_connectivity`):
        ``input_node``, ``output_node``, ``child_node`` and, per task, ``zone`` (``children``, ``input_tasks``)."""
        from .connectivity import build_connectivity

        return build_connectivity(self)

    def _checked_error_handlers(self) -> dict[str, Any]:
        """The graph's error handlers, after checking that the tasks they name exist.

        :raises ValueError: if a handler names a task the graph does not have.
        """
        for name, record in self.error_handlers.items():
            unknown = sorted(set(record.get('tasks') or ()) - {task.name for task in self.tasks})
            if unknown:
                raise ValueError(f'error handler {name!r} names tasks the graph does not have: {", ".join(unknown)}')
        return self.error_handlers

    def _create_engine(
        self, launch: str, inputs: dict[str, Any] | None, metadata: dict[str, Any] | None, runner: Any = None
    ) -> Any:
        from ..engine.workgraph_engine import WorkGraphEngine

        if self.process is not None:
            pk = self.process.pk
            if launch == 'run' and self._saved:
                raise ValueError(
                    f'Process {pk} has already been created. Please use the submit() method. This WorkGraph was '
                    f'saved: submit() hands its process <{pk}> to the daemon; to run the graph here instead, build a '
                    'new WorkGraph (or use `copy()`)'
                )
            raise ValueError(f'this WorkGraph already has a process <{pk}>; build a new WorkGraph (or use `copy()`)')
        if inputs:
            check_shape(_dicts(inputs), 'graph_inputs', self.name)
            self.set_inputs(inputs)
        return WorkGraphEngine(inputs=self.prepare_inputs(launch, metadata), runner=runner)

    def validate(self, inputs: dict[str, Any] | None = None, submit: bool = True) -> ValidationReport:
        """Walk the graph's values as the engine would and report what each becomes; nothing is stored.

        :param inputs: graph or task inputs to set first, as for :meth:`run`.
        :param submit: check as for :meth:`submit` (values a daemon worker cannot load are refused) rather than
            :meth:`run`.
        :return: every value's path with the AiiDA type it becomes, and every value that cannot be kept.
        """
        from ..engine.engine_inputs import walk_raw_inputs

        if inputs:
            check_shape(_dicts(inputs), 'graph_inputs', self.name)
            self.set_inputs(inputs)
        _, result, problems = walk_raw_inputs(self.prepare_inputs('submit' if submit else 'run'))
        return ValidationReport(values=dict(result.report), problems=problems)

    def run(self, inputs: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run the graph in this interpreter (no daemon or broker needed) and return the graph outputs.

        :raises WorkGraphSerializationError: if a value cannot be kept; nothing is stored.
        """
        from aiida.manage import get_manager

        # A runner without a broker. It is not closed afterwards: it shares this thread's event loop with aiida's
        # global runner (used by ``submit()``), and closing it would close that loop for good.
        runner = get_manager().create_runner(communicator=None)
        engine = self._create_engine('run', inputs, metadata, runner)
        outputs, node = runner.run_get_node(engine)
        self.process = node
        self.update()
        return outputs

    def submit(
        self,
        inputs: dict[str, Any] | None = None,
        wait: bool = False,
        timeout: int = 600,
        interval: int = 5,
        metadata: dict[str, Any] | None = None,
    ) -> orm.ProcessNode:
        """Submit the graph to the daemon and return its process node; with ``wait=True``, wait until it ends.

        A graph that this object saved (:meth:`save`) and did not submit yet has its saved process handed to the daemon.

        :raises WorkGraphSerializationError: if a value cannot be kept; nothing is stored.
        :raises ValueError: if the graph already has a process that it did not just save, or if ``inputs`` or
            ``metadata`` are given for a saved process (its inputs are stored already).
        :raises TimeoutError: if ``wait`` and the process does not end within ``timeout`` seconds.
        """
        from aiida.engine import submit

        if self._saved and self.process is not None:
            if inputs or metadata:
                raise ValueError(
                    f'WorkGraph<{self.process.pk}> was saved with its inputs; submit() it without inputs or metadata'
                )
            self.continue_process()
            self._saved = False
        else:
            self.process = submit(self._create_engine('submit', inputs, metadata))
        if wait:
            self.wait(timeout=timeout, interval=interval)
        return self.process

    def save(self, metadata: dict[str, Any] | None = None) -> orm.ProcessNode:
        """Create the process node and its first checkpoint without running it (no daemon or broker needed).

        :raises WorkGraphSerializationError: if a value cannot be kept; nothing is stored.
        """
        from aiida.manage import get_manager

        # Not closed afterwards, as in :meth:`run`: it shares this thread's event loop with aiida's global runner.
        runner = get_manager().create_runner(communicator=None)
        # The engine writes its first checkpoint itself, on entering its CREATED state (aiida-core's ``on_entered``).
        engine = self._create_engine('submit', None, metadata, runner)
        engine.close()
        self.process = engine.node
        self._saved = True
        return self.process

    def continue_process(self) -> None:
        """Ask the daemon to continue a saved process.

        :raises ValueError: if the graph has no process, or its process has ended.
        """
        from aiida.manage import get_manager

        if self.process is None:
            raise ValueError('this WorkGraph has no process to continue: save() or submit() it first')
        if self.process.is_terminated:
            raise ValueError(f'WorkGraph<{self.process.pk}> has ended; restart() it to run tasks again')
        get_manager().get_process_controller().continue_process(self.process.pk, nowait=True, no_reply=True)

    def wait(
        self, timeout: int = 600, tasks: list[str] | dict[str, list[str]] | None = None, interval: float = 1
    ) -> None:
        """Wait until the process (or the given tasks) ended, refreshing the graph from the database.

        :param tasks: task names to wait for until they end; or, as upstream takes it, ``{task: [states]}``: wait until
            each task is in one of its states (a task state such as ``'RUNNING'``, or the process state of its
            process such as ``'CREATED'``/``'WAITING'``), or has ended.
        :raises ValueError: if the graph has no process, or ``tasks`` names a task it does not have.
        :raises TimeoutError: if it does not end within ``timeout`` seconds; the message starts with upstream's
            ``Timeout reached after N seconds while waiting for the WorkGraph:`` and names the process, its state and
            the tasks that have not ended.
        """
        if self.process is None:
            raise ValueError('this WorkGraph has no process to wait for: run(), submit() or save() it first')
        wanted = _wanted_states(tasks)
        unknown = sorted(set(wanted or ()) - {task.name for task in self.tasks})
        if unknown:
            raise ValueError(f'WorkGraph<{self.process.pk}> has no tasks named {", ".join(unknown)}')
        deadline = time.monotonic() + timeout
        while True:
            # Whether it ended is read before the records, so that the records read are the final ones.
            ended = orm.load_node(self.process.pk).is_terminated
            self.update()
            watched = [self.tasks[name] for name in wanted] if wanted is not None else None
            if watched is None and ended:
                return
            if watched is not None and all(_reached(task, wanted[task.name]) for task in watched):
                return
            if time.monotonic() > deadline:
                pending = [
                    f'{task.name} ({task.state})'
                    for task in (watched if watched is not None else self.tasks)
                    if task.name not in BUILTIN_TASKS and task.state not in TERMINAL_TASK_STATES
                ]
                raise TimeoutError(
                    f'Timeout reached after {timeout} seconds while waiting for the WorkGraph: {self.process.pk}. '
                    f'WorkGraph<{self.process.pk}> ({self.state}) did not end within {timeout} s; '
                    f'tasks not ended: {", ".join(pending) or "none"}'
                )
            time.sleep(interval)

    # endregion

    # region state

    @property
    def pk(self) -> int | None:
        """The pk of the process node, once the graph was run, submitted or saved."""
        return self.process.pk if self.process is not None else None

    def update(self) -> None:
        """Refresh task states, task processes, task outputs and graph outputs from the database.

        The task processes and result nodes are loaded with a few queries, not one per task.
        """
        from ..enums import TASK_ERROR, TASK_PROCESS, TASK_RESULT, TASK_STATE
        from ..orm.upstream_graph import read_task_records

        if self.process is None:
            return
        node = orm.load_node(self.process.pk)
        self.process = node
        self.state = node.process_state.value.upper() if node.process_state else 'CREATED'
        records = read_task_records(node)  # graphs of this package and of upstream aiida-workgraph 0.9.0
        states, processes = records[TASK_STATE], records[TASK_PROCESS]
        results, errors = records[TASK_RESULT], records[TASK_ERROR]
        nodes = _load_nodes({*processes.values(), *(pk for _, pk in flatten(results) if isinstance(pk, int))})
        finished = [pk for pk in processes.values() if nodes[pk].is_finished_ok]
        process_outputs = _process_outputs(finished)
        for task in self.tasks:
            if task.name in BUILTIN_TASKS:
                # The graph's own inputs, outputs and context: done when the process is (upstream shows them so).
                task.state = 'FINISHED' if node.is_finished else 'PLANNED'
                continue
            task.state = states.get(task.name, 'PLANNED')
            task.log = errors.get(task.name, '')
            outputs: dict[str, Any] = {}
            if task.name in processes:
                task.process = nodes[processes[task.name]]
                outputs = process_outputs.get(task.process.pk, {})
            if task.name in results:
                outputs = map_leaves(results[task.name], nodes.__getitem__)
            _set_output_values(task, outputs)
        graph_outputs = node.base.links.get_outgoing(link_type=LinkType.RETURN).nested()
        if graph_outputs:
            self.outputs._set_socket_value(graph_outputs)

    @classmethod
    def load(cls, pk: int | str | orm.ProcessNode) -> WorkGraph:
        """Rebuild the WorkGraph of a process node: tasks, links, input values, states and outputs.

        A node written by upstream aiida-workgraph 0.9.0 is read from upstream's attributes
        (:func:`~aiida_workgraph.orm.upstream_graph.read_structure`).

        :raises ValueError: if the node is not a WorkGraph process, or (``UpstreamGraphError``) its graph cannot be
            read; the message names the node and what is missing.
        """
        from ..engine.input_layout import merge_values
        from ..orm.upstream_graph import read_structure
        from ..orm.workgraph_node import WorkGraphNode

        node = pk if isinstance(pk, orm.ProcessNode) else orm.load_node(pk)
        if not isinstance(node, WorkGraphNode):
            raise ValueError(
                f'Process {node.pk} is not a WorkGraph: node <{node.pk}> is a {type(node).__name__}, not a WorkGraph '
                'process'
            )
        structure = read_structure(node)
        inputs = node.base.links.get_incoming(link_type=LinkType.INPUT_WORK).nested()
        graph = cls.from_dict(merge_values(structure, inputs))
        graph.error_handlers = structure.get('error_handlers') or {}
        graph.max_number_jobs = structure.get('max_number_jobs', DEFAULT_MAX_NUMBER_JOBS)
        graph.process = node
        graph.update()
        return graph

    # endregion

    # region inspection

    def __repr__(self) -> str:
        return graph_repr(self)

    def show(self) -> None:
        """Print the graph's name, process pk and state, and a table of its tasks with their process pk and state."""
        print(graph_summary(self))

    def generate_provenance_graph(self, **kwargs: Any) -> Any:
        """Draw the provenance graph of the process, as :func:`aiida_workgraph.utils.generate_provenance_graph` does.

        :raises ValueError: if the graph has no process yet.
        :raises RuntimeError: if the graphviz program ``dot`` is not on the ``PATH``.
        """
        return graph_provenance(self, **kwargs)

    # endregion

    def _task_action(self, action: str, tasks: list[str]) -> dict[str, str]:
        """Send a task action to the running process (see :mod:`aiida_workgraph.engine.task_control`).

        :raises ValueError: if the graph has no process, it has ended, or a task does not exist.
        :raises TaskControlError: if the process cannot be reached through the broker.
        """
        from ..engine.task_control import send_task_action

        if self.process is None:
            raise ValueError('this WorkGraph has no process: submit() it (or save() and continue_process()) first')
        done = send_task_action(self.process.pk, action, list(tasks))
        self.update()
        return done

    def pause_tasks(self, tasks: list[str]) -> dict[str, str]:
        """Pause tasks of the running process: a planned task waits until played; a running task's process pauses.

        The graph does not finish while a task is paused. The process must run in a daemon worker (the request goes
        through the profile's broker).

        :return: what was done to each task.
        :raises ValueError: if the graph has no running process or a task does not exist.
        :raises TaskControlError: if the process cannot be reached through the broker.
        """
        return self._task_action('PAUSE', tasks)

    def play_tasks(self, tasks: list[str]) -> dict[str, str]:
        """Play paused tasks of the running process (a paused task's process is played).

        :return: what was done to each task.
        :raises ValueError: if the graph has no running process or a task does not exist.
        :raises TaskControlError: if the process cannot be reached through the broker.
        """
        return self._task_action('PLAY', tasks)

    def kill_tasks(self, tasks: list[str]) -> dict[str, str]:
        """Kill tasks of the running process: a planned or paused task is KILLED, a running task's process is killed.

        The tasks that depend on a killed task are skipped; the graph ends with exit status 302.

        :return: what was done to each task.
        :raises ValueError: if the graph has no running process or a task does not exist.
        :raises TaskControlError: if the process cannot be reached through the broker.
        """
        return self._task_action('KILL', tasks)

    def reset_tasks(self, tasks: list[str]) -> dict[str, str]:
        """Plan ended tasks of the running process again (with the ended tasks that depend on them): they run anew.

        :return: what was done to each task.
        :raises ValueError: if the graph has no running process or a task does not exist.
        :raises TaskControlError: if the process cannot be reached through the broker.
        """
        return self._task_action('RESET', tasks)

    def play(self) -> None:
        """Play the (paused) process, through the broker.

        :raises ValueError: if the graph has no process.
        :raises TaskControlError: if the process does not answer.
        """
        from aiida.manage import get_manager
        from plumpy.futures import unwrap_kiwi_future

        from ..engine.task_control import TaskControlError

        if self.process is None:
            raise ValueError('this WorkGraph has no process to play')
        try:
            future = get_manager().get_process_controller().play_process(self.process.pk)
            unwrap_kiwi_future(future).result(timeout=10)
        except Exception as exception:  # noqa: BLE001 - kiwipy raises its own errors for an unroutable message
            raise TaskControlError(
                f'WorkGraph<{self.process.pk}> did not answer the play request: {type(exception).__name__}: {exception}'
            ) from exception
        self.update()

    def restart(self) -> None:
        """Prepare a new process that reuses the finished tasks of this graph's (ended) process.

        The graph is refreshed from its process and forgets it; change inputs if needed, then :meth:`run` or
        :meth:`submit` it. The new process takes over every task that finished in the old one and is unchanged (same
        callable, links, and input values), with its process and results, and runs the others (see
        :mod:`aiida_workgraph.engine.restart`). Works from a finished, failed or killed process, and, as upstream's,
        from a process that was created (saved) and never ran: it has no finished task to reuse, so the new process
        runs every task (the saved one is left as it is).

        :raises ValueError: if the graph has no process yet, or its process is running (or waiting, or paused).
        """
        if self.process is None:
            raise ValueError('this WorkGraph has no process to restart from: run() or submit() it first')
        node = orm.load_node(self.process.pk)
        if node.process_state == ProcessState.CREATED:
            self.update()
            self.process = None
            self._restart_from = None
            return
        if not node.is_terminated:
            state = node.process_state.value if node.process_state else 'created'
            raise ValueError(
                f'WorkGraph<{node.pk}> has not ended (it is {state}): wait for it, or kill it, before restarting'
            )
        self.update()
        self.process = None
        self._restart_from = node.pk

    def reset(self) -> None:
        """Forget the process (and any process to restart from) so the graph runs again as a new process."""
        self.process = None
        self._restart_from = None
        for task in self.tasks:
            task.state = 'PLANNED'
            if isinstance(task, Task):
                task.process = None


def _wanted_states(tasks: list[str] | dict[str, list[str]] | None) -> dict[str, set[str] | None] | None:
    """``{task: the states to wait for, or None to wait until it ended}`` of :meth:`WorkGraph.wait`'s ``tasks``."""
    if tasks is None:
        return None
    if isinstance(tasks, dict):
        return {name: {str(state).upper() for state in states} if states else None for name, states in tasks.items()}
    return dict.fromkeys(tasks)


def _reached(task: Any, states: set[str] | None) -> bool:
    """Whether ``task`` ended, or is in one of ``states`` (its own state, or the process state of its process)."""
    if task.state in TERMINAL_TASK_STATES or (states is not None and task.state in states):
        return True
    process = getattr(task, 'process', None)
    return (
        states is not None
        and process is not None
        and process.process_state is not None
        and (process.process_state.value.upper() in states)
    )


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _load_nodes(pks: set[int]) -> dict[int, orm.Node]:
    """Load nodes by pk, with one query per 500 pks."""
    nodes: dict[int, orm.Node] = {}
    for chunk in _chunks(sorted(pks)):
        query = orm.QueryBuilder().append(orm.Node, filters={'id': {'in': chunk}})
        nodes.update((node.pk, node) for node in query.all(flat=True))
    return nodes


def _process_outputs(process_pks: list[int]) -> dict[int, dict[str, Any]]:
    """The outputs of processes as nested dicts of nodes, by process pk, with one query per 500 processes."""
    from ..trees import set_nested

    outputs: dict[int, dict[str, Any]] = {}
    link_types = [LinkType.CREATE.value, LinkType.RETURN.value]
    for chunk in _chunks(sorted(process_pks)):
        query = orm.QueryBuilder()
        query.append(orm.ProcessNode, filters={'id': {'in': chunk}}, project='id', tag='process')
        query.append(
            orm.Data,
            with_incoming='process',
            edge_filters={'type': {'in': link_types}},
            edge_project='label',
            project='*',
        )
        for pk, data, label in query.all():
            set_nested(outputs.setdefault(pk, {}), label.replace('__', '.'), data)
    return outputs


def _set_output_values(task: Any, outputs: dict[str, Any]) -> None:
    """Put result nodes on a task's output sockets (unknown names of dynamic outputs included)."""
    for path, value in flatten(outputs):
        try:
            task.outputs._set_socket_value(_nest(path, value))
        except (KeyError, ValueError, AttributeError, ValidationError):
            continue


def _nest(path: str, value: Any) -> dict[str, Any]:
    keys = path.split('.')
    tree: Any = value
    for key in reversed(keys):
        tree = {key: tree}
    return tree


def _dicts(values: dict[str, Any]) -> dict[str, Any]:
    """The dict values among ``values``: node-graph copies them recursively, so they are checked before it does."""
    return {key: value for key, value in values.items() if isinstance(value, dict)}


def _none_as_data(values: dict[str, Any]) -> dict[str, Any]:
    """``None`` context values as ``NoneData`` nodes (node-graph drops ``None`` socket values; the walk keeps them)."""
    if all(value is not None for value in values.values()):
        return values
    from aiida_pythonjob.data.common_data import NoneData

    return {key: NoneData() if value is None else value for key, value in values.items()}

"""The task of a WorkGraph: a node-graph task with ``workgraph.*`` sockets that knows the AiiDA process that ran it.

A class that subclasses :class:`Task` with ``_default_spec = TaskSpec(...)`` can be passed to
``WorkGraph.add_task``; :func:`resolve_task_identifier` turns what ``add_task`` receives into a spec.
"""

from __future__ import annotations

import inspect
from typing import Any

from aiida import orm
from node_graph.executor import ExecutorMode, SafeExecutor
from node_graph.task import Task as NodeGraphTask
from node_graph.task_spec import BaseHandle, TaskSpec

from ..registry import registry_hub
from ..socket_spec import WorkGraphSocketSpecAPI
from .waiting_on import WaitingOn


class Task(NodeGraphTask):
    """A task of a :class:`~aiida_workgraph.WorkGraph`.

    Its sockets are ``workgraph.*`` sockets (typed sockets check a value's type when it is set). Besides
    node-graph's sockets, state and spec it carries ``process``: the AiiDA process node that ran it, when it ran as
    an AiiDA process (calcfunction, CalcJob, WorkChain, PythonJob).
    """

    _REGISTRY = registry_hub
    _SOCKET_SPEC_API = WorkGraphSocketSpecAPI
    _default_spec = TaskSpec(
        identifier='workgraph.any',
        task_type='Normal',
        inputs=WorkGraphSocketSpecAPI.namespace(),
        outputs=WorkGraphSocketSpecAPI.namespace(),
        catalog='Base',
        base_class_path='aiida_workgraph.authoring.task.Task',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.process: orm.ProcessNode | None = None
        self.state = 'PLANNED'

    @property
    def pk(self) -> int | None:
        """The pk of the process node that ran this task, if any."""
        return self.process.pk if self.process is not None else None

    @property
    def waiting_on(self) -> WaitingOn:
        """The tasks this one waits for without taking a value from them: a live view of its ``_wait`` links
        (``task.waiting_on.add('add1')`` is ``add1 >> task``; ``remove``, ``clear``, ``len``, ``in``)."""
        return WaitingOn(self)

    @property
    def node(self) -> orm.ProcessNode | None:
        """The process node that ran this task (the same as :attr:`process`), if any."""
        return self.process

    def set_from_builder(self, builder: Any) -> None:
        """Set this task's inputs (``metadata`` included) from a ``ProcessBuilder`` of the process it runs.

        :raises TypeError: if ``builder`` is not a ``ProcessBuilder``.
        :raises ValueError: if the builder is for another process than the one this task runs.
        """
        from aiida.engine import ProcessBuilder

        if not isinstance(builder, ProcessBuilder):
            raise TypeError(f'set_from_builder() expects a ProcessBuilder, got {type(builder).__name__}')
        process_class = task_callable(self.spec)
        process_class = getattr(process_class, 'process_class', process_class)
        if process_class is not builder.process_class:
            expected = getattr(process_class, '__name__', repr(process_class))
            raise ValueError(
                f'the builder is for {builder.process_class.__name__}, but task {self.name!r} runs {expected}'
            )
        self.set_inputs(builder._inputs(prune=True))

    def add_error_handler(self, error_handler: dict[str, Any]) -> None:
        """Attach error handlers: ``{name: {'executor': f, 'exit_codes': [...], 'max_retries': 1, 'kwargs': {}}}``.

        When the task's process fails with one of ``exit_codes``, the engine calls ``f(task, **kwargs)`` (see
        :mod:`aiida_workgraph.engine.error_handlers`) and runs the task again, at most ``max_retries`` times.

        :raises ValueError: if an entry is malformed (unknown keys, no executor, no exit codes).
        """
        from ..engine.error_handlers import normalize_task_handlers

        super().add_error_handler(normalize_task_handlers(error_handler))

    def to_widget_value(self) -> dict[str, Any]:
        """The task alone in the widget's short form, as the graph's widget shows each task.

        Its ``inputs`` are its required top-level input sockets (``name``, ``identifier``), its ``properties`` the
        values of its top-level inputs that have one (``identifier``, ``value``); no links.
        """
        from node_graph.utils import gaph_to_short_json

        tasks = {self.name: self.to_dict(include_sockets=True)}
        graph = {'name': self.name, 'uuid': '', 'state': '', 'links': [], 'tasks': tasks}
        short = gaph_to_short_json(graph)
        node = short.pop('tasks')[self.name]
        node['identifier'] = self.identifier
        node['properties'] = {
            name: {'identifier': socket.property.identifier, 'value': socket.property.value}
            for name, socket in self.inputs._sockets.items()
            if getattr(socket, 'property', None) is not None
        }
        short['nodes'] = {self.name: node}
        return short

    def _new_for_copy(self, name: str | None, graph: Any, spec: Any) -> Task:
        return self.__class__(name=name, uuid=None, graph=graph, spec=spec)


def task_callable(spec: TaskSpec) -> Any:
    """The function or process class that a task spec's executor names (``None`` if it has no executor).

    :raises ImportError: if the executor cannot be imported or unpickled in this interpreter.
    """
    executor = spec.executor
    if executor is None:
        return None
    if executor.mode == ExecutorMode.PICKLED_CALLABLE:
        import base64

        import cloudpickle

        obj = cloudpickle.loads(base64.b64decode(executor.pickled_callable.encode('utf-8')))
    else:
        obj = SafeExecutor(**executor.to_dict()).callable
    return obj._callable if isinstance(obj, BaseHandle) else obj


def _is_entry_point(obj: Any) -> bool:
    """Whether ``obj`` is an entry point, of ``importlib.metadata`` or of its backport ``importlib_metadata``."""
    return type(obj).__name__ == 'EntryPoint' and all(hasattr(obj, name) for name in ('load', 'group', 'value'))


def resolve_task_identifier(identifier: Any) -> Any:
    """Return the spec of a ``Task`` subclass, what an entry point (``TaskPool.workgraph.test_add``) names, else
    ``identifier`` unchanged.

    A ``Task`` subclass is added through its ``_default_spec``, whose ``base_class_path`` names the class.
    """
    if _is_entry_point(identifier):
        identifier = identifier.load()
    if inspect.isclass(identifier) and issubclass(identifier, NodeGraphTask):
        return identifier._default_spec
    return identifier


__all__ = ['Task', 'resolve_task_identifier', 'task_callable']

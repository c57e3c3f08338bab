"""The ``task`` decorator family: turns functions and AiiDA processes into task handles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiida.engine import calcfunction, workfunction
from node_graph.executor import RuntimeExecutor
from node_graph.socket_spec import SocketSpec
from node_graph.task_spec import BaseHandle, SchemaSource, TaskHandle, TaskSpec
from node_graph.utils.function import is_function_like, prepare_function_inputs

from ..engine.error_handlers import normalize_task_handlers
from ..socket_spec import check_function_input_names, validate_socket_data
from ..tasks.kinds import PythonJobKind, get_kind, infer_kind
from .current_graph import get_current_graph
from .task import Task
from .task_classes import KIND_TASK_CLASSES, AiiDAProcessTask
from .task_names import check_task_name


class WorkGraphTaskHandle(TaskHandle):
    """The handle returned by the ``task`` decorators: calling it inside a graph adds a task and returns its outputs.

    ``metadata={'call_link_label': name}`` in a call names the task (and, for AiiDA processes, the CALL link).
    Outside ``with WorkGraph():`` the task goes to the current graph, a new ``WorkGraph`` if there is none
    (:func:`~aiida_workgraph.authoring.current_graph.get_current_graph`).
    """

    def __init__(self, spec: TaskSpec) -> None:
        super().__init__(spec)
        self._get_current_graph = get_current_graph

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Add a task to the graph being built, with these inputs, and return its outputs.

        :raises RuntimeError: ``Invalid nested task call.`` if called inside the function of a running task.
        """
        from ..tasks.kinds.pyfunction import RUNNING_TASK

        running = RUNNING_TASK.get()
        if running is not None:
            name = self._spec.identifier
            raise RuntimeError(
                f'Invalid nested task call. Task {name!r} was called inside the function of task {running!r}, which '
                'runs as plain Python and cannot add tasks. Call the plain function instead (`handle._callable(...)`'
                f'), or make {running!r} a `@task.graph` so that its body builds a graph of tasks.'
            )
        metadata = kwargs.get('metadata')
        name = metadata.get('call_link_label') if isinstance(metadata, dict) else None
        if name is None:
            return super().__call__(*args, **kwargs)
        if 'metadata' not in self._spec.inputs.fields:
            kwargs = {key: value for key, value in kwargs.items() if key != 'metadata'}
        check_task_name(name, 'call_link_label')
        graph = self._get_current_graph()
        task = graph.add_task(self._spec, name=name)
        zone = getattr(graph, '_active_zone', None)
        if zone:
            zone.children.add(task)
        func = getattr(self, '_callable', None)
        task.set_inputs(prepare_function_inputs(func, *args, **kwargs) if is_function_like(func) else kwargs)
        return task.outputs


def _default_identifier(obj: Any) -> str:
    """The identifier of a task made from ``obj`` when none is given: its name, as upstream names it."""
    return getattr(obj, '__name__', None) or type(obj).__name__


def build_handle(
    obj: Any,
    identifier: str | None = None,
    inputs: SocketSpec | list | None = None,
    outputs: SocketSpec | list | None = None,
    error_handlers: dict | None = None,
    catalog: str = 'Others',
    kind: str | None = None,
) -> TaskHandle:
    """Return the task handle of a plain function, a process function or a process class.

    :param kind: the name of the task kind (:mod:`aiida_workgraph.tasks.kinds`); inferred from ``obj`` when not
        given (``PYTHONJOB`` must be asked for).
    :raises TypeError: if ``obj`` cannot be a task.
    """
    if isinstance(obj, BaseHandle):
        return obj
    check_function_input_names(obj)
    task_kind = get_kind(kind) if kind else infer_kind(obj)
    in_spec, out_spec = task_kind.build_specs(obj, validate_socket_data(inputs), validate_socket_data(outputs))
    base_class = KIND_TASK_CLASSES.get(task_kind.name, Task)
    # A process class alone is stored by reference and its spec built again from it on load (upstream's
    # ``SchemaSource.CALLABLE``); anything declared on top of it is stored with the graph.
    by_reference = base_class is AiiDAProcessTask and identifier is None and inputs is None and outputs is None
    spec = TaskSpec(
        identifier=identifier or _default_identifier(obj),
        schema_source=SchemaSource.CALLABLE if by_reference and not error_handlers else SchemaSource.EMBEDDED,
        task_type=task_kind.name,
        catalog=catalog,
        inputs=in_spec,
        outputs=out_spec,
        executor=RuntimeExecutor.from_callable(obj),
        error_handlers=normalize_task_handlers(error_handlers),
        base_class=base_class,
        metadata={'callable': {'module': getattr(obj, '__module__', None), 'name': getattr(obj, '__name__', None)}},
    )
    handle = WorkGraphTaskHandle(spec)
    handle._callable = obj
    return handle


class TaskDecoratorCollection:
    """``task`` and its variants. Each works bare (``@task``) and called (``@task(...)``)."""

    @staticmethod
    def _decorate(wrap: Callable[[Any], TaskHandle], args: tuple, kwargs: dict) -> Any:
        if len(args) == 1 and not kwargs and not isinstance(args[0], str) and callable(args[0]):
            return wrap(args[0])
        return wrap

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Make a task from a plain function, a process function or a ``CalcJob``/``WorkChain`` class.

        ``task(identifier=None, inputs=None, outputs=None, error_handlers=None, catalog='Others')``.
        """
        options = _options(args, kwargs)
        return self._decorate(lambda obj: build_handle(obj, **options), args, kwargs)

    def calcfunction(self, *args: Any, **kwargs: Any) -> Any:
        """Wrap a plain function as an AiiDA ``calcfunction`` task."""
        options = _options(args, kwargs)
        return self._decorate(lambda func: build_handle(calcfunction(func), **options), args, kwargs)

    def workfunction(self, *args: Any, **kwargs: Any) -> Any:
        """Wrap a plain function as an AiiDA ``workfunction`` task."""
        options = _options(args, kwargs)
        return self._decorate(lambda func: build_handle(workfunction(func), **options), args, kwargs)

    def pythonjob(self, *args: Any, **kwargs: Any) -> Any:
        """Run the function as an aiida-pythonjob ``PythonJob`` CalcJob (on ``localhost`` by default).

        The task gets the extra inputs ``computer``, ``code``, ``command_info``, ``register_pickle_by_value`` and
        ``metadata``; its function inputs are converted to AiiDA data when the WorkGraph process is created.
        """
        options = _options(args, kwargs)
        return self._decorate(lambda func: build_handle(func, kind=PythonJobKind.name, **options), args, kwargs)

    def graph(self, *args: Any, **kwargs: Any) -> Any:
        """Make a graph task: the function body builds a graph from task calls, run as a child WorkGraph process.

        ``task.graph(identifier=None, inputs=None, outputs=None, catalog='Others', max_depth=100,
        max_number_jobs=None)``; see :func:`aiida_workgraph.authoring.graph_task.graph_handle`.
        """
        from .graph_task import graph_handle

        options = _options(args, kwargs)
        return self._decorate(lambda func: graph_handle(func, **options), args, kwargs)

    def monitor(self, *args: Any, **kwargs: Any) -> Any:
        """Make a monitor: the function is called every ``interval`` seconds until it returns a true value.

        The task gets the extra inputs ``interval`` (default 5 s) and ``timeout`` (default 3600 s); at the timeout it
        fails with exit status 324. It waits on the engine's event loop, without blocking other tasks
        (:mod:`aiida_workgraph.tasks.kinds.awaited`).
        """
        from ..tasks.kinds.awaited import MonitorKind

        options = _options(args, kwargs)
        return self._decorate(lambda func: build_handle(func, kind=MonitorKind.name, **options), args, kwargs)


def _options(args: tuple, kwargs: dict) -> dict:
    """Collect the decorator options from a called form, ``task('id', inputs=...)`` or ``task(inputs=...)``."""
    options = dict(kwargs)
    if len(args) == 1 and isinstance(args[0], str):
        options['identifier'] = args[0]
    return options


task = TaskDecoratorCollection()

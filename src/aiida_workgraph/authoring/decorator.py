"""The ``task`` decorator family: turns functions and AiiDA processes into task handles."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from aiida.engine import CalcJob, Process, calcfunction, workfunction
from node_graph.error_handler import normalize_error_handlers
from node_graph.executor import RuntimeExecutor
from node_graph.socket_spec import SocketSpec
from node_graph.task_spec import BaseHandle, TaskHandle, TaskSpec
from node_graph.utils.function import is_function_like, prepare_function_inputs

from ..socket_spec import check_function_input_names, infer_specs_from_callable, validate_socket_data
from ..tasks import task_types
from ..tasks.pythonjob import add_job_inputs
from .process_spec import process_specs
from .task import Task


class WorkGraphTaskHandle(TaskHandle):
    """The handle returned by the ``task`` decorators: calling it inside a graph adds a task and returns its outputs.

    ``metadata={'call_link_label': name}`` in a call names the task (and, for AiiDA processes, the CALL link).
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        metadata = kwargs.get('metadata')
        name = metadata.get('call_link_label') if isinstance(metadata, dict) else None
        if name is None:
            return super().__call__(*args, **kwargs)
        if 'metadata' not in self._spec.inputs.fields:
            kwargs = {key: value for key, value in kwargs.items() if key != 'metadata'}
        graph = self._get_current_graph()
        task = graph.add_task(self._spec, name=name)
        zone = getattr(graph, '_active_zone', None)
        if zone:
            zone.children.add(task)
        func = getattr(self, '_callable', None)
        task.set_inputs(prepare_function_inputs(func, *args, **kwargs) if is_function_like(func) else kwargs)
        return task.outputs


def task_kind(obj: Any) -> str:
    """Return the task type for a callable: a plain function, a process function or a process class.

    :raises TypeError: if ``obj`` is none of these.
    """
    if getattr(obj, 'is_process_function', False):
        node_class = obj.process_class._node_class
        return task_types.CALCFUNCTION if node_class.__name__ == 'CalcFunctionNode' else task_types.WORKFUNCTION
    if inspect.isclass(obj) and issubclass(obj, CalcJob):
        return task_types.CALCJOB
    if inspect.isclass(obj) and issubclass(obj, Process):
        return task_types.WORKCHAIN
    if callable(obj) and not inspect.isclass(obj):
        return task_types.FUNCTION
    raise TypeError(f'cannot make a task from {obj!r}: expected a function, a process function or a Process class')


def _default_identifier(obj: Any) -> str:
    module = getattr(obj, '__module__', None) or ''
    name = getattr(obj, '__name__', None) or type(obj).__name__
    return f'{module}.{name}' if module else name


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

    :param kind: the task type; inferred from ``obj`` when not given (``PYTHONJOB`` must be asked for).
    :raises TypeError: if ``obj`` cannot be a task.
    """
    if isinstance(obj, BaseHandle):
        return obj
    check_function_input_names(obj)
    kind = kind or task_kind(obj)
    inputs = validate_socket_data(inputs)
    outputs = validate_socket_data(outputs)
    if kind in (task_types.CALCJOB, task_types.WORKCHAIN):
        in_spec, out_spec = process_specs(obj)
    elif kind in task_types.PROCESS_FUNCTIONS:
        process_in, _ = process_specs(obj.process_class)
        func_in, out_spec = infer_specs_from_callable(obj, inputs, outputs)
        fields = dict(func_in.fields)
        fields['metadata'] = process_in.fields['metadata']
        in_spec = SocketSpec(func_in.identifier, item=func_in.item, fields=fields, meta=func_in.meta)
    elif kind == task_types.PYTHONJOB:
        func_in, out_spec = infer_specs_from_callable(obj, inputs, outputs)
        in_spec = add_job_inputs(func_in)
    else:
        in_spec, out_spec = infer_specs_from_callable(obj, inputs, outputs)
    spec = TaskSpec(
        identifier=identifier or _default_identifier(obj),
        task_type=kind,
        catalog=catalog,
        inputs=in_spec,
        outputs=out_spec,
        executor=RuntimeExecutor.from_callable(obj),
        error_handlers=normalize_error_handlers(error_handlers),
        base_class=Task,
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
        return self._decorate(lambda func: build_handle(func, kind=task_types.PYTHONJOB, **options), args, kwargs)

    def graph(self, *args: Any, **kwargs: Any) -> Any:
        """Build a sub-graph from the function body.

        :raises NotImplementedError: graph tasks are not available yet.
        """
        raise NotImplementedError('task.graph is not available in this release yet')

    def monitor(self, *args: Any, **kwargs: Any) -> Any:
        """Poll a condition until it holds.

        :raises NotImplementedError: monitor tasks are not available yet.
        """
        raise NotImplementedError('task.monitor is not available in this release yet')


def _options(args: tuple, kwargs: dict) -> dict:
    """Collect the decorator options from a called form, ``task('id', inputs=...)`` or ``task(inputs=...)``."""
    options = dict(kwargs)
    if len(args) == 1 and isinstance(args[0], str):
        options['identifier'] = args[0]
    return options


task = TaskDecoratorCollection()

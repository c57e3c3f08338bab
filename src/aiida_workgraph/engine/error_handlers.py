"""Error handlers: what the engine does when a task's process fails with an exit code a handler is registered for.

A handler is a function ``handler(task, **kwargs)`` registered on a task (``error_handlers=`` of the decorator,
``task.add_error_handler``) or on the graph (``WorkGraph(error_handlers=...)``) with the ``exit_codes`` it handles,
``max_retries`` and extra ``kwargs``. When a task's process finishes with one of those exit statuses and the handler
has retries left, the engine calls it with a :class:`HandlerTask` (the failed task: its name, its current inputs,
the failed process) and the handler's ``kwargs``. The handler may change inputs (``task.inputs.x.value = ...``,
``task.set_inputs({...})``) and may return a message, which is reported. The changed values are converted and checked
by the same walk as the graph's own inputs, then the task runs again as a new process. A handler that raises, or
changes inputs to values that cannot be kept, fails the task with a message that says so.
"""

from __future__ import annotations

import base64
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiida import orm
from node_graph.executor import ExecutorMode, SafeExecutor
from node_graph.socket_spec import SocketSpec

from ..orm.transaction import atomic
from ..serialization.walk import InputWalker, WalkResult

#: The keys a handler entry may have.
HANDLER_KEYS = frozenset({'executor', 'exit_codes', 'max_retries', 'kwargs', 'retry'})
#: The keys a graph-level handler entry may have besides those (the tasks it applies to).
GRAPH_HANDLER_KEYS = HANDLER_KEYS | {'tasks'}


@dataclass
class Handler:
    """One error handler as the engine applies it to one task.

    :param name: the handler's name (the key it was registered under).
    :param executor: the handler function, as a node-graph executor dict.
    :param exit_codes: the exit statuses it handles.
    :param max_retries: how many times it may send the task back to run.
    :param kwargs: extra keyword arguments it is called with.
    """

    name: str
    executor: dict[str, Any]
    exit_codes: list[int]
    max_retries: int = 1
    kwargs: dict[str, Any] = field(default_factory=dict)

    def function(self) -> Any:
        """The handler function (unpickled here if it was pickled).

        :raises ImportError: if it cannot be imported or unpickled in this interpreter.
        """
        executor = dict(self.executor)
        if executor.get('mode') == ExecutorMode.PICKLED_CALLABLE.value:
            import cloudpickle

            return cloudpickle.loads(base64.b64decode(executor['pickled_callable'].encode('utf-8')))
        return SafeExecutor(**executor).callable


def check_handler_entry(name: str, entry: dict[str, Any], allowed: frozenset[str] = HANDLER_KEYS) -> None:
    """Check one handler entry as the user wrote it (a dict), before it is accepted.

    :raises ValueError: if it has unknown keys, no ``executor``, no ``exit_codes`` (it could never run), or
        ``max_retries`` below 1.
    """
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ValueError(f'error handler {name!r}: unknown keys {unknown}; allowed: {sorted(allowed)}')
    executor = entry.get('executor')
    if executor is None or not (callable(executor) or isinstance(executor, dict) or hasattr(executor, 'to_dict')):
        raise ValueError(f'error handler {name!r}: `executor` must be the handler function')
    codes = entry.get('exit_codes')
    per_task = entry.get('tasks')
    if not codes and not (isinstance(per_task, dict) and per_task):
        raise ValueError(
            f'error handler {name!r} has no `exit_codes`: it would never run; give the exit statuses it handles'
        )
    if int(entry.get('max_retries', 1)) < 1:
        raise ValueError(f'error handler {name!r}: `max_retries` must be at least 1')


def normalize_task_handlers(value: dict[str, Any] | None) -> dict[str, Any]:
    """Check and normalize the error handlers of a task (``{name: {'executor': f, 'exit_codes': [...], ...}}`` or
    ``{name: ErrorHandlerSpec}``) into node-graph's ``ErrorHandlerSpec`` records.

    :raises ValueError: if ``value`` is not a dict by handler name, or an entry is malformed (unknown keys, no
        executor, no exit codes, ``max_retries`` below 1).
    """
    from node_graph.error_handler import ErrorHandlerSpec, normalize_error_handlers

    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValueError(
            'error handlers must be a dict {name: {"executor": ..., "exit_codes": [...]}}, '
            f'got {type(value).__name__}'
        )
    for name, entry in value.items():
        if isinstance(entry, ErrorHandlerSpec):
            entry = {'executor': entry.executor, 'exit_codes': entry.exit_codes, 'max_retries': entry.max_retries}
        if not isinstance(entry, dict):
            raise ValueError(
                f'error handler {name!r}: expected a dict or an ErrorHandlerSpec, got {type(entry).__name__}'
            )
        check_handler_entry(name, entry)
    return normalize_error_handlers(value)


def task_handlers(spec: Any, graph_handlers: dict[str, Any], task: str) -> list[Handler]:
    """The handlers that apply to ``task``: its own (from its spec) and the graph's that name it or all tasks.

    :param spec: the task's node-graph ``TaskSpec``.
    :param graph_handlers: the graph's handlers as stored in the structure (see :func:`graph_handler_record`).
    """
    found = {}
    for source in (spec.error_handlers or {}, spec.attached_error_handlers or {}):
        for name, handler in source.items():
            found[name] = Handler(
                name, handler.executor.to_dict(), list(handler.exit_codes), handler.max_retries, handler.kwargs or {}
            )
    for name, record in graph_handlers.items():
        tasks = record.get('tasks')
        if tasks is not None and task not in tasks:
            continue
        options = {**record.get('default', {}), **((tasks or {}).get(task) or {})}
        found.setdefault(
            name,
            Handler(
                name,
                record['executor'],
                [int(code) for code in options.get('exit_codes', [])],
                int(options.get('max_retries', 1)),
                options.get('kwargs') or {},
            ),
        )
    return [found[name] for name in sorted(found)]


def graph_handler_record(name: str, entry: Any) -> dict[str, Any]:
    """The plain record of a graph-level handler, as it is kept in the graph structure.

    ``entry`` is an ``ErrorHandlerSpec`` or a dict ``{'executor': f, 'exit_codes': [...], 'max_retries': n,
    'kwargs': {...}, 'tasks': ...}`` where ``tasks`` is absent (every task), a list of task names, or
    ``{task: {'exit_codes': ..., 'max_retries': ..., 'kwargs': ...}}`` (per-task options).

    :raises ValueError: if the entry is malformed (see :func:`check_handler_entry`).
    """
    from node_graph.error_handler import ErrorHandlerSpec, normalize_error_handlers

    if isinstance(entry, ErrorHandlerSpec):
        entry = {
            'executor': entry.executor,
            'exit_codes': entry.exit_codes,
            'max_retries': entry.max_retries,
            'kwargs': entry.kwargs,
        }
    if not isinstance(entry, dict):
        raise ValueError(f'error handler {name!r}: expected a dict or an ErrorHandlerSpec, got {type(entry).__name__}')
    check_handler_entry(name, entry, GRAPH_HANDLER_KEYS)
    base = {key: value for key, value in entry.items() if key != 'tasks'}
    base.setdefault('exit_codes', [])
    normalized = normalize_error_handlers({name: base})[name]
    tasks = entry.get('tasks')
    if isinstance(tasks, (list, tuple)):
        tasks = {str(task): {} for task in tasks}
    elif tasks is not None and not isinstance(tasks, dict):
        raise ValueError(f'error handler {name!r}: `tasks` must be a list of task names or a dict by task name')
    for task, options in (tasks or {}).items():
        merged = {'executor': print, 'exit_codes': normalized.exit_codes, **(options or {})}
        check_handler_entry(f'{name}.tasks.{task}', merged, HANDLER_KEYS)
    return {
        'executor': normalized.executor.to_dict(),
        'default': {
            'exit_codes': normalized.exit_codes,
            'max_retries': normalized.max_retries,
            'kwargs': normalized.kwargs or {},
        },
        'tasks': tasks,
    }


class HandlerInputs:
    """The inputs of a :class:`HandlerTask` (or a namespace of them): ``inputs.x`` and ``inputs['x']`` give a
    :class:`HandlerSocket`, or a nested :class:`HandlerInputs` for a namespace."""

    def __init__(self, task: HandlerTask, path: tuple[str, ...], spec: SocketSpec | None):
        self._task = task
        self._path = path
        self._spec = spec

    def __getitem__(self, key: str) -> Any:
        spec = self._task.child_spec(self._spec, self._path, key)
        path = (*self._path, key)
        if spec is not None and spec.is_namespace():
            return HandlerInputs(self._task, path, spec)
        return HandlerSocket(self._task, path)

    def __getattr__(self, key: str) -> Any:
        if key.startswith('_'):
            raise AttributeError(key)
        return self[key]

    def __contains__(self, key: str) -> bool:
        return key in self._task.get(self._path, {})

    def __iter__(self) -> Iterator[str]:
        return iter(self._task.get(self._path, {}))

    @property
    def value(self) -> dict[str, Any]:
        """The current values of this namespace, as a nested dict."""
        return self._task.get(self._path, {})

    @value.setter
    def value(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            self[key].value = value


class HandlerSocket:
    """One input of a :class:`HandlerTask`: ``.value`` is its current value (a node, or a plain value for
    ``metadata``); setting ``.value`` changes it for the next attempt."""

    def __init__(self, task: HandlerTask, path: tuple[str, ...]):
        self._task = task
        self._path = path

    @property
    def value(self) -> Any:
        """The current value."""
        return self._task.get(self._path)

    @value.setter
    def value(self, value: Any) -> None:
        self._task.set(self._path, value)


class HandlerTask:
    """The failed task, as an error handler receives it.

    :param name: the task name.
    :param spec: the task's input socket spec (which inputs exist).
    :param inputs: the inputs of the failed attempt (data nodes and plain values, nested).
    :param process: the process node of the failed attempt.
    :param attempt: how many times the task was launched.
    """

    def __init__(self, name: str, spec: SocketSpec | None, inputs: dict[str, Any], process: orm.ProcessNode, attempt):
        self.name = name
        self.process = process
        self.exit_status = process.exit_status
        self.exit_code = process.exit_code
        self.attempt = attempt
        self.state = 'FAILED'
        self.changes: dict[str, Any] = {}
        self._values = _copy_tree(inputs)
        self.inputs = HandlerInputs(self, (), spec)

    @property
    def pk(self) -> int:
        """The pk of the failed process."""
        return self.process.pk

    def set_inputs(self, values: dict[str, Any]) -> None:
        """Change several inputs at once: ``{'x': 3, 'metadata': {'options': {...}}}`` (namespaces are merged).

        :raises ValueError: if the task has no input of a given name.
        """
        self.inputs.value = values

    def get(self, path: tuple[str, ...], default: Any = None) -> Any:
        """The current value at ``path`` (after the changes made so far)."""
        tree: Any = self._values
        for key in path:
            if not isinstance(tree, dict) or key not in tree:
                return default
            tree = tree[key]
        return tree

    def set(self, path: tuple[str, ...], value: Any) -> None:
        """Change the value at ``path``; a dict set on a namespace is merged into it."""
        target = self._values
        changes = self.changes
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
            changes = changes.setdefault(key, {})
        target[path[-1]] = value
        changes[path[-1]] = value

    def child_spec(self, spec: SocketSpec | None, path: tuple[str, ...], key: str) -> SocketSpec | None:
        """The spec of input ``key`` inside the namespace ``spec`` at ``path``.

        :raises ValueError: if the namespace is not dynamic and has no such input.
        """
        if spec is None or not spec.is_namespace():
            return None
        if key in spec.fields:
            return spec.fields[key]
        if spec.dynamic or spec.meta.is_metadata:
            return spec.item if spec.dynamic else None
        where = '.'.join(path) or 'inputs'
        raise ValueError(f'task {self.name!r} has no input {key!r} in {where}; known: {", ".join(spec.fields)}')


@dataclass
class HandlerOutcome:
    """What the handlers decided: retry (with the changed inputs) or fail (with a message)."""

    retry: bool
    message: str = ''
    handled: list[str] = field(default_factory=list)
    inputs: dict[str, Any] | None = None


def run_handlers(
    handlers: list[Handler],
    retries: dict[str, int],
    task: HandlerTask,
    slot: Any,
    for_daemon: bool,
    report: Any,
) -> HandlerOutcome | None:
    """Call the handlers registered for the failed process's exit status that have retries left.

    :param retries: how many retries each handler already asked for (updated in place).
    :param slot: the walk's schema of the task's inputs, to convert the changed values.
    :param report: called with each message to report.
    :return: ``None`` if no handler applies, else the outcome; for a retry, the changed inputs as stored nodes
        (``{'data': {path: pk}, 'plain': {...}}``), merged with the earlier changes.
    """
    status = task.exit_status
    applicable = [
        handler
        for handler in handlers
        if status is not None and status in handler.exit_codes and retries.get(handler.name, 0) < handler.max_retries
    ]
    if not applicable:
        exhausted = [h.name for h in handlers if status in h.exit_codes]
        if exhausted:
            report(f'Task {task.name}: error handlers {", ".join(exhausted)} used all their retries')
        return None
    for handler in applicable:
        report(f'Task {task.name}: exit status {status}; running error handler {handler.name}')
        try:
            message = handler.function()(task, **handler.kwargs)
        except Exception as exception:  # noqa: BLE001 - a handler may raise anything; the task fails with it
            detail = ''.join(traceback.format_exception_only(type(exception), exception)).strip()
            return HandlerOutcome(False, f'error handler {handler.name} raised: {detail}', [handler.name])
        retries[handler.name] = retries.get(handler.name, 0) + 1
        if message:
            report(f'Task {task.name}: error handler {handler.name}: {message}')
    names = [handler.name for handler in applicable]
    if not task.changes:
        return HandlerOutcome(True, handled=names, inputs={})
    walker = InputWalker(for_daemon=for_daemon)
    result = WalkResult()
    walker.walk(task.changes, slot, f'tasks.{task.name}', result.data, result.plain, 'root')
    if walker.problems:
        lines = '; '.join(problem.format() for problem in walker.problems)
        return HandlerOutcome(False, f'error handler {", ".join(names)} set inputs that cannot be kept: {lines}', names)
    data = dict(_leaves(result.data.get('root', {})))
    with atomic(orm.Node.collection.backend):
        for node in data.values():
            if not node.is_stored:
                node.store()
    return HandlerOutcome(
        True,
        handled=names,
        inputs={'data': {path: node.pk for path, node in data.items()}, 'plain': result.plain.get('root', {})},
    )


def retry_failed_task(engine: Any, name: str, node: orm.ProcessNode) -> str | None:
    """Apply the error handlers of task ``name`` of ``engine`` (a ``WorkGraphEngine``) to its failed process.

    :return: ``None`` if the task goes back to PLANNED for another attempt (the handlers asked for a retry), else
        why it stays failed beyond its process's failure (a handler raised or set values that cannot be kept), or
        ``''`` if no handler applies.
    """
    plan = engine.task(name)
    handlers = task_handlers(plan.spec, engine.structure.get('error_handlers') or {}, plan.template.name)
    if not handlers or node.exit_status is None:
        return ''
    record = engine.graph_state.record(name)
    retries = dict(record.retries or {})
    task = HandlerTask(name, plan.spec.inputs, engine._task_inputs(plan), node, record.attempt)
    outcome = run_handlers(handlers, retries, task, plan.input_slot(), engine.for_daemon, engine.report)
    if outcome is None:
        return ''
    if not outcome.retry:
        return outcome.message
    engine.graph_state.retry(name, retries, merge_overrides(record.inputs, outcome.inputs or {}))
    handled = ', '.join(outcome.handled)
    engine.report(f'Task {name}: runs again (attempt {record.attempt + 1}) after error handlers {handled}')
    return None


def merge_overrides(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The input changes of all handler runs so far: ``new`` over ``old``."""
    merged = {'data': dict((old or {}).get('data') or {}), 'plain': _copy_tree((old or {}).get('plain') or {})}
    merged['data'].update(new.get('data') or {})
    _merge(merged['plain'], new.get('plain') or {})
    return merged


def apply_overrides(inputs: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Return the task ``inputs`` with the handlers' changes applied (data by pk, plain values merged)."""
    if not overrides:
        return inputs
    for path, pk in (overrides.get('data') or {}).items():
        _set_path(inputs, path.split('.'), orm.load_node(pk))
    _merge(inputs, _copy_tree(overrides.get('plain') or {}))
    return inputs


def _leaves(tree: dict[str, Any], prefix: str = '') -> Iterator[tuple[str, orm.Data]]:
    for key, value in tree.items():
        path = f'{prefix}{key}'
        if isinstance(value, dict):
            yield from _leaves(value, f'{path}.')
        else:
            yield path, value


def _set_path(tree: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        if not isinstance(tree.get(key), dict):
            tree[key] = {}
        tree = tree[key]
    tree[keys[-1]] = value


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _copy_tree(tree: Any) -> Any:
    """A copy of the dicts of a nested tree (leaves are shared)."""
    if isinstance(tree, dict):
        return {key: _copy_tree(value) for key, value in tree.items()}
    return tree


__all__ = [
    'Handler',
    'HandlerOutcome',
    'HandlerTask',
    'apply_overrides',
    'check_handler_entry',
    'graph_handler_record',
    'merge_overrides',
    'normalize_task_handlers',
    'retry_failed_task',
    'run_handlers',
    'task_handlers',
]

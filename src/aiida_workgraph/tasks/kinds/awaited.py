"""Tasks awaited on the engine's event loop: ``async def`` functions and monitors (``@task.monitor``).

Both run as aiida-pythonjob processes scheduled in the engine's own runner (not submitted to another worker: these
processes cannot be persisted), so they share the engine's event loop: while one awaits, the engine and the other
tasks go on, and several run concurrently.

- An ``async def`` function runs as a ``PyFunction`` process, whose waiting state awaits the coroutine.
- A monitor runs as a ``MonitorPyFunction``: its function is called every ``interval`` seconds until it returns a
  true value; after ``timeout`` seconds the process ends with exit status 324 (``ERROR_TIMEOUT``) and the task fails.

A daemon worker that stops while such a task waits leaves its process unfinished; when the WorkGraph is continued,
the engine seals that process as excepted and runs the task again.
"""

from __future__ import annotations

import inspect
from typing import Any

from aiida import orm
from node_graph.socket_meta import SocketMeta
from node_graph.socket_spec import SocketSpec

from ...serialization.convert import to_python
from ...socket_spec import infer_specs_from_callable
from .base import Launcher, TaskKind, TaskView

#: The inputs a monitor takes besides its function's: seconds between calls, and before giving up.
MONITOR_INPUTS = {'interval': 5.0, 'timeout': 3600.0}


class AsyncFunctionKind(TaskKind):
    """An ``async def`` function, awaited on the engine's event loop as an aiida-pythonjob ``PyFunction``."""

    name = 'ASYNC'

    def matches(self, obj: Any) -> bool:
        """A coroutine function."""
        return inspect.iscoroutinefunction(obj)

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """Sockets from the function's signature and return annotation (or the declared specs)."""
        return infer_specs_from_callable(obj, inputs, outputs)

    def process_class(self, task: TaskView) -> Any:
        """aiida-pythonjob's ``PyFunction``."""
        from aiida_pythonjob.calculations.pyfunction import PyFunction

        return PyFunction

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Schedule the process on the engine's runner; return its node (it runs while the engine goes on)."""
        from aiida_pythonjob.launch import prepare_pyfunction_inputs

        job_inputs = prepare_pyfunction_inputs(**_function_inputs(task, inputs))
        return launcher.runner.schedule(self.process_class(task), **job_inputs)


class MonitorKind(AsyncFunctionKind):
    """A function polled until it returns a true value (``@task.monitor``), as aiida-pythonjob's
    ``MonitorPyFunction``."""

    name = 'MONITOR'

    def matches(self, obj: Any) -> bool:
        """Never inferred: ``@task.monitor`` asks for it."""
        return False

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """The function's sockets plus ``interval`` and ``timeout`` (seconds, with defaults).

        :raises ValueError: if the function has an argument named ``interval`` or ``timeout``.
        """
        in_spec, out_spec = infer_specs_from_callable(obj, inputs, outputs)
        clash = sorted(set(MONITOR_INPUTS) & set(in_spec.fields))
        if clash:
            raise ValueError(f'a monitor function cannot have the arguments {clash}: they are the monitor inputs')
        fields = dict(in_spec.fields)
        for name, default in MONITOR_INPUTS.items():
            fields[name] = SocketSpec('workgraph.float', default=default, meta=SocketMeta(required=False))
        return SocketSpec(in_spec.identifier, item=in_spec.item, fields=fields, meta=in_spec.meta), out_spec

    def process_class(self, task: TaskView) -> Any:
        """aiida-pythonjob's ``MonitorPyFunction``."""
        from aiida_pythonjob.calculations.pyfunction import MonitorPyFunction

        return MonitorPyFunction

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Schedule the monitor on the engine's runner; return its node."""
        from aiida_pythonjob.launch import prepare_monitor_function_inputs

        inputs = dict(inputs)
        options = {name: to_python(inputs.pop(name)) for name in MONITOR_INPUTS if name in inputs}
        job_inputs = prepare_monitor_function_inputs(**_function_inputs(task, inputs), **options)
        return launcher.runner.schedule(self.process_class(task), **job_inputs)


def _function_inputs(task: TaskView, inputs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of aiida-pythonjob's ``prepare_*_inputs`` for the task's function and (converted) inputs."""
    metadata = dict(inputs.pop('metadata', None) or {})
    metadata.setdefault('call_link_label', task.name)
    return {
        'function': task.callable,
        'function_inputs': inputs,
        'outputs_spec': task.spec.outputs,
        'metadata': metadata,
    }


__all__ = ['AsyncFunctionKind', 'MonitorKind']

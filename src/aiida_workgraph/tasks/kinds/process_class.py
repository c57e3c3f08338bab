"""``CalcJob`` and ``WorkChain`` tasks: AiiDA process classes submitted as children of the engine."""

from __future__ import annotations

import inspect
from typing import Any

from aiida import orm
from aiida.engine import CalcJob, Process
from node_graph.socket_spec import SocketSpec

from ..process_spec import process_specs
from .base import Launcher, ProcessPortsKind, TaskView, with_call_link_label, with_declared_sockets


class ProcessClassKind(ProcessPortsKind):
    """A process class: the task's sockets are its ports; it runs as a child process the engine waits for."""

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """The process's input and output port namespaces as socket specs, with the declared ``inputs``/``outputs``
        that are not ports added (see :func:`~.base.with_declared_sockets`)."""
        in_spec, out_spec = process_specs(obj)
        return with_declared_sockets(in_spec, inputs), with_declared_sockets(out_spec, outputs)

    def process_class(self, task: TaskView) -> Any:
        """The class itself."""
        return task.callable

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Submit the process as a child of the engine."""
        return launcher.submit(task.callable, **with_call_link_label(inputs, task.name))


class CalcJobKind(ProcessClassKind):
    """A ``CalcJob`` class."""

    name = 'CALCJOB'

    def matches(self, obj: Any) -> bool:
        """A subclass of ``CalcJob``."""
        return inspect.isclass(obj) and issubclass(obj, CalcJob)


class WorkChainKind(ProcessClassKind):
    """Any other AiiDA ``Process`` class (a ``WorkChain``, typically)."""

    name = 'WORKCHAIN'

    def matches(self, obj: Any) -> bool:
        """A subclass of ``Process`` that is not a ``CalcJob``."""
        return inspect.isclass(obj) and issubclass(obj, Process) and not issubclass(obj, CalcJob)

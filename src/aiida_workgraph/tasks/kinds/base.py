"""The interface every task kind implements, and what the engine offers a kind when it launches a task."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Any, ClassVar, Protocol

from aiida import orm
from node_graph.socket_spec import SocketSpec

from ...serialization.schema import Slot, port_slot, spec_slot


class TaskView(Protocol):
    """What a kind reads of a task: its name, its node-graph spec and the object it runs."""

    name: str
    spec: Any

    @property
    def callable(self) -> Any:
        """The function or process class the task runs."""


class Launcher(Protocol):
    """What the engine offers a kind to launch a task: its node, the launch mode and child submission."""

    node: orm.ProcessNode
    for_daemon: bool
    #: The graph structure the engine runs (graph tasks read their depth from it).
    structure: dict[str, Any]

    def submit(self, process_class: Any, **inputs: Any) -> orm.ProcessNode:
        """Submit a child process of the engine and return its node."""


class TaskKind(ABC):
    """One kind of task: how its sockets are built, how the walk sees its inputs, what it requires, how it runs.

    A kind is *inline* when :meth:`launch` runs the task to its end in the engine's step (process functions and plain
    Python functions) and returns a terminated process node; otherwise :meth:`launch` submits a child process and
    returns its node while it runs. Either way the engine reads the outcome from the process node alone.
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    inline: ClassVar[bool] = False
    #: The task acts on the graph ``ctx`` in the engine (``apply(ctx, inputs)``) instead of launching a process.
    acts_on_context: ClassVar[bool] = False
    #: The task never runs: the engine reads its values directly (the item and the gathered results of a ``Map``).
    virtual: ClassVar[bool] = False

    def matches(self, obj: Any) -> bool:
        """Whether a decorated object is of this kind when no kind is asked for explicitly."""
        return False

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """Return the (inputs, outputs) socket specs of a task made from ``obj``.

        :raises TypeError: for a kind whose tasks are not made from a decorated object (sub-graphs, zones).
        """
        raise TypeError(f'a {self.name} task is not made from a decorated object such as {obj!r}')

    def process_class(self, task: TaskView) -> Any:
        """The AiiDA process class the task runs as.

        :raises TypeError: for a kind that runs no process class of its own (zones, context tasks).
        """
        raise TypeError(f'task {task.name} is a {self.name} task: it runs no process class')

    def input_slot(self, task: TaskView) -> Slot:
        """The schema the engine's walk uses for the task's inputs: its socket spec by default."""
        return spec_slot(task.spec.inputs)

    def required_inputs(self, task: TaskView) -> list[str]:
        """The dotted paths of the inputs the task cannot run without: required sockets without a default."""
        return [
            name
            for name, field in (task.spec.inputs.fields if task.spec.inputs else {}).items()
            if field.meta.required and not field.is_namespace() and not field.has_default() and not name.startswith('_')
        ]

    @abstractmethod
    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Run or submit the task with ``inputs`` (data nodes and plain values) and return its process node.

        :raises Exception: anything the task's launch raises; the engine fails the task with the message.
        """


class ProcessPortsKind(TaskKind):
    """A kind that runs an AiiDA process class whose port namespace is the schema of the task's inputs."""

    def input_slot(self, task: TaskView) -> Slot:
        """The process's input ports, keeping each port's own serializer."""
        return port_slot(self.process_class(task).spec().inputs)

    def required_inputs(self, task: TaskView) -> list[str]:
        """The required input ports without a default (metadata and non-db ports excluded)."""
        return required_ports(self.process_class(task).spec().inputs, '')


def with_declared_sockets(ports: SocketSpec, declared: SocketSpec | None) -> SocketSpec:
    """The port namespace ``ports`` with the sockets of ``declared`` that are not ports added after them.

    A declared socket that is a port keeps the port's spec (the process validates its inputs and outputs by its
    ports); one that is not becomes an optional extra socket: an output a process with a dynamic output namespace may
    return, an input for a dynamic input namespace. A value given to an extra input that the process does not accept
    fails the task at launch with aiida-core's port validation error, which names it.
    """
    if not declared or not declared.fields:
        return ports
    extra = {
        name: replace(spec, meta=replace(spec.meta, required=False))
        for name, spec in declared.fields.items()
        if name not in ports.fields
    }
    return replace(ports, fields={**ports.fields, **extra})


def with_process_inputs(function_inputs: SocketSpec, ports: dict[str, SocketSpec]) -> SocketSpec:
    """The sockets of a function's arguments, followed by the input ``ports`` of the process that runs it.

    A port named like one of the function's arguments is left out: the argument keeps its socket.
    """
    added = {name: port for name, port in ports.items() if name not in function_inputs.fields}
    return replace(function_inputs, fields={**function_inputs.fields, **added})


def process_only_inputs(func: Any, names: tuple[str, ...]) -> frozenset[str]:
    """Those of the process input ``names`` that are no parameters of ``func``: they do not reach the function."""
    import inspect

    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        parameters = {}
    return frozenset(name for name in names if name not in parameters)


def required_ports(namespace: Any, prefix: str) -> list[str]:
    """The dotted paths of the required ports of an AiiDA port namespace (metadata and non-db ports excluded)."""
    from aiida.engine.processes.ports import PortNamespace

    required = []
    for name, port in namespace.items():
        if port.non_db or getattr(port, 'is_metadata', False) or not port.required:
            continue
        if isinstance(port, PortNamespace):
            required.extend(required_ports(port, f'{prefix}{name}.'))
        elif not port.has_default():
            required.append(f'{prefix}{name}')
    return required


def spread_var_kwargs(task: TaskView, inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs with the ``**kwargs`` namespace spread into keyword arguments, as the function receives them."""
    spread = dict(inputs)
    for name, field in (task.spec.inputs.fields if task.spec.inputs else {}).items():
        if field.meta.call_role == 'var_kwargs':
            spread.update(spread.pop(name, None) or {})
    return spread


def with_call_link_label(inputs: dict[str, Any], label: str) -> dict[str, Any]:
    """Return ``inputs`` with ``metadata.call_link_label`` set to ``label`` unless the user set one."""
    metadata = dict(inputs.get('metadata') or {})
    metadata.setdefault('call_link_label', label)
    return {**inputs, 'metadata': metadata}

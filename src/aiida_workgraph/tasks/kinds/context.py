"""``workgraph.set_context`` and ``workgraph.get_context``: tasks that write and read the graph ``ctx`` at run time.

They run no process: the engine hands them its ``ctx`` (:meth:`ContextKind.apply`) when they are ready. Their order
relative to other tasks comes from their links and ``>>``, as upstream.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from aiida import orm
from node_graph.socket_spec import SocketSpec

from ...trees import get_nested, set_nested
from .base import Launcher, TaskKind, TaskView


class ContextKind(TaskKind):
    """A task that acts on the graph ``ctx`` inside the engine instead of running a process."""

    inline = True
    acts_on_context: ClassVar[bool] = True

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """Context tasks are made from their task classes (``workgraph.set_context``/``get_context``).

        :raises TypeError: always.
        """
        raise TypeError(f'a {self.name} task is added as `workgraph.{self.name.lower()}`, not made from {obj!r}')

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """A context task launches no process.

        :raises TypeError: always; the engine calls :meth:`apply` instead.
        """
        raise TypeError(f'task {task.name} acts on the graph context and launches no process')

    @abstractmethod
    def apply(self, ctx: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        """Act on ``ctx`` with the task's inputs and return the task's results (nodes by output name)."""


class SetContextKind(ContextKind):
    """``workgraph.set_context``: write ``value`` at the dotted ``key`` of the graph context."""

    name = 'SET_CONTEXT'

    def apply(self, ctx: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        """Write the value; the task has no results.

        :raises ValueError: if ``key`` or ``value`` is missing.
        """
        key, value = inputs.get('key'), inputs.get('value')
        if not key or value is None:
            raise ValueError(f'set_context needs a `key` and a `value` (got key={key!r}, value={value!r})')
        set_nested(ctx, str(key), value)
        return {}


class GetContextKind(ContextKind):
    """``workgraph.get_context``: read the dotted ``key`` of the graph context as the task's ``result``."""

    name = 'GET_CONTEXT'

    def apply(self, ctx: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        """Read the value.

        :raises KeyError: naming the key, if the context has no value there.
        """
        key = inputs.get('key')
        value = get_nested(ctx, str(key)) if key else None
        if value is None:
            raise KeyError(f'the graph context has no value at {key!r} (keys: {sorted(ctx)})')
        return {'result': value}

"""Zone kinds (``Zone``, ``If``, ``While``): tasks that launch no process but open or close the tasks inside them.

A zone is *opened* by the engine (:func:`aiida_workgraph.engine.zones.open_zone`) once everything its tasks depend on
outside it has finished: :meth:`ZoneKind.taken` says, from the zone's own inputs (the condition of an ``If``), whether
its tasks run. If not, every task inside it is ``NOT_TAKEN``, which is not a failure.
"""

from __future__ import annotations

from typing import Any

from aiida import orm
from node_graph.socket_spec import SocketSpec

from .base import Launcher, TaskKind, TaskView

ZONE = 'ZONE'
IF = 'IF'
WHILE = 'WHILE'
#: The default of ``While(max_iterations=...)``.
DEFAULT_MAX_ITERATIONS = 10000


class ZoneKind(TaskKind):
    """``Zone()``: its tasks start together once all that they depend on outside it has finished."""

    name = ZONE
    inline = True
    #: The engine opens the zone itself instead of calling :meth:`launch`.
    control = True

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """Zones are made by their context managers, not from a callable.

        :raises TypeError: always.
        """
        raise TypeError(f'a {self.name} task is made with its context manager, not from {obj!r}')

    def taken(self, task: TaskView, inputs: dict[str, Any]) -> bool:
        """Whether the tasks inside the zone run: always, for a plain zone."""
        return True

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """A zone launches no process; the engine opens it.

        :raises TypeError: always.
        """
        raise TypeError(f'task {task.name} is a {self.name} zone: the engine opens it, it launches no process')


class IfKind(ZoneKind):
    """``If(condition, invert_condition=False)``: its tasks run only if the condition holds (or does not, inverted)."""

    name = IF

    def taken(self, task: TaskView, inputs: dict[str, Any]) -> bool:
        """Whether the condition (every condition, when several are linked) holds, inverted if asked.

        :raises ValueError: if the condition has no value.
        """
        conditions = inputs.get('conditions')
        if conditions is None:
            raise ValueError(f'the condition of {task.name} has no value')
        values = list(conditions.values()) if isinstance(conditions, dict) else [conditions]
        holds = all(bool(plain_value(value)) for value in values)
        return holds != bool(plain_value(inputs.get('invert_condition', False)))


class WhileKind(IfKind):
    """``While(condition, max_iterations=10000)``: its tasks run again as long as the condition holds.

    The engine (:mod:`aiida_workgraph.engine.zones`) evaluates the condition tasks again after each iteration.
    """

    name = WHILE

    def taken(self, task: TaskView, inputs: dict[str, Any]) -> bool:
        """Whether the condition (every condition, when several are linked) holds.

        :raises ValueError: if the condition has no value.
        """
        return super().taken(task, {**inputs, 'invert_condition': False})

    def max_iterations(self, inputs: dict[str, Any]) -> int:
        """How many iterations the loop may run at most.

        :raises ValueError: if it is not a positive integer.
        """
        value = plain_value(inputs.get('max_iterations', DEFAULT_MAX_ITERATIONS))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f'max_iterations must be a positive integer, got {value!r}')
        return value


def plain_value(value: Any) -> Any:
    """The Python value of a data node (its ``value`` for base types), or ``value`` itself."""
    if isinstance(value, orm.BaseType):
        return value.value
    if isinstance(value, orm.Data):
        from ...serialization.convert import to_python

        return to_python(value)
    return value

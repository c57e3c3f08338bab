"""The floor of the daemon benchmark: the same provenance as one graph of ``daemon_workload``, with aiida-core alone.

One :class:`ChainOfTen` WorkChain per graph, whose outline calls the calcfunction :func:`add` ten times, one call per
step (so the WorkChain is checkpointed between two calls, as an engine records each finished task): a process node
calling 10 ``CalcFunctionNode`` children, each with two ``Int`` inputs and one ``Int`` result, and the last result
returned as the output ``result``. Daemon workers import this module by its path (``benchmarks/`` on the
``PYTHONPATH``). No ``aiida_workgraph`` import.
"""

from __future__ import annotations

from typing import Any

from aiida import orm
from aiida.engine import WorkChain, calcfunction, while_

TASKS_PER_GRAPH = 10
"""The number of calcfunctions one WorkChain calls (the tasks of one graph)."""


@calcfunction
def add(x: orm.Int, y: orm.Int) -> orm.Int:
    """Add two ``Int`` nodes: one ``CalcFunctionNode`` per call."""
    return orm.Int(x.value + y.value)


class ChainOfTen(WorkChain):
    """A chain of :data:`TASKS_PER_GRAPH` calls of :func:`add` ``(x, 1)``: the output ``result`` is ``x + 10``."""

    @classmethod
    def define(cls, spec: Any) -> None:
        """Input ``x``, output ``result``; the outline calls one calcfunction per step."""
        super().define(spec)
        spec.input('x', valid_type=orm.Int)
        spec.output('result', valid_type=orm.Int)
        spec.outline(cls.begin_chain, while_(cls.not_done)(cls.add_one), cls.return_result)

    def begin_chain(self) -> None:
        """Start the chain at the input ``x``."""
        self.ctx.current = self.inputs.x
        self.ctx.done = 0

    def not_done(self) -> bool:
        """Whether fewer than :data:`TASKS_PER_GRAPH` calls were made."""
        return self.ctx.done < TASKS_PER_GRAPH

    def add_one(self) -> None:
        """Call :func:`add` on the last result and 1 (a new ``Int`` input node per call, as a task's ``y``)."""
        self.ctx.current = add(self.ctx.current, orm.Int(1))
        self.ctx.done += 1

    def return_result(self) -> None:
        """Return the last result as ``result``."""
        self.out('result', self.ctx.current)

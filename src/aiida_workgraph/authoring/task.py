"""The task of a WorkGraph: a node-graph task that also knows the AiiDA process that ran it."""

from __future__ import annotations

from typing import Any

from aiida import orm
from node_graph.task import Task as NodeGraphTask


class Task(NodeGraphTask):
    """A task of a :class:`~aiida_workgraph.WorkGraph`.

    Besides node-graph's sockets, state and spec it carries ``process``: the AiiDA process node that ran it, when
    it ran as an AiiDA process (calcfunction, CalcJob, WorkChain, PythonJob).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.process: orm.ProcessNode | None = None

    @property
    def pk(self) -> int | None:
        """The pk of the process node that ran this task, if any."""
        return self.process.pk if self.process is not None else None

    def _new_for_copy(self, name: str | None, graph: Any, spec: Any) -> Task:
        return self.__class__(name=name, uuid=None, graph=graph, spec=spec)

"""What ``repr(wg)``, ``wg.show()`` and ``wg.generate_provenance_graph()`` show; ``WorkGraph`` calls these."""

from __future__ import annotations

from typing import Any

RULE = '-' * 80


def graph_repr(graph: Any) -> str:
    """``WorkGraph(name="<name>", uuid="<uuid>")``."""
    return f'{type(graph).__name__}(name="{graph.name}", uuid="{graph.uuid}")'


def task_rows(graph: Any) -> list[list[Any]]:
    """One ``[name, process pk, state]`` row per task, the graph's own ``graph_*`` tasks first."""
    rows = []
    for task in graph.tasks:
        process = getattr(task, 'process', None)
        rows.append([task.name, process.pk if process is not None else '', task.state])
    return rows


def graph_summary(graph: Any) -> str:
    """The graph's name, process pk and state, and a table of its tasks with their process pk and state."""
    from tabulate import tabulate

    table = tabulate(task_rows(graph), headers=['Name', 'PK', 'State'])
    return '\n'.join(
        [
            RULE,
            f'{type(graph).__name__}: {graph.name}, PK: {graph.pk}, State: {graph.state}',
            RULE,
            'Tasks:',
            table,
            RULE,
        ]
    )


def graph_provenance(graph: Any, **kwargs: Any) -> Any:
    """The provenance graph of the graph's process (see :func:`aiida_workgraph.utils.generate_provenance_graph`).

    :raises ValueError: if the graph has not been run, submitted or saved yet.
    """
    from ..utils import generate_provenance_graph

    if graph.process is None:
        raise ValueError(
            f'{graph_repr(graph)} has no process yet: run, submit or save it before drawing its provenance graph'
        )
    return generate_provenance_graph(graph.process.pk, **kwargs)


__all__ = ['graph_provenance', 'graph_repr', 'graph_summary', 'task_rows']

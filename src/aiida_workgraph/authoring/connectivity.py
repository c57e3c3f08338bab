"""``WorkGraph.build_connectivity()``: which tasks feed which, as upstream aiida-workgraph reports it.

The engine does not use this (it plans from the stored structure, :class:`~aiida_workgraph.engine.graph_plan.
GraphPlan`); it is the authoring-time view users inspect, e.g. ``connectivity['zone']['add4']['input_tasks']``.
"""

from __future__ import annotations

from typing import Any


def build_connectivity(graph: Any) -> dict[str, dict[str, Any]]:
    """Return the connectivity of ``graph``'s tasks, keyed by task name in each part.

    - ``input_node``: the tasks that link into the task (in link order), ``output_node``: those it links to;
    - ``child_node``: every task downstream of it through links (sorted);
    - ``zone``: for each task, ``children`` (the tasks of a zone) and ``input_tasks``: the tasks it waits for, seen
      from where it sits: a task inside a zone that it is not part of counts as that zone, and a zone waits for
      what its members wait for outside it (sorted).
    """
    names = [task.name for task in graph.tasks]
    inputs: dict[str, list[str]] = {name: [] for name in names}
    outputs: dict[str, list[str]] = {name: [] for name in names}
    for link in graph.links:
        source, target = link.from_task.name, link.to_task.name
        if source not in inputs[target]:
            inputs[target].append(source)
        if target not in outputs[source]:
            outputs[source].append(target)
    parent = {task.name: task.parent.name if task.parent is not None else None for task in graph.tasks}
    children = {name: [task.name for task in getattr(graph.tasks[name], 'children', ())] for name in names}
    return {
        'child_node': {name: sorted(_downstream(name, outputs)) for name in names},
        'input_node': inputs,
        'output_node': outputs,
        'zone': {
            name: {'children': children[name], 'input_tasks': sorted(_input_tasks(name, inputs, parent, children))}
            for name in names
        },
    }


def _downstream(name: str, outputs: dict[str, list[str]]) -> set[str]:
    """Every task reached from ``name`` through links."""
    seen: set[str] = set()
    stack = list(outputs[name])
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(outputs[current])
    return seen


def _zones_around(name: str, parent: dict[str, str | None]) -> list[str]:
    """The zones that hold ``name``, innermost first."""
    chain = []
    while parent[name] is not None:
        name = parent[name]
        chain.append(name)
    return chain


def _members(name: str, children: dict[str, list[str]]) -> set[str]:
    """The tasks inside the zone ``name``, at any depth (none for a task that is not a zone)."""
    members: set[str] = set()
    stack = list(children[name])
    while stack:
        current = stack.pop()
        if current not in members:
            members.add(current)
            stack.extend(children[current])
    return members


def _input_tasks(
    name: str, inputs: dict[str, list[str]], parent: dict[str, str | None], children: dict[str, list[str]]
) -> set[str]:
    """The tasks ``name`` waits for, each lifted to the outermost zone holding it that does not hold ``name``."""
    inside = _members(name, children)
    around = set(_zones_around(name, parent))
    found = set()
    for member in [name, *inside]:
        for source in inputs[member]:
            if source in inside or source == name:
                continue
            while parent[source] is not None and parent[source] not in around:
                source = parent[source]
            found.add(source)
    return found


__all__ = ['build_connectivity']

"""Zones at run time: their place among the dependencies, opening them, and the tasks a branch does not take.

The structure stores each task's zone (``parent_task``); nothing is added to it at run time. :func:`zone_dependencies`
makes a zone wait for everything its tasks depend on outside it, and its tasks wait for the zone. When the zone is
ready the engine calls :func:`open_zone`: the zone's kind decides from the zone's inputs whether its tasks run; if
not, each of them is ``NOT_TAKEN``. :func:`not_taken` then finds the tasks that take a value from a ``NOT_TAKEN``
task (they cannot run, and are not failures either); a task ordered after one only (``>>``), or reading ``ctx`` that
such a task would have written, still runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..enums import TaskState


def zone_members(structure: Mapping[str, Any], tasks: Iterable[str]) -> dict[str, list[str]]:
    """``{zone: [its direct members]}`` from the ``parent_task`` of each task of the structure."""
    names = set(tasks)
    members: dict[str, list[str]] = defaultdict(list)
    for name in names:
        parent = (structure['tasks'][name].get('parent_task') or [None])[0]
        if parent in names:
            members[parent].append(name)
    return dict(members)


def descendants(members: Mapping[str, list[str]], zone: str) -> set[str]:
    """Every task inside ``zone``, in nested zones too."""
    found: set[str] = set()
    stack = list(members.get(zone, ()))
    while stack:
        name = stack.pop()
        if name not in found:
            found.add(name)
            stack.extend(members.get(name, ()))
    return found


def zone_dependencies(members: Mapping[str, list[str]], parents: dict[str, set[str]]) -> None:
    """Add the zones to ``parents``, in place: a zone waits for what its tasks depend on outside it, its tasks for it.

    Zones are handled from the innermost out, so an outer zone also waits for what its inner zones wait for.
    """
    inside = {zone: descendants(members, zone) for zone in members}
    for zone in sorted(members, key=lambda name: len(inside[name])):
        for name in inside[zone]:
            parents[zone].update(parent for parent in parents[name] if parent not in inside[zone] and parent != zone)
        for name in members[zone]:
            parents[name].add(zone)


def open_zone(engine: Any, name: str) -> None:
    """Open the zone ``name`` of the running ``engine``: it is FINISHED, and its tasks are NOT_TAKEN if it says so.

    A zone whose condition cannot be read fails, and the tasks inside it are skipped as depending on it.
    """
    plan = engine.plan
    task = plan.tasks[name]
    try:
        taken = task.kind.taken(task, engine._task_inputs(task))
    except Exception as exception:  # noqa: BLE001 - a zone that cannot be opened fails, the engine goes on
        engine._task_failed(name, f'could not open the zone: {type(exception).__name__}: {exception}')
        return
    state = engine.graph_state
    state.set_state(name, TaskState.FINISHED)
    if taken:
        return
    skipped = sorted(descendants(plan.zone_members, name), key=plan.order.index)
    for member in skipped:
        state.set_state(member, TaskState.NOT_TAKEN)
    engine.report(f'Zone {name} not taken: {", ".join(skipped) or "no tasks"}')


def not_taken(order: Iterable[str], value_parents: Mapping[str, Iterable[str]], states: Mapping[str, str]) -> list[str]:
    """The PLANNED tasks, in ``order`` (topological), that take a value from a NOT_TAKEN task, directly or not."""
    found: set[str] = set()
    for name in order:
        if states.get(name, TaskState.PLANNED) != TaskState.PLANNED:
            continue
        if any(parent in found or states.get(parent) == TaskState.NOT_TAKEN for parent in value_parents.get(name, ())):
            found.add(name)
    return [name for name in order if name in found]

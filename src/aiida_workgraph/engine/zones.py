"""Zones at run time: their place among the dependencies, opening them, loops, and the tasks not taken.

The structure stores each task's zone (``parent_task``); nothing is added to it at run time. :func:`apply_zones`
makes a zone wait for everything its tasks depend on outside it, and its tasks wait for the zone. When the zone is
ready the engine calls :func:`open_zone`: the zone's kind decides from the zone's inputs whether its tasks run; if
not, each of them is ``NOT_TAKEN``. :func:`not_taken` then finds the tasks that need a value from a ``NOT_TAKEN``
task for a required input (they cannot run, and are not failures either); a task that takes such a value for an
optional input (one with a default, such as ``workgraph.select``'s ``true``/``false``) runs without it, as upstream's
does, and so does a task ordered after one only (``>>``), or reading ``ctx`` that such a task would have written.

A ``While`` zone runs its tasks again while its condition holds. Its *condition tasks* (those linked to its
``conditions`` input, such as the comparison made by ``wg.ctx.n < 5``) and its tasks may read ``ctx`` that its tasks
write: those dependencies are cut (they are the loop's own), and a task outside the loop that reads such ``ctx``
waits for the whole loop instead. When every task of an iteration is done, :func:`advance_loops` sets the condition
tasks and the zone back to PLANNED: the condition tasks run again, and the zone, opened again, starts the next
iteration by setting its tasks back to PLANNED, or ends the loop. The same task instances are used again: each
iteration's processes are called under the task names, and the loop's progress (``iteration``, ``ended``) is kept in
``ctx`` under :data:`LOOPS_CTX_KEY`, which is checkpointed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..enums import TERMINAL_TASK_STATES, TaskState

#: The ``ctx`` key under which the progress of each ``While`` loop is kept (by zone name).
LOOPS_CTX_KEY = '_loops'


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


def apply_zones(plan: Any) -> dict[str, set[str]]:
    """Add the zones to the plan's ``parents``, in place, and return the condition tasks of each ``While`` zone.

    First the ``ctx`` dependencies of each loop are cut and moved (see the module's docstring); then each zone waits
    for what its tasks depend on outside it, and its tasks wait for it.
    """
    from ..tasks.kinds.zones import WHILE

    members = plan.zone_members
    inside = {zone: descendants(members, zone) for zone in members}
    loops = {name: set() for name, task in plan.tasks.items() if task.kind.name == WHILE}
    for zone in loops:
        loops[zone] = {
            link.from_task
            for link in plan.tasks[zone].incoming
            if link.from_task in plan.tasks and link.to_socket.split('.')[0] == 'conditions'
        }
    for zone, conditions in loops.items():
        body = inside.get(zone, set())
        whole = body | conditions | {zone}
        for name in plan.tasks:
            from_ctx = ctx_parents(plan, name) & body
            if not from_ctx - plan.value_parents[name]:
                continue
            moved = from_ctx - plan.value_parents[name]
            if name in body or name in conditions:
                plan.parents[name] -= moved
            elif name != zone:
                plan.parents[name] |= whole
    zone_dependencies(members, plan.parents)
    return loops


def ctx_parents(plan: Any, name: str) -> set[str]:
    """The tasks that write the ``ctx`` keys that task ``name`` reads."""
    from .graph_plan import GRAPH_CTX

    writers: set[str] = set()
    for link in plan.tasks[name].incoming:
        if link.from_task == GRAPH_CTX:
            writers.update(writer.from_task for writer in plan._ctx_writers_of(link.from_socket))
    return writers


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

    A ``Map`` zone is opened over its items instead (:func:`~.maps.open_map`).

    A zone whose condition cannot be read fails, and the tasks inside it are skipped as depending on it.
    """
    from ..tasks.kinds.map import MAP
    from .maps import open_map

    plan = engine.instances
    task = engine.task(name)
    if task.kind.name == MAP:
        open_map(engine, name)
        return
    try:
        taken = task.kind.taken(task, engine._task_inputs(task))
    except Exception as exception:  # noqa: BLE001 - a zone that cannot be opened fails, the engine goes on
        engine._task_failed(name, f'could not open the zone: {type(exception).__name__}: {exception}')
        return
    state = engine.graph_state
    members = sorted(descendants(plan.zone_members, name), key=plan.position.__getitem__)
    if name in plan.loop_conditions:
        taken = _next_iteration(engine, task, name, taken, members)
        if taken is None:
            return
    state.set_state(name, TaskState.FINISHED)
    if taken:
        return
    for member in members:
        state.set_state(member, TaskState.NOT_TAKEN)
    engine.report(f'Zone {name} not taken: {", ".join(members) or "no tasks"}')


def _next_iteration(engine: Any, task: Any, name: str, holds: bool, members: list[str]) -> bool | None:
    """Start the next iteration of the ``While`` zone ``name`` if its condition ``holds``; say whether its tasks run.

    :return: ``True`` if an iteration starts, ``False`` if the loop never ran (its tasks are not taken), ``None`` if
        it ran and ends now (its tasks keep the states of their last iteration).
    """
    state = engine.graph_state
    loop = loop_progress(state.ctx, name)
    try:
        limit = task.kind.max_iterations(engine._task_inputs(task))
    except Exception as exception:  # noqa: BLE001 - a loop that cannot be opened fails, the engine goes on
        engine._task_failed(name, f'could not open the zone: {type(exception).__name__}: {exception}')
        return None
    if holds and loop['iteration'] >= limit:
        engine.report(f'While {name} stops after max_iterations={limit} iterations')
        holds = False
    if not holds:
        loop['ended'] = True
        if loop['iteration'] == 0:
            return False
        state.set_state(name, TaskState.FINISHED)
        engine.report(f'While {name} ends after {loop["iteration"]} iterations')
        return None
    loop['iteration'] += 1
    if loop['iteration'] > 1:
        for member in members:
            state.set_state(member, TaskState.PLANNED)
            if member in engine.instances.loop_conditions:
                state.ctx[LOOPS_CTX_KEY].pop(member, None)
    engine.report(f'While {name}: iteration {loop["iteration"]}')
    return True


def loop_progress(ctx: dict[str, Any], name: str) -> dict[str, Any]:
    """The progress of the loop ``name`` kept in ``ctx``: ``{'iteration': n, 'ended': bool}``."""
    return ctx.setdefault(LOOPS_CTX_KEY, {}).setdefault(name, {'iteration': 0, 'ended': False})


def advance_loops(engine: Any) -> None:
    """Send every ``While`` zone whose iteration is done back to its condition: condition tasks and zone PLANNED.

    An iteration is done when every task inside the zone is in a terminal state; if one of them failed (or was
    killed or skipped), the loop does not go on.
    """
    state = engine.graph_state
    states = state.states()
    plan = engine.instances
    for zone, conditions in plan.loop_conditions.items():
        loop = loop_progress(state.ctx, zone)
        if states.get(zone) != TaskState.FINISHED or loop['ended'] or loop['iteration'] == 0:
            continue
        members = plan.inside(zone)
        member_states = [states.get(member, TaskState.PLANNED) for member in members]
        if any(value not in TERMINAL_TASK_STATES for value in member_states):
            continue
        if any(value in (TaskState.FAILED, TaskState.SKIPPED, TaskState.KILLED) for value in member_states):
            loop['ended'] = True
            continue
        for name in sorted(conditions | {zone}, key=plan.position.__getitem__):
            state.set_state(name, TaskState.PLANNED)


def not_taken(order: Iterable[str], value_parents: Mapping[str, Iterable[str]], states: Mapping[str, str]) -> list[str]:
    """The PLANNED tasks, in ``order`` (topological), that need a value from a NOT_TAKEN task, directly or not.

    :param value_parents: the tasks each task needs a value from (for a required input).
    """
    if TaskState.NOT_TAKEN not in states.values():
        return []
    found: set[str] = set()
    for name in order:
        if states.get(name, TaskState.PLANNED) != TaskState.PLANNED:
            continue
        if any(parent in found or states.get(parent) == TaskState.NOT_TAKEN for parent in value_parents.get(name, ())):
            found.add(name)
    return [name for name in order if name in found]

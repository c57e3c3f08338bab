"""``Map`` zones at run time: opening one over its items, reading an item, gathering results, ending the map.

When a map instance is ready, :func:`open_map` reads its items from its ``source``; the map is then RUNNING and the
engine's :class:`~.instances.InstancePlan` holds one instance of each task inside it per item. The item of an instance
(``map_zone.key``, ``map_zone.value``) is read by :func:`map_item_value`; an output of the map is gathered by
:func:`gathered_value`, one value per item. :func:`close_maps` ends a map when all its instances have ended: FINISHED,
or FAILED if one of them failed. The items are not checkpointed: after loading, :func:`restore_maps` reads them from
the sources again (stored nodes, so the same items).
"""

from __future__ import annotations

from typing import Any

from aiida import orm

from ..enums import TERMINAL_TASK_STATES, TaskState
from .instances import Scope, instance_name
from .zones import descendants

#: The states of a map instance whose items are known and whose task instances exist.
MAP_OPENED_STATES = frozenset({TaskState.RUNNING.value, TaskState.FINISHED.value, TaskState.FAILED.value})


def open_map(engine: Any, name: str) -> None:
    """Open the map instance ``name``: read its items; it runs them (RUNNING), or is FINISHED if it has none.

    A map whose items cannot be read fails, naming every bad item.
    """
    task = engine.task(name)
    try:
        items = task.kind.items(task, engine._task_inputs(task), for_daemon=engine.for_daemon)
    except Exception as exception:  # noqa: BLE001 - a map that cannot be opened fails, the engine goes on
        engine._task_failed(name, f'could not open the zone: {type(exception).__name__}: {exception}')
        return
    clashes = sorted(set(engine.plan.tasks) & _instance_names(engine, name, items))
    if clashes:
        engine._task_failed(name, f'could not open the zone: its task instances would be named as tasks {clashes}')
        return
    engine._map_items[name] = _pks_of_stored(items)
    engine.graph_state.set_state(name, TaskState.RUNNING if items else TaskState.FINISHED)
    engine.report(f'Map {name}: {len(items)} items')


def _instance_names(engine: Any, name: str, items: dict[str, orm.Data]) -> set[str]:
    """The names the task instances of map ``name`` get for ``items``."""
    template = engine.instances.template(name)
    scope = engine.instances.scope(name)
    inside = descendants(engine.plan.zone_members, template)
    return {instance_name(task, (*scope, key)) for key in items for task in inside}


def _pks_of_stored(items: dict[str, orm.Data]) -> dict[str, orm.Data | int]:
    """The items with stored nodes replaced by their pks: an engine holds no stored node (see
    :meth:`~.workgraph_engine.WorkGraphEngine._results_of`)."""
    return {key: node.pk if node.is_stored else node for key, node in items.items()}


def close_maps(engine: Any) -> None:
    """End every running map whose task instances have all ended: FINISHED, or FAILED naming those that did not
    finish; on success the tasks inside it (as templates) are marked FINISHED too, as upstream shows them."""
    state = engine.graph_state
    states = state.states()
    instances = engine.instances
    running = [name for name in engine._map_items if states.get(name) == TaskState.RUNNING]
    for name in sorted(running, key=instances.position.__getitem__, reverse=True):  # inner maps end first
        states = state.states()
        members = instances.inside(name)
        if any(states.get(member, TaskState.PLANNED) not in TERMINAL_TASK_STATES for member in members):
            continue
        bad = sorted(
            member
            for member in members
            if states.get(member) in (TaskState.FAILED, TaskState.SKIPPED, TaskState.KILLED)
        )
        if bad:
            engine._task_failed(name, f'tasks of its items did not finish: {", ".join(bad)}')
            continue
        state.set_state(name, TaskState.FINISHED)
        for template in descendants(engine.plan.zone_members, instances.template(name)):
            if template not in instances.instances:
                state.set_state(template, TaskState.FINISHED)
        engine.report(f'Map {name} finished: {len(engine._map_items[name])} items')


def map_item_value(engine: Any, item_task: str, scope: Scope, socket: str) -> orm.Data | None:
    """The ``key`` (a ``Str``) or the ``value`` of the item of the map instance around ``scope``.

    :param item_task: the map's ``map_item`` task (a template).
    :param scope: the scope of the instance that reads it.
    """
    plan = engine.plan
    map_template = plan.zone_of[item_task]
    depth = len(plan.map_chain[map_template])
    key = scope[depth]
    items = engine._map_items.get(instance_name(map_template, scope[:depth]), {})
    if key not in items:
        return None
    if socket == 'key':
        return orm.Str(key)
    if socket != 'value':
        return None
    value = items[key]
    if isinstance(value, int):
        return orm.load_node(value)
    if value.is_stored:  # stored by the process that used it first: from now on, its pk
        items[key] = value.pk
    return value


def gathered_value(engine: Any, name: str, socket: str) -> dict[str, Any] | None:
    """The output ``socket`` of the map instance ``name``: ``{key: value}`` of what each item's ``gather`` got.

    Items whose value is missing (their task was not taken) are left out.
    """
    plan = engine.plan
    template = engine.instances.template(name)
    scope = engine.instances.scope(name)
    head, _, rest = socket.partition('.')
    gathered: dict[str, Any] = {}
    for gather in plan.zone_members.get(template, ()):
        if plan.tasks[gather].kind.name != 'GATHER_ITEM':
            continue
        links = [link for link in plan.tasks[gather].incoming if link.to_socket == head]
        for link in links:
            for key in engine._map_items.get(name, {}):
                value = engine._link_value(link, (*scope, key))
                if value is not None:
                    gathered[key] = value
    if rest:
        return gathered.get(rest)
    return gathered or None


def restore_maps(engine: Any) -> None:
    """Read again the items of every opened map instance of a loaded engine (outer maps first).

    A map whose items cannot be read any more keeps its state; its task instances are unknown.
    """
    tried: set[str] = set()
    while True:
        states = engine.graph_state.states()
        pending = [
            name
            for name in engine.instances.order
            if engine.instances.template(name) in engine.plan.maps
            and states.get(name) in MAP_OPENED_STATES
            and name not in tried
        ]
        if not pending:
            return
        name = pending[0]
        tried.add(name)
        task = engine.task(name)
        try:
            items = task.kind.items(task, engine._task_inputs(task), for_daemon=engine.for_daemon)
            engine._map_items[name] = _pks_of_stored(items)
        except Exception as exception:  # noqa: BLE001 - reported; the map's instances stay unknown
            engine.report(f'Map {name}: its items cannot be read again: {type(exception).__name__}: {exception}')


__all__ = ['MAP_OPENED_STATES', 'close_maps', 'gathered_value', 'map_item_value', 'open_map', 'restore_maps']

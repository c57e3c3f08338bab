"""Control-flow zones: ``Zone()``, ``If(condition)``, ``While(condition)`` and ``Map(source)``.

Inside ``with If(condition):`` (or ``Zone()``, ``While(...)``) in a graph context, every task added by calling a task
handle (and every comparison task such as ``x > 0``) belongs to the zone. The zone is a task of the graph: it waits
for all that its tasks depend on outside it, then opens (for ``If``: the condition is read); its tasks wait for it.
Tasks of an ``If`` whose condition does not hold end ``NOT_TAKEN``, as does every task that needs a value from them.
A ``While`` runs its tasks again, and its condition tasks before each iteration, as long as the condition holds.
A ``Map`` runs its tasks once per item of its source (a dict): inside it, ``map_zone.key`` and ``map_zone.value`` are
the item, and ``map_zone.gather({'name': socket})`` makes ``map_zone.outputs.name`` the ``{key: value}`` of that socket
over all items.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from node_graph.task import ChildTaskSet
from node_graph.task_spec import TaskSpec

from ..socket_spec import SocketSpec, dynamic, namespace
from ..tasks.kinds.map import GATHER_ITEM, MAP, MAP_ITEM
from ..tasks.kinds.zones import DEFAULT_MAX_ITERATIONS, IF, WHILE, ZONE
from .task import Task


class ZoneTask(Task):
    """A zone of a graph: the tasks created inside its ``with`` block are its ``children``."""

    _default_spec = TaskSpec(
        identifier='workgraph.zone',
        task_type=ZONE,
        catalog='Control',
        inputs=namespace(),
        outputs=namespace(),
        base_class_path='aiida_workgraph.authoring.zones.ZoneTask',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children = ChildTaskSet(parent=self)

    def add_task(self, *args: Any, **kwargs: Any) -> Task:
        """Add a task to the graph, inside this zone."""
        task = self.graph.add_task(*args, **kwargs)
        self.children.add(task)
        return task

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The task's dict, with the names of its children."""
        data = super().to_dict(*args, **kwargs)
        data['children'] = [task.name for task in self.children]
        return data


class IfTask(ZoneTask):
    """A zone whose tasks run only if ``conditions`` holds (or does not, with ``invert_condition``)."""

    _default_spec = TaskSpec(
        identifier='workgraph.if_zone',
        task_type=IF,
        catalog='Control',
        inputs=namespace(
            conditions=Annotated[Any, SocketSpec('workgraph.any', link_limit=100000)],
            invert_condition=Annotated[bool, SocketSpec('workgraph.any', default=False)],
        ),
        outputs=namespace(),
        base_class_path='aiida_workgraph.authoring.zones.IfTask',
    )


class WhileTask(ZoneTask):
    """A zone whose tasks run again as long as ``conditions`` holds, at most ``max_iterations`` times."""

    _default_spec = TaskSpec(
        identifier='workgraph.while_zone',
        task_type=WHILE,
        catalog='Control',
        inputs=namespace(
            conditions=Annotated[Any, SocketSpec('workgraph.any', link_limit=100000)],
            max_iterations=Annotated[int, SocketSpec('workgraph.any', default=DEFAULT_MAX_ITERATIONS)],
        ),
        outputs=namespace(),
        base_class_path='aiida_workgraph.authoring.zones.WhileTask',
    )


class MapItemTask(Task):
    """The item of a map zone, read by the tasks inside it: outputs ``key`` and ``value``."""

    _default_spec = TaskSpec(
        identifier='workgraph.map_item',
        task_type=MAP_ITEM,
        catalog='Control',
        inputs=namespace(),
        outputs=namespace(key=Any, value=Any),
        base_class_path='aiida_workgraph.authoring.zones.MapItemTask',
    )


class GatherItemTask(Task):
    """What a map zone gathers from each item: one dynamic input per gathered name."""

    _default_spec = TaskSpec(
        identifier='workgraph.gather_item',
        task_type=GATHER_ITEM,
        catalog='Control',
        inputs=dynamic(Any),
        outputs=namespace(),
        base_class_path='aiida_workgraph.authoring.zones.GatherItemTask',
    )


class MapTask(ZoneTask):
    """A zone whose tasks run once per item of ``source``; its outputs are what :meth:`gather` collects per key."""

    _default_spec = TaskSpec(
        identifier='workgraph.map_zone',
        task_type=MAP,
        catalog='Control',
        inputs=namespace(source=Annotated[dict, dynamic(Any)]),
        outputs=dynamic(Any),
        base_class_path='aiida_workgraph.authoring.zones.MapTask',
    )

    @property
    def item_task(self) -> Task:
        """The map's ``workgraph.map_item`` task (made, inside the map, when first asked for)."""
        for task in self.children:
            if isinstance(task, MapItemTask):
                return task
        return self.add_task(MapItemTask, name=f'{self.name}_item' if self.name != 'map_zone' else 'map_item')

    @property
    def key(self) -> Any:
        """The key of the item (a socket to link to the tasks inside the map)."""
        return self.item_task.outputs.key

    @property
    def value(self) -> Any:
        """The value of the item (a socket to link to the tasks inside the map)."""
        return self.item_task.outputs.value

    @property
    def item(self) -> Any:
        """``item.key`` and ``item.value``; deprecated upstream in favour of :attr:`key` and :attr:`value`."""
        warnings.warn(
            '`Map.item` is deprecated; use `Map.key` / `Map.value` instead (`map_zone.item.value` -> `map_zone.value`)',
            DeprecationWarning,
            stacklevel=2,
        )
        return self.item_task.outputs

    def gather(self, values: dict[str, Any]) -> Any:
        """Collect, for each name, the socket's value of every item into ``outputs.<name>`` (``{key: value}``).

        :return: the map's outputs.
        :raises TypeError: if ``values`` is not a dict of sockets.
        """
        if not isinstance(values, dict):
            raise TypeError(f'gather takes a dict {{name: socket}}, got {type(values).__name__}')
        gather = next((task for task in self.children if isinstance(task, GatherItemTask)), None)
        if gather is None:
            gather = self.add_task(
                GatherItemTask, name=f'{self.name}_gather' if self.name != 'map_zone' else 'gather_item'
            )
        for name, socket in values.items():
            gather.inputs._new('workgraph.any', name)
            gather.inputs[name] = socket
            if name not in self.outputs:
                self.outputs._new('workgraph.namespace', name, metadata={'dynamic': True})
        return self.outputs


@contextmanager
def _zone(task_class: type[Task], **inputs: Any) -> Iterator[Any]:
    """Add a zone task to the current graph and make it the active zone inside the ``with`` block.

    :raises RuntimeError: if no WorkGraph is current.
    """
    from node_graph.manager import CurrentGraphManager

    from .workgraph import WorkGraph

    graph = CurrentGraphManager().peek_current_graph()
    if not isinstance(graph, WorkGraph):
        raise RuntimeError('a zone is created inside a `with WorkGraph() as wg:` block')
    zone = graph.add_task(task_class, **inputs)
    outer = getattr(graph, '_active_zone', None)
    if outer is not None:
        outer.children.add(zone)
    graph._active_zone = zone
    try:
        yield zone
    finally:
        graph._active_zone = outer


def Zone() -> Any:  # noqa: N802 - upstream's name
    """A zone: its tasks start once all that they depend on outside it has finished.

    :raises RuntimeError: if no WorkGraph is current.
    """
    return _zone(ZoneTask)


def If(condition: Any, invert_condition: bool = False) -> Any:  # noqa: N802 - upstream's name
    """A zone whose tasks run only if ``condition`` (a socket, e.g. ``task.outputs.result > 0``) is true.

    :param invert_condition: run them only if the condition is false instead (an *else* branch).
    :raises RuntimeError: if no WorkGraph is current.
    """
    return _zone(IfTask, conditions=condition, invert_condition=invert_condition)


def While(condition: Any, max_iterations: int = DEFAULT_MAX_ITERATIONS) -> Any:  # noqa: N802 - upstream's name
    """A loop: its tasks run again, each iteration after the condition tasks ran again, while ``condition`` holds.

    The condition is usually a comparison of ``ctx`` (``wg.ctx.n < 5``) that the tasks inside update
    (``wg.ctx.n = task.outputs.result``). After ``max_iterations`` iterations the loop ends.

    :raises RuntimeError: if no WorkGraph is current.
    """
    return _zone(WhileTask, conditions=condition, max_iterations=max_iterations)


def Map(source: Any = None, *, source_socket: Any = None) -> Any:  # noqa: N802 - upstream's name
    """A map: its tasks run once per item of ``source`` (a dict, or a socket holding one).

    ``source_socket=`` (upstream's keyword) is the same as ``source``.

    Inside the ``with`` block, ``map_zone.key`` and ``map_zone.value`` are the item's key and value; after the tasks,
    ``map_zone.gather({'name': socket})`` collects ``socket`` of every item into ``map_zone.outputs.name`` (a
    ``{key: value}`` namespace). Keys name the task instances (``<key>_<task>``): letters, digits and underscores.

    :raises RuntimeError: if no WorkGraph is current.
    :raises TypeError: if neither or both of ``source`` and ``source_socket`` are given.
    """
    if (source is None) == (source_socket is None):
        raise TypeError('Map() takes the items to map over as `source` (or `source_socket`), exactly once')
    return _zone(MapTask, source=source if source is not None else source_socket)


def restore_zone_members(graph: Any, tasks: dict[str, dict[str, Any]]) -> None:
    """Put the tasks of ``graph`` back into their zones, as a graph's dict records them (``parent_task``).

    node-graph does not restore a task's zone when it rebuilds a graph from a dict or copies one.
    """
    names = set(graph.tasks._get_keys())
    for name, data in tasks.items():
        zone = (data.get('parent_task') or [None])[0]
        if name in names and zone in names and isinstance(graph.tasks[zone], ZoneTask):
            if graph.tasks[name].parent is None:
                graph.tasks[zone].children.add(graph.tasks[name])

"""The engine's read-only view of a graph structure: task kinds, callables, links and dependencies.

It is rebuilt from the structure stored on the process node whenever an engine is created or loaded, so none of it
goes into a checkpoint.
"""

from __future__ import annotations

import base64
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import cloudpickle
from node_graph.config import BUILTIN_TASKS, OUTPUT_SOCKET_NAME, WAIT_SOCKET_NAME
from node_graph.executor import ExecutorMode, SafeExecutor
from node_graph.socket_spec import SocketSpec
from node_graph.task_spec import BaseHandle, TaskSpec

from ..serialization.schema import Slot
from ..tasks.kinds import TaskKind, get_kind
from ..tasks.kinds.map import MAP
from .zones import apply_zones, zone_members

GRAPH_INPUTS = 'graph_inputs'
GRAPH_OUTPUTS = 'graph_outputs'
GRAPH_CTX = 'graph_ctx'


@dataclass(frozen=True)
class Link:
    """A link of the graph, by task and socket names (socket paths are dotted)."""

    from_task: str
    from_socket: str
    to_task: str
    to_socket: str


@dataclass
class TaskPlan:
    """What the engine needs to know about one task.

    :param name: the task name.
    :param kind: the task's kind (from :mod:`aiida_workgraph.tasks.kinds`), which says how it runs.
    :param spec: the task's node-graph spec (sockets, executor).
    """

    name: str
    kind: TaskKind
    spec: TaskSpec
    incoming: list[Link] = field(default_factory=list)

    @cached_property
    def callable(self) -> Any:
        """The function or process class this task runs (unpickled here, where the task runs, if it was pickled).

        :raises ImportError: if it cannot be imported (or unpickled) in this interpreter.
        """
        executor = self.spec.executor
        if executor is None:
            raise ImportError(f'task `{self.name}` has no executor')
        if executor.mode == ExecutorMode.PICKLED_CALLABLE:
            obj = cloudpickle.loads(base64.b64decode(executor.pickled_callable.encode('utf-8')))
        else:
            obj = SafeExecutor(**executor.to_dict()).callable
        if isinstance(obj, BaseHandle):
            obj = obj._callable
        return obj

    def input_slot(self) -> Slot:
        """The schema the walk uses for this task's inputs."""
        return self.kind.input_slot(self)

    def required_inputs(self) -> list[str]:
        """The dotted paths of the inputs this task cannot run without (no default, not optional)."""
        return self.kind.required_inputs(self)

    @property
    def output_spec(self) -> SocketSpec:
        """The declared outputs of the task."""
        return self.spec.outputs


class GraphPlan:
    """Tasks, links and dependencies of a graph structure (a node-graph dict with its values removed).

    :param structure: the structure handed to the engine.
    :raises ValueError: if the structure holds a cycle.
    """

    def __init__(self, structure: dict[str, Any]):
        self.structure = structure
        self.tasks: dict[str, TaskPlan] = {}
        for name, data in structure['tasks'].items():
            if name in BUILTIN_TASKS:
                continue
            spec = TaskSpec.from_dict(data['spec'])
            self.tasks[name] = TaskPlan(name, get_kind(spec.task_type), spec)
        self.links = [Link(**link) for link in structure.get('links', [])]
        self.ctx_writers: dict[str, list[Link]] = defaultdict(list)
        self.graph_output_links: list[Link] = []
        for link in self.links:
            if link.to_task == GRAPH_CTX:
                self.ctx_writers[link.to_socket].append(link)
            elif link.to_task == GRAPH_OUTPUTS:
                self.graph_output_links.append(link)
            elif link.to_task in self.tasks:
                self.tasks[link.to_task].incoming.append(link)
        self.parents = {name: self._parents(plan) for name, plan in self.tasks.items()}
        self.value_parents = {name: self._value_parents(plan) for name, plan in self.tasks.items()}
        self.zone_members = zone_members(structure, self.tasks)
        self.zone_of = {member: zone for zone, members in self.zone_members.items() for member in members}
        self.maps = {name for name, plan in self.tasks.items() if plan.kind.name == MAP}
        self.map_chain = {name: self._map_chain(name) for name in self.tasks}
        self._check_map_links()
        self.loop_conditions = apply_zones(self)
        self.children: dict[str, set[str]] = defaultdict(set)
        for name, parents in self.parents.items():
            for parent in parents:
                self.children[parent].add(name)
        self.order = self._topological_order()

    def _parents(self, plan: TaskPlan) -> set[str]:
        parents = set()
        for link in plan.incoming:
            if link.from_task == GRAPH_CTX:
                parents.update(writer.from_task for writer in self._ctx_writers_of(link.from_socket))
            elif link.from_task in self.tasks:
                parents.add(link.from_task)
        return parents

    def _value_parents(self, plan: TaskPlan) -> set[str]:
        """The tasks a task takes a value from through a link (not through ``ctx``, not ``_wait`` links)."""
        return {link.from_task for link in plan.incoming if link.from_task in self.tasks and self.is_value_link(link)}

    @cached_property
    def needed_parents(self) -> dict[str, set[str]]:
        """The tasks each task takes a value from through a link into a required input (one without a default).

        A task that one of these cannot give a value to (it was not taken) cannot run; a value of any other task
        linked to it is optional, and the task runs without it.
        """
        needed = {}
        for name, plan in self.tasks.items():
            required = plan.required_inputs() if plan.incoming else []
            needed[name] = {
                link.from_task
                for link in plan.incoming
                if link.from_task in self.value_parents[name]
                and self.is_value_link(link)
                and any(_overlaps(link.to_socket, path) for path in required)
            }
        return needed

    def _map_chain(self, name: str) -> tuple[str, ...]:
        """The ``Map`` zones around task ``name``, outer first."""
        chain = []
        while name in self.zone_of:
            name = self.zone_of[name]
            if name in self.maps:
                chain.append(name)
        return tuple(reversed(chain))

    def _check_map_links(self) -> None:
        """Refuse a value link from a task inside a ``Map`` to a task outside it: there is one value per item.

        :raises ValueError: naming the link and the map.
        """
        for name, plan in self.tasks.items():
            for link in plan.incoming:
                source = self.map_chain.get(link.from_task, ())
                if source and source != self.map_chain[name][: len(source)] and self.is_value_link(link):
                    outer = next(zone for zone in source if zone not in self.map_chain[name])
                    raise ValueError(
                        f'task {name} takes {link.from_task}.{link.from_socket}, which has one value per item of the '
                        f"Map zone {outer}; gather it in the map (`{outer}.gather({{...}})`) and link the map's output"
                    )

    def _ctx_writers_of(self, socket: str) -> list[Link]:
        return [link for key, links in self.ctx_writers.items() for link in links if _overlaps(key, socket)]

    def _topological_order(self) -> list[str]:
        """The tasks, each after the tasks it depends on; among ready tasks, in the order they were added.

        :raises ValueError: if the graph has a cycle.
        """
        position = {name: index for index, name in enumerate(self.tasks)}
        pending = {name: set(parents) for name, parents in self.parents.items()}
        order = []
        queued = {name for name in self.tasks if not pending[name]}
        ready = deque(name for name in self.tasks if name in queued)
        while ready:
            name = ready.popleft()
            order.append(name)
            for child in sorted(self.children[name], key=position.__getitem__):
                pending[child].discard(name)
                if not pending[child] and child not in queued:
                    queued.add(child)
                    ready.append(child)
        if len(order) != len(self.tasks):
            stuck = sorted(set(self.tasks) - set(order))
            raise ValueError(f'the graph has a cycle through the tasks {stuck}')
        return order

    def descendants(self, name: str) -> set[str]:
        """All tasks that depend, directly or not, on task ``name``."""
        found: set[str] = set()
        stack = list(self.children[name])
        while stack:
            child = stack.pop()
            if child not in found:
                found.add(child)
                stack.extend(self.children[child])
        return found

    def missing_inputs(self, task_values: dict[str, Any]) -> list[str]:
        """The required task inputs (``tasks.<task>.<input>``) that have neither a value nor a link.

        :param task_values: ``{task: {input: value}}``, the values set on task inputs (only the keys are read).
        """
        missing = []
        for name, plan in self.tasks.items():
            provided = set(_paths(task_values.get(name) or {}))
            provided.update(link.to_socket for link in plan.incoming if self.is_value_link(link))
            for path in plan.required_inputs():
                if not any(_overlaps(path, given) for given in provided):
                    missing.append(f'tasks.{name}.{path}')
        return missing

    @staticmethod
    def is_value_link(link: Link) -> bool:
        """Whether the link carries a value (``_wait`` links only order tasks)."""
        return WAIT_SOCKET_NAME not in (link.from_socket, link.to_socket)


def _paths(tree: dict[str, Any], prefix: str = '') -> list[str]:
    """The dotted paths of the keys of a nested dict (its leaves and its namespaces)."""
    paths = []
    for key, value in tree.items():
        path = f'{prefix}{key}'
        paths.append(path)
        if isinstance(value, dict):
            paths.extend(_paths(value, f'{path}.'))
    return paths


def _overlaps(path_a: str, path_b: str) -> bool:
    """Whether one dotted path is the other or lies inside it."""
    return path_a == path_b or path_a.startswith(f'{path_b}.') or path_b.startswith(f'{path_a}.')


__all__ = ['GRAPH_CTX', 'GRAPH_INPUTS', 'GRAPH_OUTPUTS', 'OUTPUT_SOCKET_NAME', 'GraphPlan', 'Link', 'TaskPlan']

"""Task instances: the tasks of the structure, once per item of every ``Map`` zone they are inside.

The structure stores each task once, as a *template*. A task outside every ``Map`` has one instance, named as the
task. A task inside a ``Map`` has one instance per item of each opened map around it, named as upstream names them:
the item keys, outer map first, then the task (``k0_add``; ``a_k0_add`` inside two maps). The *scope* of an
instance is that tuple of keys. Instances exist only once their maps are opened (their items known), so the body of
a map needs no dependency on the map itself.

:class:`InstancePlan` is the plan of the scheduler: the instances in a topological order, with their dependencies,
zones and loops, derived from the templates' (:class:`~.graph_plan.GraphPlan`) and the keys of the opened maps. It is
rebuilt when a map opens or is planned again; none of it is checkpointed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .graph_plan import GraphPlan, TaskPlan
from .zones import descendants

Scope = tuple[str, ...]


def instance_name(template: str, scope: Scope) -> str:
    """The name of the instance of ``template`` in ``scope``: the keys, then the task name, joined by ``_``."""
    return '_'.join((*scope, template)) if scope else template


class TaskInstance:
    """One instance of a task: its template's plan (kind, spec, links) under the instance's name and scope.

    :param template: the plan of the task in the structure.
    :param name: the instance name (the task name outside every map).
    :param scope: the item keys of the maps around it, outer first.
    """

    def __init__(self, template: TaskPlan, name: str, scope: Scope):
        self.template = template
        self.name = name
        self.scope = scope

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.template, attribute)

    def input_slot(self) -> Any:
        """The schema the walk uses for this task's inputs (the template's)."""
        return self.template.input_slot()

    def required_inputs(self) -> list[str]:
        """The inputs this task cannot run without (the template's)."""
        return self.template.required_inputs()


class InstancePlan:
    """The task instances of a graph given the keys of its opened maps, with their order, dependencies and zones.

    :param plan: the templates.
    :param map_keys: ``{map instance: [item keys]}`` of every opened map.
    """

    def __init__(self, plan: GraphPlan, map_keys: Mapping[str, Sequence[str]]):
        self.plan = plan
        self.map_keys = map_keys
        self._scopes: dict[tuple[str, ...], list[Scope]] = {}
        self.instances: dict[str, tuple[str, Scope]] = {}
        for template in plan.order:
            if plan.tasks[template].kind.virtual:
                continue
            for scope in self.scopes(template):
                self.instances[instance_name(template, scope)] = (template, scope)
        self.order = list(self.instances)
        self.position = {name: index for index, name in enumerate(self.order)}
        self.parents = {name: self._sources(plan.parents[t], t, scope) for name, (t, scope) in self.instances.items()}
        self.zone_members = self._zone_members()
        self._inside: dict[str, frozenset[str]] = {}
        self.loop_conditions = {
            name: self._sources(plan.loop_conditions[t], t, scope)
            for name, (t, scope) in self.instances.items()
            if t in plan.loop_conditions
        }

    @property
    def needed_parents(self) -> dict[str, set[str]]:
        """The instances each instance needs a value from (:attr:`GraphPlan.needed_parents`), computed once."""
        if '_needed_parents' not in self.__dict__:
            self.__dict__['_needed_parents'] = {
                name: self._sources(self.plan.needed_parents[t], t, scope)
                for name, (t, scope) in self.instances.items()
            }
        return self.__dict__['_needed_parents']

    def scopes(self, template: str) -> list[Scope]:
        """The scopes in which ``template`` has an instance: one per combination of items of its opened maps."""
        chain = self.plan.map_chain[template]
        if chain not in self._scopes:
            found: list[Scope] = [()]
            for zone in chain:
                found = [(*scope, key) for scope in found for key in self.map_keys.get(instance_name(zone, scope), ())]
            self._scopes[chain] = found
        return self._scopes[chain]

    def source(self, template: str, consumer: str | None, scope: Scope) -> str:
        """The instance of ``template`` that the instance of ``consumer`` in ``scope`` depends on or reads from.

        Inside the same maps, the one with the same keys; outside the maps of ``consumer``, the one with the keys of
        the maps they share; inside a map around ``template`` that is not around ``consumer``, that map (which ends
        when all its instances have).
        """
        chain = self.plan.map_chain[template]
        consumer_chain = self.plan.map_chain.get(consumer, ()) if consumer else ()
        shared = 0
        while shared < min(len(chain), len(consumer_chain)) and chain[shared] == consumer_chain[shared]:
            shared += 1
        if shared == len(chain):
            return instance_name(template, scope[:shared])
        return instance_name(chain[shared], scope[:shared])

    def _sources(self, templates: Iterable[str], consumer: str, scope: Scope) -> set[str]:
        chain = self.plan.map_chain[consumer]
        return {
            self.source(template, consumer, scope)
            for template in templates
            if template not in chain and not self.plan.tasks[template].kind.virtual
        }

    def _zone_members(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = defaultdict(list)
        for zone, templates in self.plan.zone_members.items():
            inner = [template for template in templates if not self.plan.tasks[template].kind.virtual]
            for scope in self.scopes(zone):
                name = instance_name(zone, scope)
                keys = self.map_keys.get(name, ()) if zone in self.plan.maps else [None]
                for key in keys:
                    inner_scope = scope if key is None else (*scope, key)
                    members[name].extend(instance_name(template, inner_scope) for template in inner)
        return dict(members)

    def template(self, name: str) -> str:
        """The template of instance ``name``.

        :raises KeyError: if there is no such instance.
        """
        return self.instances[name][0]

    def scope(self, name: str) -> Scope:
        """The scope (item keys, outer map first) of instance ``name``."""
        return self.instances[name][1]

    def inside(self, zone: str) -> frozenset[str]:
        """Every instance inside the zone instance ``zone``, in nested zones too."""
        if zone not in self._inside:
            self._inside[zone] = frozenset(descendants(self.zone_members, zone))
        return self._inside[zone]

    def descendants(self, name: str) -> set[str]:
        """All instances that depend, directly or not, on instance ``name``."""
        children: dict[str, set[str]] = defaultdict(set)
        for child, parents in self.parents.items():
            for parent in parents:
                children[parent].add(child)
        found: set[str] = set()
        stack = list(children[name])
        while stack:
            child = stack.pop()
            if child not in found:
                found.add(child)
                stack.extend(children[child])
        return found


__all__ = ['InstancePlan', 'Scope', 'TaskInstance', 'instance_name']

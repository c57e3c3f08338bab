"""The socket classes of WorkGraph tasks: ``TaskSocket`` (a leaf) and ``TaskSocketNamespace``.

They are node-graph's sockets whose properties and child sockets come from the ``workgraph.*`` registries
(:mod:`aiida_workgraph.registry`), so a typed socket checks the type of a value when it is set.
"""

from __future__ import annotations

from typing import Any

from node_graph.property import TaskProperty
from node_graph.socket import BaseSocket as BaseTaskSocket
from node_graph.socket import TaskSocket as BaseTaskSocketLeaf
from node_graph.socket import TaskSocketNamespace as BaseTaskSocketNamespace

from .sockets.mapping import builtins_type_mapping as type_mapping


class TaskSocket(BaseTaskSocketLeaf):
    """A leaf socket whose property is looked up in the ``aiida_workgraph.property`` registry."""

    _identifier: str = 'workgraph.any'
    _socket_property_identifier: str | None = 'workgraph.any'

    def add_property(self, identifier: str, name: str | None = None, **kwargs: Any) -> None:
        """Attach the property registered under ``identifier``.

        :raises ValueError: if no property is registered under ``identifier``.
        """
        from .registry import registry_hub

        self.property = TaskProperty.new(
            identifier, name=name or self._name, PropertyPool=registry_hub.property_pool, **kwargs
        )


class TaskSocketNamespace(BaseTaskSocketNamespace):
    """A namespace of sockets (``workgraph.namespace``); its children come from the ``aiida_workgraph.socket`` pool."""

    _identifier: str = 'workgraph.namespace'
    _type_mapping: dict = type_mapping

    def __init__(self, *args: Any, pool: Any = None, entry_point: str | None = None, **kwargs: Any) -> None:
        if pool is None and entry_point is None:
            from .registry import registry_hub

            pool = registry_hub.socket_pool
        super().__init__(*args, pool=pool, entry_point=entry_point, **kwargs)


__all__ = [
    'BaseTaskSocket',
    'BaseTaskSocketNamespace',
    'TaskProperty',
    'TaskSocket',
    'TaskSocketNamespace',
    'type_mapping',
]

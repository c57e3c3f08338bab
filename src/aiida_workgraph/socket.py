"""The socket classes of WorkGraph tasks: ``TaskSocket`` (a leaf) and ``TaskSocketNamespace``.

They are node-graph's sockets whose properties and child sockets come from the ``workgraph.*`` registries
(:mod:`aiida_workgraph.registry`), so a typed socket checks the type of a value when it is set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiida import orm
from node_graph.property import TaskProperty
from node_graph.socket import BaseSocket as BaseTaskSocket
from node_graph.socket import TaggedValue
from node_graph.socket import TaskSocket as BaseTaskSocketLeaf
from node_graph.socket import TaskSocketNamespace as BaseTaskSocketNamespace
from node_graph.socket_spec import SocketSpec

from .sockets.mapping import builtins_type_mapping as type_mapping

LEGACY_IDENTIFIERS = {
    'node_graph.any': 'workgraph.any',
    'node_graph.namespace': 'workgraph.namespace',
    'node_graph.annotated': 'workgraph.annotated',
    'node_graph.int': 'workgraph.int',
    'node_graph.float': 'workgraph.float',
    'node_graph.bool': 'workgraph.bool',
    'node_graph.string': 'workgraph.string',
    'node_graph.base_list': 'workgraph.list',
    'node_graph.base_dict': 'workgraph.dict',
}
"""node-graph's identifiers, which structures written by earlier releases of this package hold -> ours."""


def with_current_identifier(spec: SocketSpec) -> SocketSpec:
    """The spec with its own identifier as ours if it is one of :data:`LEGACY_IDENTIFIERS`.

    Only the spec's own identifier is replaced: node-graph materializes the fields and the item of a namespace
    through :meth:`TaskSocketNamespace._append_from_spec`, which replaces theirs in turn.
    """
    identifier = LEGACY_IDENTIFIERS.get(spec.identifier)
    return spec if identifier is None else replace(spec, identifier=identifier)


class TaskSocket(BaseTaskSocketLeaf):
    """A leaf socket whose property is looked up in the ``aiida_workgraph.property`` registry."""

    _identifier: str = 'workgraph.any'
    _socket_property_identifier: str | None = 'workgraph.any'

    def _set_socket_value(self, value: Any, *, value_source: str = 'link') -> None:
        """Set a value (or link a socket); a typed input checks the value's type.

        An output's value is a result read back from the database, kept as it is: the type check is for building.

        :raises TypeError: if an input's property refuses the value.
        """
        is_output = (self._metadata.socket_type or '').upper() == 'OUTPUT'
        if is_output and self.property is not None and not isinstance(value, (BaseTaskSocket, TaggedValue)):
            self.property._value = value
            return
        super()._set_socket_value(value, value_source=value_source)

    def get_node_value(self) -> Any:
        """The socket's value as a Python value: an AiiDA base-type node (``Int``, ``Float``, ``Str``, ``Bool``,
        ``List``, ``Dict``...) gives its ``value``; any other value (``None``, a plain value, another data node) is
        returned as it is."""
        value = self.value
        return value.value if isinstance(value, (orm.BaseType, orm.List, orm.Dict)) else value

    @property
    def node_value(self) -> Any:
        """The same as :meth:`get_node_value`."""
        return self.get_node_value()

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

    @classmethod
    def _from_spec(cls, name: str, spec: SocketSpec, **kwargs: Any) -> TaskSocketNamespace:
        return super()._from_spec(name, with_current_identifier(spec), **kwargs)

    @classmethod
    def _append_from_spec(cls, parent_ns: Any, name: str, spec: SocketSpec, **kwargs: Any) -> None:
        super()._append_from_spec(parent_ns, name, with_current_identifier(spec), **kwargs)


__all__ = [
    'LEGACY_IDENTIFIERS',
    'BaseTaskSocket',
    'BaseTaskSocketNamespace',
    'TaskProperty',
    'TaskSocket',
    'TaskSocketNamespace',
    'type_mapping',
]

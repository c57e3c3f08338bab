"""The built-in socket classes, registered as ``aiida_workgraph.socket`` entry points under their identifiers."""

from __future__ import annotations

from ..socket import TaskSocket, TaskSocketNamespace


class SocketAny(TaskSocket):
    """Accepts any value (``workgraph.any``)."""

    _identifier: str = 'workgraph.any'
    _socket_property_identifier: str = 'workgraph.any'


class SocketAnnotated(TaskSocket):
    """A socket for an ``Annotated[...]`` type hint; its type information lives in the socket metadata."""

    _identifier: str = 'workgraph.annotated'
    _socket_property_identifier: str = 'workgraph.any'


class SocketInt(TaskSocket):
    """An integer (``int`` or ``Int``)."""

    _identifier: str = 'workgraph.int'
    _socket_property_identifier: str = 'workgraph.int'


class SocketFloat(TaskSocket):
    """A number (``int``, ``float``, ``Int`` or ``Float``)."""

    _identifier: str = 'workgraph.float'
    _socket_property_identifier: str = 'workgraph.float'


class SocketBool(TaskSocket):
    """A boolean (``bool``, ``int``, ``Bool`` or ``Int``)."""

    _identifier: str = 'workgraph.bool'
    _socket_property_identifier: str = 'workgraph.bool'


class SocketString(TaskSocket):
    """A string (``str`` or ``Str``)."""

    _identifier: str = 'workgraph.string'
    _socket_property_identifier: str = 'workgraph.string'


class SocketList(TaskSocket):
    """A list (``list``, ``tuple`` or ``List``)."""

    _identifier: str = 'workgraph.list'
    _socket_property_identifier: str = 'workgraph.list'


class SocketDict(TaskSocket):
    """A dictionary (``dict`` or ``Dict``)."""

    _identifier: str = 'workgraph.dict'
    _socket_property_identifier: str = 'workgraph.dict'


class SocketStructureData(TaskSocket):
    """A ``StructureData`` node."""

    _identifier: str = 'workgraph.aiida_structuredata'
    _socket_property_identifier: str = 'workgraph.aiida_structuredata'


class SocketAiiDAIntVector(TaskSocket):
    """A list of integers of a fixed size."""

    _identifier: str = 'workgraph.aiida_int_vector'
    _socket_property_identifier: str = 'workgraph.aiida_int_vector'


class SocketAiiDAFloatVector(TaskSocket):
    """A list of numbers of a fixed size."""

    _identifier: str = 'workgraph.aiida_float_vector'
    _socket_property_identifier: str = 'workgraph.aiida_float_vector'


__all__ = [
    'SocketAiiDAFloatVector',
    'SocketAiiDAIntVector',
    'SocketAnnotated',
    'SocketAny',
    'SocketBool',
    'SocketDict',
    'SocketFloat',
    'SocketInt',
    'SocketList',
    'SocketString',
    'SocketStructureData',
    'TaskSocketNamespace',
]

"""The properties behind typed sockets: they check, when a value is set while building, that its type fits.

Every typed property accepts the Python type, the AiiDA data type that stands for it (``Int`` for ``int``) and
``None``. Checking is all they do: the engine's walk decides how a value is stored when the process is created.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiida import orm
from node_graph.property import TaskProperty


@cache
def _none_types() -> tuple[type, ...]:
    """``NoneType``, and aiida-pythonjob's ``NoneData`` when aiida-pythonjob can be imported (it needs a config)."""
    try:
        from aiida_pythonjob.data.common_data import NoneData
    except Exception:  # aiida-pythonjob reads the AiiDA configuration on import; without one, None is enough
        return (type(None),)
    return (type(None), NoneData)


class TypedProperty(TaskProperty):
    """A property that accepts the types of ``value_types`` and ``None``.

    :raises TypeError: (when a value is set) ``Invalid value for property '<name>': expected (...), but got ...``.
    """

    identifier: str = 'workgraph.typed'
    value_types: tuple[type, ...] = (object,)

    @property
    def allowed_types(self) -> tuple[type, ...]:  # type: ignore[override]
        """The accepted types: ``value_types``, ``NoneType`` and ``NoneData``."""
        return self.value_types + _none_types()


class PropertyAny(TaskProperty):
    """Accepts any value."""

    identifier: str = 'workgraph.any'
    allowed_types = (object,)


class PropertyInt(TypedProperty):
    """An integer: ``int`` (``bool`` included, as in Python) or ``Int``."""

    identifier: str = 'workgraph.int'
    value_types = (int, orm.Int)


class PropertyFloat(TypedProperty):
    """A number: ``int``, ``float``, ``Int`` or ``Float``."""

    identifier: str = 'workgraph.float'
    value_types = (int, float, orm.Int, orm.Float)


class PropertyBool(TypedProperty):
    """A boolean: ``bool``, ``int``, ``Bool`` or ``Int``."""

    identifier: str = 'workgraph.bool'
    value_types = (bool, int, orm.Bool, orm.Int)


class PropertyString(TypedProperty):
    """A string: ``str`` or ``Str``."""

    identifier: str = 'workgraph.string'
    value_types = (str, orm.Str)


class PropertyList(TypedProperty):
    """A list: ``list``, ``tuple`` or ``List``."""

    identifier: str = 'workgraph.list'
    value_types = (list, tuple, orm.List)


class PropertyDict(TypedProperty):
    """A dictionary: ``dict`` or ``Dict``."""

    identifier: str = 'workgraph.dict'
    value_types = (dict, orm.Dict)


class PropertyStructureData(TypedProperty):
    """A ``StructureData`` node."""

    identifier: str = 'workgraph.aiida_structuredata'
    value_types = (orm.StructureData,)


class PropertyVector(TypedProperty):
    """A list of ``size`` items, each of a type of ``item_types`` (or ``None``).

    :raises TypeError: if the value is not a ``list`` or ``List``.
    :raises ValueError: ``Invalid size: Expected <size>, got <n> instead.`` or
        ``Invalid item type: Expected (...), got <class ...> instead.``
    """

    identifier: str = 'workgraph.vector'
    value_types = (list, orm.List)
    item_types: tuple[type, ...] = (object,)

    def __init__(
        self, name: str, description: str = '', size: int = 3, default: Any = None, update: Any = None, **kwargs: Any
    ) -> None:
        self.size = size
        super().__init__(name, description, [] if default is None else default, update, **kwargs)

    @property
    def allowed_item_types(self) -> tuple[type, ...]:
        """The accepted item types: ``item_types``, ``NoneType`` and ``NoneData``."""
        return self.item_types + _none_types()

    def validate(self, value: Any) -> None:
        """Check the container type, then the size, then the type of every item."""
        super().validate(value)
        items = value.get_list() if isinstance(value, orm.List) else value
        if items is None or isinstance(items, _none_types()):
            return
        if len(items) != self.size:
            raise ValueError(f'Invalid size: Expected {self.size}, got {len(items)} instead.')
        for item in items:
            if not isinstance(item, self.allowed_item_types):
                raise ValueError(f'Invalid item type: Expected {self.allowed_item_types}, got {type(item)} instead.')

    def get_metadata(self) -> dict[str, Any]:
        """The default value and the size, as stored with the socket."""
        return {'default': self.default, 'size': self.size}

    def copy(self) -> PropertyVector:
        """A copy with the same size and value."""
        return self.__class__(self.name, self.description, self.size, self._value, self.update)


class PropertyAiiDAIntVector(PropertyVector):
    """A vector of integers (``workgraph.aiida_int_vector``)."""

    identifier: str = 'workgraph.aiida_int_vector'
    item_types = (int,)


class PropertyAiiDAFloatVector(PropertyVector):
    """A vector of numbers (``workgraph.aiida_float_vector``)."""

    identifier: str = 'workgraph.aiida_float_vector'
    item_types = (int, float)

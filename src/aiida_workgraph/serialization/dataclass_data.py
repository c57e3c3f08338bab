"""``DataclassData``: a dataclass instance stored as JSON that also rebuilds when loaded from the database."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from aiida_pythonjob.data.jsonable_data import JsonableData


class DataclassData(JsonableData):
    """aiida-pythonjob's ``JsonableData`` for dataclass instances.

    ``JsonableData`` (aiida-pythonjob 0.5.2) passes its ``@class``/``@module`` bookkeeping keys to the dataclass
    constructor when it is loaded back from the database, which fails; this class leaves them out.
    """

    def _rebuild_object(self, cls_: Any, attributes: dict[str, Any]) -> Any:
        return cls_(**{key: value for key, value in attributes.items() if not key.startswith('@')})


def load_object(node: JsonableData) -> Any:
    """Return the object a ``JsonableData`` node holds, rebuilt from the database if it was not made here.

    A dataclass that aiida-pythonjob stored as a plain ``JsonableData`` (the result of a PythonJob) does not rebuild
    with ``node.value``; it is rebuilt here the way :class:`DataclassData` rebuilds.

    :raises ImportError: if the object's class cannot be imported.
    :raises TypeError: if the object cannot be rebuilt from the stored attributes.
    """
    try:
        return node.value
    except TypeError:
        attributes = node.base.attributes.all
        cls_ = getattr(importlib.import_module(attributes['@module']), attributes['@class'])
        if not dataclasses.is_dataclass(cls_):
            raise
        fields = node._deserialize_float_constants(attributes)
        node._obj = cls_(**{key: value for key, value in fields.items() if not key.startswith('@')})
        return node._obj

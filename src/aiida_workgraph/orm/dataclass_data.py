"""``DataclassData``: a dataclass instance stored as JSON that also rebuilds when loaded from the database."""

from __future__ import annotations

from typing import Any

from aiida_pythonjob.data.jsonable_data import JsonableData


class DataclassData(JsonableData):
    """aiida-pythonjob's ``JsonableData`` for dataclass instances.

    ``JsonableData`` (aiida-pythonjob 0.5.2) passes its ``@class``/``@module`` bookkeeping keys to the dataclass
    constructor when it is loaded back from the database, which fails; this class leaves them out.
    """

    def _rebuild_object(self, cls_: Any, attributes: dict[str, Any]) -> Any:
        return cls_(**{key: value for key, value in attributes.items() if not key.startswith('@')})

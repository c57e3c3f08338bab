"""The error raised when values of a WorkGraph cannot be kept, and the record of each problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ValueProblem:
    """One value that cannot be converted, validated or checkpointed.

    :param path: dotted path of the value, e.g. ``tasks.add1.x`` or ``ctx.params.k``.
    :param type_name: ``module.Class`` of the value.
    :param reason: why the value cannot be kept.
    :param fix: what the user can do about it.
    """

    path: str
    type_name: str
    reason: str
    fix: str

    def format(self) -> str:
        """Return the one-line description used in error messages."""
        return f'{self.path} ({self.type_name}): {self.reason}. Fix: {self.fix}'


#: The start of every :class:`WorkGraphSerializationError` message, as upstream aiida-workgraph's error starts.
SERIALIZE_PREFIX = 'Cannot serialize the provided object'


class WorkGraphSerializationError(ValueError):
    """Raised before anything is stored when one or more values of a WorkGraph cannot be kept.

    The message lists every problem found in the graph, one per line; ``problems`` holds them as
    :class:`ValueProblem` records.
    """

    def __init__(self, problems: list[ValueProblem], context: str = 'WorkGraph'):
        self.problems = list(problems)
        count = len(self.problems)
        noun = 'value' if count == 1 else 'values'
        # Upstream aiida-workgraph's words first ('Cannot serialize the provided object'), then ours.
        plural = '' if count == 1 else 's'
        lines = [f'{SERIALIZE_PREFIX}{plural}: {context}: {count} {noun} cannot be kept; nothing was stored:']
        lines.extend(f'  - {problem.format()}' for problem in self.problems)
        super().__init__('\n'.join(lines))


def type_name(value: object) -> str:
    """Return ``module.Class`` for the type of ``value``."""
    return class_name(type(value))


def class_name(value_type: type) -> str:
    """Return ``module.Class`` for the class ``value_type``."""
    return f'{value_type.__module__}.{value_type.__qualname__}'


class ConversionRefused(Exception):
    """Raised by the conversion functions when a value cannot be kept; the walk turns it into a :class:`ValueProblem`.

    :param reason: why the value cannot be kept.
    :param fix: what the user can do about it.
    :param subpath: where inside the value (a dict or list) the refused item sits, e.g. ``.k`` or ``[2]``.
    :param value: the refused inner item (its type is reported instead of the whole value's).
    """

    #: ``value`` when the refusal is about the whole value.
    WHOLE_VALUE: Any = object()

    def __init__(self, reason: str, fix: str, subpath: str = '', value: Any = WHOLE_VALUE):
        super().__init__(reason)
        self.reason = reason
        self.fix = fix
        self.subpath = subpath
        self.value = value

    def type_name(self, value: Any) -> str:
        """Return ``module.Class`` of the refused value: the inner one when the refusal names one, else ``value``."""
        return type_name(value if self.value is self.WHOLE_VALUE else self.value)

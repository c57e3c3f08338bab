"""The error raised when values of a WorkGraph cannot be kept, and the record of each problem."""

from __future__ import annotations

from dataclasses import dataclass


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


class WorkGraphSerializationError(ValueError):
    """Raised before anything is stored when one or more values of a WorkGraph cannot be kept.

    The message lists every problem found in the graph, one per line; ``problems`` holds them as
    :class:`ValueProblem` records.
    """

    def __init__(self, problems: list[ValueProblem], context: str = 'WorkGraph'):
        self.problems = list(problems)
        count = len(self.problems)
        noun = 'value' if count == 1 else 'values'
        lines = [f'{context}: {count} {noun} cannot be kept; nothing was stored:']
        lines.extend(f'  - {problem.format()}' for problem in self.problems)
        super().__init__('\n'.join(lines))


def type_name(value: object) -> str:
    """Return ``module.Class`` for the type of ``value``."""
    value_type = type(value)
    return f'{value_type.__module__}.{value_type.__qualname__}'

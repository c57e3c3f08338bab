"""The report of a dry run (``WorkGraph.validate()``): what every value of a graph would become."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ValueProblem, WorkGraphSerializationError


@dataclass
class ValidationReport:
    """Every value of a graph with the AiiDA type it will become, and every value that cannot be kept.

    :param values: ``{path: type}``: ``module.Class`` of the AiiDA data a value becomes, or ``plain`` for values
        kept as JSON (``metadata``, options).
    :param problems: the values that cannot be kept, with reason and fix.
    """

    values: dict[str, str] = field(default_factory=dict)
    problems: list[ValueProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every value can be kept."""
        return not self.problems

    def raise_if_problems(self) -> None:
        """Raise the error ``run()``/``submit()`` would raise, if any value cannot be kept.

        :raises WorkGraphSerializationError: listing every problem.
        """
        if self.problems:
            raise WorkGraphSerializationError(self.problems)

    def __str__(self) -> str:
        lines = [f'{path}: {kind}' for path, kind in self.values.items()]
        lines.extend(
            f'{problem.path}: cannot be kept ({problem.type_name}): {problem.reason}. Fix: {problem.fix}'
            for problem in self.problems
        )
        return '\n'.join(lines)

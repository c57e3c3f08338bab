"""Tasks of the control-flow tests, in a module that daemon workers can import (``control_flow.flow_tasks``)."""

from __future__ import annotations

from typing import Annotated, Any

from aiida_workgraph import spec, task


@task
def add(x: Any, y: Any) -> Any:
    """Return ``x + y``."""
    return x + y


@task(outputs=['sum', 'diff'])
def sum_diff(x: Any, y: Any) -> dict[str, Any]:
    """Return the sum and the difference of ``x`` and ``y``."""
    return {'sum': x + y, 'diff': x - y}


@task
def fail(x: Any) -> Any:
    """Raise for any ``x`` but ``None``."""
    if x is not None:
        raise ValueError(f'fail got {x}')
    return x


@task.graph
def add_twice(x: Any, y: Any) -> Any:
    """A graph of two additions: ``(x + y) + y``."""
    return add(x=add(x=x, y=y).result, y=y).result


@task.graph(outputs=['sum', 'diff'])
def sum_and_diff(x: Any, y: Any) -> dict[str, Any]:
    """Two outputs from two tasks."""
    return {'sum': add(x=x, y=y).result, 'diff': sum_diff(x=x, y=y).diff}


@task.graph(outputs=spec.namespace(sum=Any, diff=Any))
def whole_namespace(x: Any, y: Any) -> Any:
    """The outputs namespace of one task as the graph's outputs."""
    return sum_diff(x=x, y=y)


@task.graph(outputs=spec.namespace(total=Any, parts=spec.namespace(first=Any, second=Any)))
def nested_outputs(x: Any, y: Any) -> dict[str, Any]:
    """A nested namespace of outputs."""
    first = add(x=x, y=1).result
    second = add(x=y, y=1).result
    return {'total': add(x=first, y=second).result, 'parts': {'first': first, 'second': second}}


@task.graph
def outer(x: Any) -> Any:
    """A graph task that calls a graph task: ``add_twice(x, 1) + 10``."""
    return add(x=add_twice(x=x, y=1).result, y=10).result


@task.graph(max_depth=3)
def countdown(n: Any) -> Any:
    """Recurse while ``n > 0``: one nested graph per step, ``max_depth=3``."""
    if n.value <= 0:
        return add(x=n, y=100).result
    return countdown(n=add(x=n, y=-1).result).result


@task.graph
def with_failure(x: Any) -> Any:
    """A graph whose only task fails."""
    return fail(x=x).result


@task.graph
def raises_while_building(x: Any) -> Any:
    """The function raises before it adds any task."""
    raise RuntimeError(f'cannot build a graph for {x.value}')


@task.graph
def returns_raw_value(x: Any) -> Any:
    """Returns a plain value instead of a task's socket."""
    return 5


def make_subgraph(name: str = 'sub', offset: Any = 10) -> Any:
    """A WorkGraph with graph inputs ``x``, ``y`` and output ``sum`` = ``x + y + offset`` (``offset`` set inside)."""
    from aiida_workgraph import WorkGraph

    sub = WorkGraph(name, inputs=['x', 'y'], outputs=['sum'])
    first = sub.add_task(add, name='add1', x=sub.inputs.x, y=sub.inputs.y)
    second = sub.add_task(add, name='add2', x=first.outputs.result, y=offset)
    sub.outputs.sum = second.outputs.result
    return sub


class Undecided:
    """A value whose truth cannot be told (``bool()`` raises), kept as ``JsonableData``."""

    def __init__(self, note: str = 'undecided') -> None:
        self.note = note

    def __bool__(self) -> bool:
        raise ValueError(f'{self.note}: no truth value')

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Undecided) and other.note == self.note

    def __hash__(self) -> int:
        return hash(self.note)

    def to_dict(self) -> dict[str, str]:
        """The state of the object."""
        return {'note': self.note}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Undecided:
        """Rebuild the object."""
        return cls(data['note'])


@task
def undecided(x: Any) -> Any:
    """Return an :class:`Undecided`."""
    return Undecided(f'undecided {x}')


@task.graph
def bad_constant(x: Any) -> Any:
    """Builds a graph with a value that cannot be kept (a set) on an inner task."""
    return add(x=x, y={1, 2}).result


@task.graph
def graph_with_job(x: Any, code: Any) -> Any:
    """A graph whose middle task is an ``ArithmeticAddCalculation`` on ``code``: ``(x + 1) + (x + 1) + 1``."""
    from aiida.calculations.arithmetic.add import ArithmeticAddCalculation

    first = add(x=x, y=1).result
    job = task(ArithmeticAddCalculation)(x=first, y=first, code=code)
    return add(x=job.sum, y=1).result


@task
def fail_at(x: Any, at: Any) -> Any:
    """Return ``x + 1``, or raise if ``x`` equals ``at``."""
    if x == at:
        raise ValueError(f'fail_at reached {at}')
    return x + 1


@task
def total(values: Annotated[dict, spec.dynamic(Any)], start: Any = 0) -> Any:
    """``start`` plus the sum of a gathered namespace of numbers."""
    return start + sum(values.values())


@task.graph(outputs=spec.namespace(res=spec.dynamic(Any), total=Any))
def map_with_jobs(source: Annotated[dict, spec.dynamic(Any)], code: Any) -> dict[str, Any]:
    """A map whose items each run an ``ArithmeticAddCalculation`` (``v + v``) on ``code``, then add 1; and the total."""
    from aiida.calculations.arithmetic.add import ArithmeticAddCalculation

    from aiida_workgraph import Map

    with Map(source) as items:
        job = task(ArithmeticAddCalculation)(x=items.value, y=items.value, code=code)
        items.gather({'res': add(x=job.sum, y=1).result})
    return {'res': items.outputs.res, 'total': total(values=items.outputs.res).result}
